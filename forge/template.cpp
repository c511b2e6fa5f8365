// The template engine: parse once into a node tree, render many times.
#include "forge/template.h"

#include <algorithm>

namespace flywheel::forge {

namespace {

using Node = Template::Node;

struct Token {
  enum class Kind { Text, Value, Open, Inverted, Close, FitOpen, Comment };
  Kind kind;
  std::string text;
  size_t line;
};

bool isBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

size_t lineOf(std::string_view text, size_t pos) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

Token::Kind tagKind(std::string_view& body) {
  if (body.empty()) return Token::Kind::Value;
  char c = body.front();
  auto strip = [&] { body.remove_prefix(1); };
  switch (c) {
    case '#': strip(); return Token::Kind::Open;
    case '^': strip(); return Token::Kind::Inverted;
    case '/': strip(); return Token::Kind::Close;
    case '%': strip(); return Token::Kind::FitOpen;
    case '!': strip(); return Token::Kind::Comment;
    default: return Token::Kind::Value;
  }
}

Result<std::vector<Token>> tokenize(std::string_view name, std::string_view text) {
  std::vector<Token> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      tokens.push_back({Token::Kind::Text, std::string(text.substr(pos)), lineOf(text, pos)});
      break;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos)
      return fail(Error::invalidArgument(std::string(name) + ":" + std::to_string(lineOf(text, open)) +
                                         ": unclosed '{{'; close the tag with '}}'"));
    std::string_view body = text.substr(open + 2, close - open - 2);
    Token::Kind kind = tagKind(body);
    size_t end = close + 2;
    size_t textEnd = open;
    if (kind != Token::Kind::Value) {
      // A standalone tag takes its whole line with it.
      size_t lineStart = 0;
      if (open > 0) {
        size_t nl = text.rfind('\n', open - 1);
        lineStart = nl == std::string_view::npos ? 0 : nl + 1;
      }
      size_t lineEnd = text.find('\n', end);
      if (lineEnd == std::string_view::npos) lineEnd = text.size();
      if (lineStart >= pos && isBlank(text.substr(lineStart, open - lineStart)) &&
          isBlank(text.substr(end, lineEnd - end))) {
        textEnd = lineStart;
        end = lineEnd < text.size() ? lineEnd + 1 : lineEnd;
      }
    }
    if (textEnd > pos) tokens.push_back({Token::Kind::Text, std::string(text.substr(pos, textEnd - pos)), lineOf(text, pos)});
    auto trimmed = std::string(body);
    trimmed.erase(0, trimmed.find_first_not_of(' '));
    trimmed.erase(trimmed.find_last_not_of(' ') + 1);
    if (kind == Token::Kind::FitOpen && trimmed != "fit" && trimmed != "fitcall" && trimmed != "fitvariant")
      return fail(Error::invalidArgument(std::string(name) + ":" + std::to_string(lineOf(text, open)) +
                                         ": unknown directive '%" + trimmed +
                                         "'; use '%fit', '%fitcall' or '%fitvariant'"));
    if (kind != Token::Kind::Comment) tokens.push_back({kind, trimmed, lineOf(text, open)});
    pos = end;
  }
  return tokens;
}

}  // namespace

Result<std::shared_ptr<const Template>> Template::parse(std::string_view name, std::string_view text) {
  auto tokens = tokenize(name, text);
  if (!tokens) return fail(tokens.error());
  auto tmpl = std::make_shared<Template>();
  tmpl->name_ = std::string(name);
  // A stack of open sections; the bottom is the template's top level.
  std::vector<std::pair<std::vector<Node>*, std::pair<std::string, size_t>>> stack{{&tmpl->nodes_, {"", 0}}};
  for (auto& tok : *tokens) {
    auto& out = *stack.back().first;
    switch (tok.kind) {
      case Token::Kind::Text: out.push_back({Node::Kind::Text, std::move(tok.text), {}}); break;
      case Token::Kind::Value: out.push_back({Node::Kind::Value, std::move(tok.text), {}}); break;
      case Token::Kind::Open:
      case Token::Kind::Inverted:
      case Token::Kind::FitOpen: {
        Node::Kind k = tok.kind == Token::Kind::Open       ? Node::Kind::Section
                       : tok.kind == Token::Kind::Inverted ? Node::Kind::Inverted
                                                           : Node::Kind::Fit;
        out.push_back({k, tok.text, {}});
        stack.push_back({&out.back().children, {tok.text, tok.line}});
        break;
      }
      case Token::Kind::Close:
        if (stack.size() == 1 || stack.back().second.first != tok.text)
          return fail(Error::invalidArgument(
              std::string(name) + ":" + std::to_string(tok.line) + ": '{{/" + tok.text + "}}' closes " +
              (stack.size() == 1 ? std::string("nothing") : "'" + stack.back().second.first + "'") +
              "; close sections in the order they were opened"));
        stack.pop_back();
        break;
      case Token::Kind::Comment: break;
    }
  }
  if (stack.size() > 1)
    return fail(Error::invalidArgument(std::string(name) + ":" + std::to_string(stack.back().second.second) +
                                       ": section '" + stack.back().second.first +
                                       "' is never closed; add '{{/" + stack.back().second.first + "}}'"));
  return std::shared_ptr<const Template>(std::move(tmpl));
}

