// A thin, safe layer over one SQLite connection.
//
// flywheel keeps a universe's durable state (knowledge base, task board,
// epochs) in `<universe>/.flywheel/kb.sqlite`. Several modules share that file
// and several processes may open it at once, so every connection is opened in
// WAL mode with a busy timeout, and every module migrates its own tables
// under its own name in `schema_versions`.
//
// Threads: a Db is one connection; use it from one thread at a time (give each
// thread or process its own Db). Statements must not outlive their Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace flywheel {

class Db;

/// A prepared statement. Bind with 1-based indexes; step() until it returns
/// false. Column accessors read the current row (0-based).
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bindBlob(int i, const void* data, size_t n);
  Stmt& bindNull(int i);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::optional<std::string>& v) { return v ? bind(i, std::string_view(*v)) : bindNull(i); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, static_cast<std::int64_t>(*v)) : bindNull(i); }

  /// Advances to the next row: true when a row is available, false when done.
  [[nodiscard]] Result<bool> step();
  /// Runs to completion, ignoring rows.
  [[nodiscard]] Result<void> run();
  /// Resets so the statement can be re-bound and re-run.
  void reset();

  std::int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::vector<unsigned char> blob(int col) const;
  bool isNull(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// One migration step of a module: version N runs `sql` to go from N-1 to N.
struct Migration {
  int version;
  std::string sql;
};

class Db {
 public:
  /// Opens (creating when missing) the database at `path` in WAL mode with a
  /// busy timeout of `busyTimeoutMs`. Parent directories are created.
  [[nodiscard]] static Result<Db> open(const std::filesystem::path& path, int busyTimeoutMs = 10000);

  Db(Db&& o) noexcept : db_(o.db_), path_(std::move(o.path_)) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  /// Executes one or more statements with no parameters and no rows.
  [[nodiscard]] Result<void> exec(std::string_view sql);
  [[nodiscard]] Result<Stmt> prepare(std::string_view sql);

  /// Runs `body` inside BEGIN IMMEDIATE ... COMMIT (rolled back when `body`
  /// fails). IMMEDIATE takes the write lock up front, so concurrent writers
  /// from other processes wait (busy timeout) instead of failing mid-way.
  [[nodiscard]] Result<void> transaction(const std::function<Result<void>()>& body);

  /// Brings `module`'s tables to the newest version in `migrations` (sorted by
  /// version), each step in its own transaction, recorded in schema_versions.
  [[nodiscard]] Result<void> migrate(std::string_view module, const std::vector<Migration>& migrations);

  std::int64_t lastInsertId() const;
  int changes() const;
  sqlite3* raw() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Db(sqlite3* db, std::filesystem::path p) : db_(db), path_(std::move(p)) {}
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace flywheel
