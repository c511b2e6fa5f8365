// Typed reading of tool arguments, with errors that name the JSON path.
//
// One params struct per tool is filled from the arguments object in one place:
//
//   Result<KbSearchParams> readKbSearchParams(const nlohmann::json& args) {
//     KbSearchParams p;
//     ParamReader r(args);
//     r.required("query", p.query).optional("limit", p.limit).optional("kinds", p.kinds);
//     if (p.limit < 1 || p.limit > 100) r.invalid("limit", "must be 1..100 (got " +
//         std::to_string(p.limit) + "); lower it or pass cursor");
//     if (auto e = r.finish(); !e) return fail(e.error());
//     return p;
//   }
//
// A wrong type is never silently defaulted: `optional` leaves the default only
// when the key is absent (or null), and reports "expected integer at
// arguments.limit (got string)" otherwise. The first error wins.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace flywheel::mcp {

class ParamReader {
 public:
  explicit ParamReader(const nlohmann::json& obj, std::string path = "arguments")
      : obj_(obj), path_(std::move(path)) {
    if (!obj_.is_object()) setError(path_, "object", obj_);
  }

  template <class T>
  ParamReader& required(std::string_view key, T& out) {
    if (!ok()) return *this;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      error_ = Error::invalidArgument("missing required argument " + path_ + "." + std::string(key));
      return *this;
    }
    read(*it, path_ + "." + std::string(key), out);
    return *this;
  }

  template <class T>
  ParamReader& optional(std::string_view key, T& out) {
    if (!ok() || !obj_.is_object()) return *this;
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return *this;
    read(*it, path_ + "." + std::string(key), out);
    return *this;
  }

  /// Records a semantic error for `key` ("limit must be 1..100 ...").
  void invalid(std::string_view key, std::string_view what) {
    if (ok()) error_ = Error::invalidArgument(path_ + "." + std::string(key) + " " + std::string(what));
  }

  bool ok() const { return !error_.has_value(); }
  Result<void> finish() const {
    if (error_) return fail(*error_);
    return {};
  }

 private:
  static const char* typeName(const nlohmann::json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_string()) return "string";
    if (v.is_array()) return "array";
    return "object";
  }
  void setError(const std::string& path, const char* expected, const nlohmann::json& got) {
    if (ok())
      error_ = Error::invalidArgument(std::string("expected ") + expected + " at " + path + " (got " +
                                      typeName(got) + ")");
  }

  void read(const nlohmann::json& v, const std::string& path, std::string& out) {
    if (!v.is_string()) return setError(path, "string", v);
    out = v.get<std::string>();
  }
  void read(const nlohmann::json& v, const std::string& path, bool& out) {
    if (!v.is_boolean()) return setError(path, "boolean", v);
    out = v.get<bool>();
  }
  void read(const nlohmann::json& v, const std::string& path, double& out) {
    if (!v.is_number()) return setError(path, "number", v);
    out = v.get<double>();
  }
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  void read(const nlohmann::json& v, const std::string& path, I& out) {
    if (!v.is_number_integer()) return setError(path, "integer", v);
    if (v.is_number_unsigned()) {
      auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<I>::max())) return setError(path, "integer in range", v);
      out = static_cast<I>(u);
      return;
    }
    auto s = v.get<std::int64_t>();
    if (s < static_cast<std::int64_t>(std::numeric_limits<I>::min()) ||
        (s > 0 && static_cast<std::uint64_t>(s) > static_cast<std::uint64_t>(std::numeric_limits<I>::max())))
      return setError(path, "integer in range", v);
    out = static_cast<I>(s);
  }
  void read(const nlohmann::json& v, const std::string&, nlohmann::json& out) { out = v; }
  template <class T>
  void read(const nlohmann::json& v, const std::string& path, std::optional<T>& out) {
    T inner{};
    read(v, path, inner);
    if (ok()) out = std::move(inner);
  }
  template <class T>
  void read(const nlohmann::json& v, const std::string& path, std::vector<T>& out) {
    if (!v.is_array()) return setError(path, "array", v);
    out.clear();
    for (size_t i = 0; i < v.size() && ok(); ++i) {
      T item{};
      read(v[i], path + "[" + std::to_string(i) + "]", item);
      if (ok()) out.push_back(std::move(item));
    }
  }

  const nlohmann::json& obj_;
  std::string path_;
  std::optional<Error> error_;
};

}  // namespace flywheel::mcp
