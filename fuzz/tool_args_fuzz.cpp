// libFuzzer target: tools/call params for every registered tool.
//
// An input is the JSON `params` of a tools/call ({"name": ..., "arguments":
// {...}}), seeded from every tool schema's examples (fuzz/run.sh makes the
// seeds). It goes through the real server with every tool group registered
// on a private copy of the shop universe: schema validation, each tool's
// argument decoding, and the domain call behind it. cargo is kept off PATH,
// so tools that would build answer quickly with an error instead. A crash, a
// sanitizer report, or a call that gets no answer within 30 s is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/fuzz_universe.h"
#include "server/mcp_server.h"
#include "server/memory_transport.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("PATH", "/usr/bin:/bin", 1);  // no cargo: see above
  (void)flywheel::fuzz::fuzzServer();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto params = nlohmann::json::parse(data, data + size, nullptr, false);
  if (params.is_discarded()) return -1;  // not JSON: the stdio target covers raw text
  flywheel::mcp::InMemoryClient client(flywheel::fuzz::fuzzServer());
  client.initialize();
  auto reply = client.call("tools/call", std::move(params), std::chrono::seconds(30));
  if (!reply) {
    std::fprintf(stderr, "tools/call got no answer within 30 s (hang)\n");
    std::abort();
  }
  return 0;
}
