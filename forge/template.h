// Forge's template engine: the code Forge stamps lives in data files.
//
// Templates are plain text files (forge/templates/<target>/*.tmpl) with a
// small Mustache-like syntax, so that the learning loop can propose a new
// template and evaluate it by replay without touching C++:
//
//   {{name}}              the value of `name` (inner contexts shadow outer ones)
//   {{#name}}..{{/name}}  a list: once per item, with the item as context;
//                         a flag or a non-empty text: once
//   {{^name}}..{{/name}}  once when `name` is false, empty or absent
//   {{%fit}}..{{/fit}}    rustfmt's rule for a bracketed list: the block is
//                         written in its tall form (one item per line); it is
//                         joined into one line when that line fits in 100
//                         columns (`f(\n a,\n b,\n) -> T {` -> `f(a, b) -> T {`)
//   {{%fitcall}}..{{/fitcall}}  the same for a call's arguments, which rustfmt
//                         also keeps tall when they exceed 60 columns
//   {{%fitvariant}}..{{/fitvariant}}  a struct-like enum variant `V {\n a: T,\n},`,
//                         joined as `V { a: T },` when its fields fit in 35
//   {{!comment}}
//
// Inside a list, `@first` and `@last` are flags of the current item. A line
// holding nothing but one section, close or comment tag (and blanks) leaves no
// trace in the output. Values are inserted verbatim: the model escapes them.
//
//   auto t = Template::parse("enum.tmpl", text);     // once
//   TemplateObject ctx{{"name", "Tier"}, {"variants", list}};
//   std::string out = t->render(ctx);                // many times, thread-safe
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace flywheel::forge {

struct TemplateValue;
using TemplateObject = std::map<std::string, TemplateValue, std::less<>>;
using TemplateList = std::vector<TemplateObject>;

/// A text, a flag or a list of objects.
struct TemplateValue {
  std::variant<std::string, bool, TemplateList> value;
  TemplateValue() : value(std::string()) {}
  TemplateValue(std::string s) : value(std::move(s)) {}
  TemplateValue(const char* s) : value(std::string(s)) {}
  TemplateValue(bool b) : value(b) {}
  TemplateValue(TemplateList l) : value(std::move(l)) {}
};

/// A parsed template. Immutable after parse; render is thread-safe.
class Template {
 public:
  /// Parses `text`; errors name `name:line` and the problem (an unclosed
  /// section, a mismatched close, an unknown directive).
  [[nodiscard]] static Result<std::shared_ptr<const Template>> parse(std::string_view name, std::string_view text);

  /// Renders with `context`. A name found in no context renders as "" (and as
  /// false in sections): templates may test optional values.
  std::string render(const TemplateObject& context) const;

  const std::string& name() const { return name_; }

  /// One piece of a parsed template.
  struct Node {
    enum class Kind { Text, Value, Section, Inverted, Fit };
    Kind kind = Kind::Text;
    std::string text;  // Text: the text; others: the name
    std::vector<Node> children;
  };

 private:
  std::string name_;
  std::vector<Node> nodes_;
};

/// rustfmt's defaults: max_width and fn_call_width.
inline constexpr size_t kRustMaxWidth = 100;
inline constexpr size_t kRustCallArgsWidth = 60;
inline constexpr size_t kRustStructVariantWidth = 35;

/// Joins a tall bracketed block into one line when it fits (see `{{%fit}}`):
/// the line within `maxWidth` and the bracketed items within `maxItemsWidth`.
std::string fitLines(std::string_view block, size_t maxWidth = kRustMaxWidth,
                     size_t maxItemsWidth = kRustMaxWidth);

}  // namespace flywheel::forge