namespace {

struct Renderer {
  std::vector<const TemplateObject*> contexts;
  std::vector<std::pair<bool, bool>> loops;  // (@first, @last) of each open list

  const TemplateValue* lookup(std::string_view name) const {
    for (auto it = contexts.rbegin(); it != contexts.rend(); ++it) {
      auto found = (*it)->find(name);
      if (found != (*it)->end()) return &found->second;
    }
    return nullptr;
  }

  bool truthy(std::string_view name) const {
    if (name == "@first" || name == "@last")
      return !loops.empty() && (name == "@first" ? loops.back().first : loops.back().second);
    const TemplateValue* v = lookup(name);
    if (!v) return false;
    if (auto* s = std::get_if<std::string>(&v->value)) return !s->empty();
    if (auto* b = std::get_if<bool>(&v->value)) return *b;
    return !std::get<TemplateList>(v->value).empty();
  }

  void render(const std::vector<Node>& nodes, std::string& out) {
    for (const auto& node : nodes) {
      switch (node.kind) {
        case Node::Kind::Text: out += node.text; break;
        case Node::Kind::Value:
          if (const TemplateValue* v = lookup(node.text))
            if (auto* s = std::get_if<std::string>(&v->value)) out += *s;
          break;
        case Node::Kind::Section: section(node, out); break;
        case Node::Kind::Inverted:
          if (!truthy(node.text)) render(node.children, out);
          break;
        case Node::Kind::Fit: {
          std::string block;
          render(node.children, block);
          size_t items = node.text == "fitcall"      ? kRustCallArgsWidth
                         : node.text == "fitvariant" ? kRustStructVariantWidth
                                                     : kRustMaxWidth;
          out += fitLines(block, kRustMaxWidth, items);
          break;
        }
      }
    }
  }

  void section(const Node& node, std::string& out) {
    const TemplateValue* v = node.text.starts_with('@') ? nullptr : lookup(node.text);
    if (v) {
      if (auto* list = std::get_if<TemplateList>(&v->value)) {
        for (size_t i = 0; i < list->size(); ++i) {
          contexts.push_back(&(*list)[i]);
          loops.push_back({i == 0, i + 1 == list->size()});
          render(node.children, out);
          loops.pop_back();
          contexts.pop_back();
        }
        return;
      }
    }
    if (truthy(node.text)) render(node.children, out);
  }
};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string Template::render(const TemplateObject& context) const {
  Renderer r;
  r.contexts.push_back(&context);
  std::string out;
  r.render(nodes_, out);
  return out;
}

std::string fitLines(std::string_view block, size_t maxWidth, size_t maxItemsWidth) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < block.size()) {
    size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    lines.push_back(block.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::string tall(block);
  if (!tall.empty() && tall.back() != '\n') tall += '\n';
  if (lines.size() < 2) return tall;
  std::string joined(lines.front());
  if (joined.ends_with('{')) {  // `Name {\n a: T,\n b: U,\n},` -> `Name { a: T, b: U },`
    std::string items;
    for (size_t i = 1; i + 1 < lines.size(); ++i) items += (items.empty() ? "" : " ") + trim(lines[i]);
    if (items.ends_with(',')) items.pop_back();
    if (items.size() > maxItemsWidth) return tall;
    joined += " " + items + " " + trim(lines.back());
  } else if (joined.ends_with('(') || joined.ends_with('[')) {
    std::string items;
    for (size_t i = 1; i + 1 < lines.size(); ++i) items += (items.empty() ? "" : " ") + trim(lines[i]);
    if (items.ends_with(',')) items.pop_back();
    if (items.size() > maxItemsWidth) return tall;
    joined += items + trim(lines.back());
  } else {
    for (size_t i = 1; i < lines.size(); ++i) joined += " " + trim(lines[i]);
  }
  return joined.size() <= maxWidth ? joined + "\n" : tall;
}

}  // namespace flywheel::forge
