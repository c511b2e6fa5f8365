// kb_search over MCP stdio, side by side with the official
// @modelcontextprotocol/server-memory search_nodes, through the same
// TypeScript SDK client, on the same records and queries.
//
//   node mcp_bench.mjs --flywheel BIN --universe DIR --records DIR/records.tsv
//        --queries DIR/queries.txt [--peer] [--warmup 20]
//
// DIR/.flywheel/kb.sqlite must already hold the records (bench_kb_scale
// --dir DIR --keep --export DIR). With --peer, server-memory gets the same
// records (entity name = record key, entityType = kind, observations =
// [title, body]) and answers the same queries. Prints RESULT lines (JSON).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The SDK and the peer live in the repository's .deps/npm (scripts/setup.sh).
const modules = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.deps/npm/node_modules");
const sdk = (p) => import(pathToFileURL(path.join(modules, "@modelcontextprotocol/sdk/dist/esm", p)).href);
const { Client } = await sdk("client/index.js");
const { StdioClientTransport } = await sdk("client/stdio.js");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : true]);
    return acc;
  }, []),
);
const warmup = Number(args.warmup ?? 20);
const queries = fs.readFileSync(args.queries, "utf8").split("\n").filter(Boolean);

function pct(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function timeCalls(client, name, argsOf) {
  for (let i = 0; i < warmup; i++) await client.callTool({ name, arguments: argsOf(queries[i % queries.length]) });
  const lat = [];
  let hits = 0;
  for (const q of queries) {
    const t = process.hrtime.bigint();
    const r = await client.callTool({ name, arguments: argsOf(q) });
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    const s = r.structuredContent ?? {};
    hits += (s.hits ?? s.entities ?? []).length;
  }
  return { p50: pct(lat, 0.5), p95: pct(lat, 0.95), meanHits: hits / queries.length };
}

async function connect(command, cmdArgs, env) {
  const client = new Client({ name: "flywheel-kb-bench", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args: cmdArgs, env: { ...process.env, ...env }, stderr: "ignore" }));
  return client;
}

const fly = await connect(args.flywheel, ["--universe", args.universe, "serve"], {});
const f = await timeCalls(fly, "kb_search", (q) => ({ query: q, limit: 10 }));
await fly.close();
console.log(`flywheel kb_search over MCP stdio: p50 ${f.p50.toFixed(2)} ms, p95 ${f.p95.toFixed(2)} ms (mean hits ${f.meanHits.toFixed(1)})`);
console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", server: "flywheel", tool: "kb_search", queries: queries.length, ...f }));

if (args.peer) {
  const peerMain = path.join(modules, "@modelcontextprotocol/server-memory/dist/index.js");
  const memFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kb-peer-")), "memory.jsonl");
  const peer = await connect(process.execPath, [peerMain], { MEMORY_FILE_PATH: memFile });
  const lines = fs.readFileSync(args.records, "utf8").split("\n").filter(Boolean);
  for (let i = 0; i < lines.length; i += 500) {
    const entities = lines.slice(i, i + 500).map((l) => {
      const [key, kind, title, body] = l.split("\t");
      return { name: key, entityType: kind, observations: [title, body] };
    });
    await peer.callTool({ name: "create_entities", arguments: { entities } });
  }
  const p = await timeCalls(peer, "search_nodes", (q) => ({ query: q }));
  await peer.close();
  console.log(`server-memory search_nodes (${lines.length} entities): p50 ${p.p50.toFixed(2)} ms, p95 ${p.p95.toFixed(2)} ms (mean hits ${p.meanHits.toFixed(1)})`);
  console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", server: "server-memory", tool: "search_nodes", entities: lines.length, queries: queries.length, ...p }));
  console.log(`speed-up at p50: ${(p.p50 / f.p50).toFixed(1)}x (target >= 10x)`);
  console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", metric: "p50_speedup_vs_server_memory", value: p.p50 / f.p50 }));
}
