#!/usr/bin/env bash
# Protocol benchmark: ping and tools/list round trips over stdio, flywheel
# side by side with the official Node servers (same raw client), then an HTTP
# load run with wrk (32 connections, loopback, 10 s) on flywheel serve --http.
#
#   bench/protocol/run.sh [build-dir]        (default: build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
N=${BENCH_N:-2000}
FLYWHEEL=$BUILD/cli/flywheel
CLIENT=$BUILD/bench/protocol/bench_protocol_stdio
NODE=${NODE:-/usr/bin/node}
MODS=$ROOT/.deps/npm/node_modules/@modelcontextprotocol
p50() { sed -n "s|.*method=$2 .*p50_us=\\([0-9.]*\\).*|\\1|p" "$1"; }
for f in "$FLYWHEEL" "$CLIENT"; do
  [ -x "$f" ] || { echo "bench: $f is missing; build it (cmake --build $BUILD --target flywheel bench_protocol_stdio)"; exit 1; }
done
[ -d "$MODS/server-memory" ] || { echo "bench: .deps is missing; run scripts/setup.sh"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [ -n "${HTTP_PID:-}" ] && kill $HTTP_PID 2>/dev/null || true' EXIT
mkdir -p "$WORK/universe" "$WORK/files"
cp -r "$ROOT/examples/shop/." "$WORK/universe/" 2>/dev/null || true

for WAIT in spin block; do
  echo "# stdio round trips (n=$N each), raw JSON-RPC client, client waits by $WAIT"
  "$CLIENT" --n "$N" --wait $WAIT --label flywheel -- "$FLYWHEEL" --universe "$WORK/universe" serve --stdio | tee "$WORK/fw.txt"
  MEMORY_FILE_PATH=$WORK/memory.jsonl "$CLIENT" --n "$N" --wait $WAIT --label server-memory -- "$NODE" "$MODS/server-memory/dist/index.js" | tee "$WORK/mem.txt"
  "$CLIENT" --n "$N" --wait $WAIT --label server-filesystem -- "$NODE" "$MODS/server-filesystem/dist/index.js" "$WORK/files" | tee "$WORK/fs.txt"
  for m in ping tools/list; do
    fw=$(p50 "$WORK/fw.txt" "$m"); mem=$(p50 "$WORK/mem.txt" "$m"); fs=$(p50 "$WORK/fs.txt" "$m")
    python3 -c "import sys; w,m=sys.argv[1:3]; fw,mem,fs=map(float,sys.argv[3:]); print(f'ratio wait={w} method={m} flywheel_p50_us={fw} memory_x={mem/fw:.1f} filesystem_x={fs/fw:.1f}')" "$WAIT" "$m" "$fw" "$mem" "$fs"
  done
done
echo "# targets: ping >= 5x lower, tools/list >= 50x lower than the Node servers"

echo "# HTTP load: wrk, 32 connections, 10 s, loopback, POST ping on one session"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$FLYWHEEL" --universe "$WORK/universe" serve --http "127.0.0.1:$PORT" 2>"$WORK/http.err" &
HTTP_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
SID=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$PORT/mcp" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
  | tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
# A 2 s warm-up first (not reported), so the measured run starts with the
# connections open and the worker threads running.
MCP_SESSION_ID=$SID wrk -t2 -c32 -d2s -s "$ROOT/bench/protocol/ping.lua" "http://127.0.0.1:$PORT/mcp" >/dev/null
steal() { awk '/^cpu /{print $9}' /proc/stat; }  # time the host took the VM's CPUs away (USER_HZ ticks)
STEAL0=$(steal)
MCP_SESSION_ID=$SID wrk -t2 -c32 -d10s --latency -s "$ROOT/bench/protocol/ping.lua" "http://127.0.0.1:$PORT/mcp" | tee "$WORK/wrk.txt"
p99=$(sed -n 's/^ *99% *//p' "$WORK/wrk.txt")
rps=$(sed -n 's/^Requests\/sec: *//p' "$WORK/wrk.txt")
non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *//p' "$WORK/wrk.txt"); non2xx=${non2xx:-0}
sockerr=$(sed -n 's/.*Socket errors: *//p' "$WORK/wrk.txt"); sockerr=${sockerr:-none}
STEAL_MS=$(( ($(steal) - STEAL0) * 1000 / $(getconf CLK_TCK) ))
echo "http method=ping connections=32 p99=$p99 requests_per_sec=$rps non2xx=$non2xx socket_errors=$sockerr host_steal_ms=$STEAL_MS"
echo "# host_steal_ms: CPU time the hypervisor took from this VM during the run"
