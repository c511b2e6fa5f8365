-- wrk script: POST JSON-RPC pings on one existing MCP session, each with a
-- unique id (thread number + counter). MCP_SESSION_ID comes from run.sh.
local sid = os.getenv("MCP_SESSION_ID")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
function request()
  counter = counter + 1
  local body = '{"jsonrpc":"2.0","id":"' .. tostring(tid) .. '-' .. counter .. '","method":"ping"}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["Mcp-Session-Id"] = sid,
    ["MCP-Protocol-Version"] = "2025-11-25",
  }, body)
end
