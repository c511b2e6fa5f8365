// The real `flywheel serve` binary in a child process, over stdio pipes or
// Streamable HTTP on a free loopback port, for the hardening tests of
// issue 14. FLYWHEEL_SERVE_BINARY overrides the binary (to run the same
// tests against another build, e.g. main's).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "raw_socket.h"

extern char** environ;

namespace flywheel::mcp::test {

/// A free TCP port on 127.0.0.1 (free when asked; good enough for a test).
inline int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class ServeProcess {
 public:
  /// Starts `flywheel serve <args>` on an empty universe; stdin and stdout
  /// are pipes, stderr goes to a file (stderrText()).
  explicit ServeProcess(std::vector<std::string> args) {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() /
           ("flywheel-serve-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_ / "universe");
    const char* bin = std::getenv("FLYWHEEL_SERVE_BINARY");
    std::vector<std::string> argv{bin && *bin ? bin : FLYWHEEL_CLI_BINARY, "serve", "--universe",
                                  (dir_ / "universe").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, (dir_ / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> env{"FLYWHEEL_HOME=" FLYWHEEL_SOURCE_DIR};
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("FLYWHEEL_", 0) != 0) env.emplace_back(*e);
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(a.data());
    for (auto& e : env) cenv.push_back(e.data());
    cargv.push_back(nullptr);
    cenv.push_back(nullptr);
    if (::posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), cenv.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    toServer_ = in[1];
    fromServer_ = out[0];
  }
  ~ServeProcess() {
    if (running()) ::kill(pid_, SIGKILL);
    if (pid_ > 0) wait(5000);
    ::close(toServer_);
    ::close(fromServer_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  bool running() {
    if (pid_ <= 0 || exited_) return false;
    return wait(-1) == -1;
  }
  /// The exit status (128 + signal when killed) once the process ended
  /// within `timeoutMs`, else -1.
  int wait(int timeoutMs) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
    for (;;) {
      if (exited_) return status_;
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      if (std::chrono::steady_clock::now() >= until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::string stderrText() const {
    std::ifstream in(dir_ / "stderr.txt");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// Resident and peak resident memory of the server, in KiB.
  long rssKb(const char* field = "VmRSS:") const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
    return -1;
  }

  // --- stdio ---
  void send(const std::string& line) {
    std::string s = line + "\n";
    std::size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(toServer_, s.data() + off, s.size() - off);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }
  /// The next line the server wrote ("" after `timeoutMs` or at its end).
  std::string readLine(int timeoutMs = 10000) {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      pollfd p{fromServer_, POLLIN, 0};
      if (::poll(&p, 1, timeoutMs) <= 0) return "";
      char buf[65536];
      ssize_t n = ::read(fromServer_, buf, sizeof buf);
      if (n <= 0) return "";
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // --- HTTP ---
  /// Waits until `port` accepts connections (false after 10 s or an exit).
  bool waitListening(int port) {
    for (int i = 0; i < 1000 && running(); ++i) {
      int fd = connectTo(port);
      if (fd >= 0) return ::close(fd), true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = -1;
  int toServer_ = -1, fromServer_ = -1;
  std::string buffer_;
};

}  // namespace flywheel::mcp::test
