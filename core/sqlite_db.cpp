#include "core/sqlite_db.h"

#include <system_error>

namespace flywheel {
namespace {

Error sqliteError(sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : "out of memory";
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    return Error::conflict(msg + " (another process holds the database; retry)");
  return Error::io(msg);
}

}  // namespace

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}
Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}
Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bindBlob(int i, const void* data, size_t n) {
  sqlite3_bind_blob(stmt_, i, data, static_cast<int>(n), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}
Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(sqliteError(db_, std::string("sqlite step failed (") + sqlite3_sql(stmt_) + ")"));
}
Result<void> Stmt::run() {
  for (;;) {
    auto r = step();
    if (!r) return fail(r.error());
    if (!*r) return {};
  }
}
void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::text(int col) const {
  auto p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
std::vector<unsigned char> Stmt::blob(int col) const {
  auto p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>();
}
bool Stmt::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<Db> Db::open(const std::filesystem::path& path, int busyTimeoutMs) {
  std::error_code ec;
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqliteError(raw, "cannot open database " + path.string());
    sqlite3_close(raw);
    return fail(e);
  }
  Db db(raw, path);
  sqlite3_busy_timeout(raw, busyTimeoutMs);
  // synchronous=FULL: an acknowledged commit survives a crash or power loss.
  auto r = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!r) return fail(r.error());
  return db;
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = o.db_;
    path_ = std::move(o.path_);
    o.db_ = nullptr;
  }
  return *this;
}
Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Result<void> Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    Error e = sqliteError(db_, "sqlite exec failed");
    e.message = "sqlite exec failed: " + msg;
    return fail(e);
  }
  return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return fail(sqliteError(db_, "cannot prepare '" + std::string(sql) + "'"));
  return Stmt(db_, s);
}

Result<void> Db::transaction(const std::function<Result<void>()>& body) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  auto r = body();
  // A failed ROLLBACK leaves nothing to undo that the caller could act on:
  // the error that made it necessary is the one to report.
  if (!r) {
    (void)exec("ROLLBACK");
    return r;
  }
  if (auto c = exec("COMMIT"); !c) {
    (void)exec("ROLLBACK");
    return c;
  }
  return {};
}

Result<void> Db::migrate(std::string_view module, const std::vector<Migration>& migrations) {
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_versions(module TEXT PRIMARY KEY, version INTEGER NOT NULL)"); !r)
    return r;
  for (const auto& m : migrations) {
    auto r = transaction([&]() -> Result<void> {
      auto q = prepare("SELECT version FROM schema_versions WHERE module=?");
      if (!q) return fail(q.error());
      q->bind(1, module);
      auto row = q->step();
      if (!row) return fail(row.error());
      int current = *row ? static_cast<int>(q->int64(0)) : 0;
      if (current >= m.version) return {};
      if (auto e = exec(m.sql); !e) return e;
      auto up = prepare("INSERT INTO schema_versions(module, version) VALUES(?, ?) "
                        "ON CONFLICT(module) DO UPDATE SET version=excluded.version");
      if (!up) return fail(up.error());
      up->bind(1, module).bind(2, static_cast<std::int64_t>(m.version));
      return up->run();
    });
    if (!r) {
      r.error().message = std::string(module) + " migration to version " + std::to_string(m.version) +
                          " failed: " + r.error().message;
      return r;
    }
  }
  return {};
}

std::int64_t Db::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

}  // namespace flywheel
