// Printing S-expressions back as intent text (one line or pretty).
#include "universe/sexp.h"

namespace flywheel::universe {

namespace {

void escapeInto(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
}

void printInto(std::string& out, const Sexp& f) {
  switch (f.kind) {
    case Sexp::Kind::Symbol: out += f.text; return;
    case Sexp::Kind::Keyword: out += ':'; out += f.text; return;
    case Sexp::Kind::Integer: out += std::to_string(f.integer); return;
    case Sexp::Kind::Decimal: out += f.text; return;
    case Sexp::Kind::String: escapeInto(out, f.text); return;
    case Sexp::Kind::Quasi: out += '`'; break;
    case Sexp::Kind::Unquote: out += ','; break;
    case Sexp::Kind::Splice: out += ",@"; break;
    case Sexp::Kind::List:
      out += '(';
      for (size_t k = 0; k < f.items.size(); ++k) {
        if (k) out += ' ';
        printInto(out, f.items[k]);
      }
      out += ')';
      return;
  }
  if (!f.items.empty()) printInto(out, f.items[0]);
}

void prettyInto(std::string& out, const Sexp& f, size_t indent, size_t width) {
  std::string flat = printSexp(f);
  if (f.kind != Sexp::Kind::List || f.items.empty() || indent + flat.size() <= width) {
    out += flat;
    return;
  }
  // Head (and a name right after it) on the first line, the rest indented.
  out += '(';
  printInto(out, f.items[0]);
  size_t k = 1;
  if (f.items.size() > 1 && f.items[1].kind != Sexp::Kind::List) {
    out += ' ';
    printInto(out, f.items[1]);
    k = 2;
  }
  for (; k < f.items.size(); ++k) {
    out += '\n';
    out.append(indent + 2, ' ');
    prettyInto(out, f.items[k], indent + 2, width);
  }
  out += ')';
}

}  // namespace

std::string printSexp(const Sexp& form) {
  std::string out;
  printInto(out, form);
  return out;
}

std::string prettySexp(const Sexp& form, size_t width) {
  std::string out;
  prettyInto(out, form, 0, width);
  return out;
}

std::string describeSexp(const Sexp& f) {
  switch (f.kind) {
    case Sexp::Kind::Symbol: return "symbol '" + f.text + "'";
    case Sexp::Kind::Keyword: return "keyword ':" + f.text + "'";
    case Sexp::Kind::Integer: return "integer " + std::to_string(f.integer);
    case Sexp::Kind::Decimal: return "decimal " + f.text;
    case Sexp::Kind::String: return "string";
    case Sexp::Kind::List:
      return f.items.empty() ? "empty list ()" : "list (" + (f.head().empty() ? std::string("...") : std::string(f.head()) + " ...") + ")";
    default: return "quasi-quoted form";
  }
}

}  // namespace flywheel::universe
