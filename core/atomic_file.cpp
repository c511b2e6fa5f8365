#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace flywheel {
namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

Result<void> writeAll(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::io("cannot write " + path.string() + ": " + errnoText()));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

void fsyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Result<void> writeFileAtomic(const fs::path& path, std::string_view content) {
  std::error_code ec;
  fs::path dir = path.parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  if (ec) return fail(Error::io("cannot create directory " + dir.string() + ": " + ec.message()));

  std::random_device rd;
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Error::io("cannot create " + tmp.string() + ": " + errnoText()));
  auto written = writeAll(fd, content, tmp);
  if (written && ::fsync(fd) != 0) written = fail(Error::io("cannot fsync " + tmp.string() + ": " + errnoText()));
  ::close(fd);
  if (!written) {
    fs::remove(tmp, ec);
    return written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = Error::io("cannot rename " + tmp.string() + " to " + path.string() + ": " + errnoText());
    fs::remove(tmp, ec);
    return fail(err);
  }
  fsyncDirectory(dir);
  return {};
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return fail(Error::notFound(path.string() + " does not exist"));
    return fail(Error::io("cannot open " + path.string() + ": " + errnoText()));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<void> appendLineDurable(const fs::path& path, std::string_view line) {
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Error::io("cannot open " + path.string() + " for append: " + errnoText()));
  std::string buf(line);
  buf.push_back('\n');
  auto written = writeAll(fd, buf, path);
  if (written && ::fsync(fd) != 0) written = fail(Error::io("cannot fsync " + path.string() + ": " + errnoText()));
  ::close(fd);
  return written;
}

}  // namespace flywheel
