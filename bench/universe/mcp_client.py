#!/usr/bin/env python3
"""Warm blast_radius latency over MCP stdio.

    mcp_client.py FLYWHEEL UNIVERSE SERVICE [REPS]

Starts `FLYWHEEL --universe UNIVERSE serve`, initializes, calls blast_radius
once to warm up, then REPS times (default 21), and prints the median round
trip in microseconds. Exits 1 if a call fails.
"""
import json
import statistics
import subprocess
import sys
import time


def main():
    flywheel, universe, service = sys.argv[1:4]
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 21
    proc = subprocess.Popen([flywheel, "--universe", universe, "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    next_id = [0]

    def request(method, params):
        next_id[0] += 1
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params}) + "\n")
        proc.stdin.flush()
        while True:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("server closed stdout")
            msg = json.loads(line)
            if msg.get("id") == next_id[0]:
                return msg

    request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "bench", "version": "1"}})
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    proc.stdin.flush()
    args = {"name": "blast_radius", "arguments": {"symbols": [service], "limit": 1000}}
    first = request("tools/call", args)
    if "error" in first or first["result"].get("isError"):
        raise SystemExit(1)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        request("tools/call", args)
        times.append((time.perf_counter() - t0) * 1e6)
    proc.stdin.close()
    proc.wait(timeout=10)
    print(f"{statistics.median(times):.0f}")


if __name__ == "__main__":
    main()
