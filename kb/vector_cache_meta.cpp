// The vector index cache's meta file and checksum (kb/vector_cache_meta.h).
#include "kb/vector_cache_meta.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace flywheel::kb::detail {
namespace fs = std::filesystem;

std::uint64_t hashBytes(std::uint64_t h, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  return h;
}

// Checksum of a whole file, read in large chunks.
Result<std::uint64_t> fileChecksum(const fs::path& path, std::uint64_t& size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::notFound(path.string() + " is missing"));
  std::vector<char> buf(1 << 20);
  std::uint64_t h = 1469598103934665603ull;
  size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    auto got = static_cast<size_t>(in.gcount());
    // Word-at-a-time mixing keeps this fast on 100 MB indexes.
    size_t words = got / 8;
    for (size_t i = 0; i < words; ++i) {
      std::uint64_t w;
      std::memcpy(&w, buf.data() + i * 8, 8);
      h = (h ^ w) * 0x100000001b3ull;
      h ^= h >> 29;
    }
    h = hashBytes(h, buf.data() + words * 8, got - words * 8);
    size += got;
  }
  return h;
}


std::string formatMeta(const Meta& m) {
  std::ostringstream o;
  o << "flywheel-hnsw 1\n" << "embedder " << m.embedder << "\n" << "dim " << m.dim << "\n" << "seq " << m.seq << "\n"
    << "bytes " << m.bytes << "\n" << "checksum " << m.checksum << "\n";
  return o.str();
}

std::optional<Meta> parseMeta(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "flywheel-hnsw 1") return std::nullopt;
  Meta m;
  int seen = 0;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) return std::nullopt;
    std::string key = line.substr(0, sp), value = line.substr(sp + 1);
    try {
      if (key == "embedder") m.embedder = value, ++seen;
      else if (key == "dim") m.dim = std::stoi(value), ++seen;
      else if (key == "seq") m.seq = std::stoll(value), ++seen;
      else if (key == "bytes") m.bytes = std::stoull(value), ++seen;
      else if (key == "checksum") m.checksum = std::stoull(value), ++seen;
    } catch (...) {
      return std::nullopt;
    }
  }
  if (seen != 5) return std::nullopt;
  return m;
}

}  // namespace flywheel::kb::detail
