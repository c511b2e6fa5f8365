#include "mechanic/libtest.h"

#include <regex>

namespace flywheel::mechanic {
namespace {

constexpr size_t kMaxMessageChars = 1000;
constexpr size_t kMaxMessageLines = 12;
constexpr size_t kMaxValueChars = 500;

std::string bounded(std::string s, size_t max) {
  if (s.size() <= max) return s;
  s.resize(max);
  return s + "... (cut)";
}

// "  left: `84`," (before Rust 1.73) or "  left: 84" (since): the value only.
std::string assertionValue(std::string v) {
  if (!v.empty() && v.back() == ',') v.pop_back();
  if (v.size() >= 2 && v.front() == '`' && v.back() == '`') v = v.substr(1, v.size() - 2);
  return bounded(v, kMaxValueChars);
}

bool endsBlock(const std::string& l) {
  return l.rfind("---- ", 0) == 0 || l == "failures:" || l.rfind("stack backtrace:", 0) == 0 ||
         l.rfind("note: run with `RUST_BACKTRACE", 0) == 0 || l.rfind("note: Some details are omitted", 0) == 0 ||
         l.rfind("test result: ", 0) == 0;
}

// Fills `f` from the lines of one block, starting after its header.
void readBlock(const std::vector<std::string>& lines, size_t i, TestFailure& f) {
  static const std::regex kPanic(R"(^thread '[^']*'(?: \(\d+\))? panicked at (.+):(\d+):(\d+):$)");
  static const std::regex kOldPanic(R"(^thread '[^']*' panicked at '(.*)', (.+):(\d+):(\d+)$)");
  static const std::regex kLocation(R"( at ([^ ]+\.rs):(\d+):(\d+))");
  std::vector<std::string> msg, loose;
  bool panicked = false;
  std::smatch m;
  for (; i < lines.size() && !endsBlock(lines[i]); ++i) {
    const std::string& l = lines[i];
    if (!panicked && std::regex_match(l, m, kPanic)) {
      panicked = true;
      f.file = m[1], f.line = std::stoi(m[2]), f.column = std::stoi(m[3]);
    } else if (!panicked && std::regex_match(l, m, kOldPanic)) {
      panicked = true;
      f.file = m[2], f.line = std::stoi(m[3]), f.column = std::stoi(m[4]);
      msg.push_back(m[1]);
    } else if (panicked && l.rfind("  left: ", 0) == 0) {
      f.left = assertionValue(l.substr(8));
      msg.push_back(l);
    } else if (panicked && l.rfind(" right: ", 0) == 0) {
      f.right = assertionValue(l.substr(8));
      msg.push_back(l);
    } else {
      (panicked ? msg : loose).push_back(l);
    }
  }
  // No panic line (a `should_panic` test that did not panic, a test returning
  // Err): what the block says is the message.
  if (!panicked) msg = loose;
  while (!msg.empty() && msg.back().find_first_not_of(" \t") == std::string::npos) msg.pop_back();
  size_t first = 0;
  while (first < msg.size() && msg[first].find_first_not_of(" \t") == std::string::npos) ++first;
  std::string text;
  for (size_t k = first; k < msg.size() && k - first < kMaxMessageLines; ++k) text += (text.empty() ? "" : "\n") + msg[k];
  if (msg.size() - first > kMaxMessageLines) text += "\n... (" + std::to_string(msg.size() - first - kMaxMessageLines) + " more lines)";
  f.message = bounded(text, kMaxMessageChars);
  if (!panicked && std::regex_search(text, m, kLocation))
    f.file = m[1], f.line = std::stoi(m[2]), f.column = std::stoi(m[3]);
}

}  // namespace

std::string TestFailure::oneLine() const {
  std::string out = file.empty() ? std::string() : file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  out += "test " + name + " failed";
  if (message.empty()) return out;
  std::string indented;
  size_t pos = 0;
  while (pos <= message.size()) {
    size_t nl = message.find('\n', pos);
    if (nl == std::string::npos) nl = message.size();
    indented += (pos == 0 ? "" : "\n    ") + message.substr(pos, nl - pos);
    pos = nl + 1;
  }
  return out + ": " + indented;
}

std::vector<TestFailure> parseTestFailures(const std::vector<std::string>& lines, size_t max) {
  static const std::regex kHeader(R"(^---- (\S+) stdout ----$)");
  std::vector<TestFailure> out;
  std::smatch m;
  for (size_t i = 0; i < lines.size() && out.size() < max; ++i) {
    if (!std::regex_match(lines[i], m, kHeader)) continue;
    TestFailure f;
    f.name = m[1];
    readBlock(lines, i + 1, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace flywheel::mechanic
