#include "universe/rust_parse.h"

extern "C" const TSLanguage* tree_sitter_rust();

namespace flywheel::universe {
namespace {
struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
}  // namespace

RustTree parseRust(std::string_view source, std::chrono::microseconds budget) {
  thread_local std::unique_ptr<TSParser, ParserDeleter> parser;
  if (!parser) {
    parser.reset(ts_parser_new());
    ts_parser_set_language(parser.get(), tree_sitter_rust());
  }
  ts_parser_set_timeout_micros(parser.get(), static_cast<uint64_t>(budget.count()));
  RustTree tree(ts_parser_parse_string(parser.get(), nullptr, source.data(), static_cast<uint32_t>(source.size())));
  if (!tree) ts_parser_reset(parser.get());  // a parse that gave up leaves state behind
  return tree;
}

}  // namespace flywheel::universe
