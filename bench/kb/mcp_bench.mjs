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

// One timed tool: first call (pays for loading, reported apart), warm-up,
// then one call per query via next().
function timer(client, name, argsOf) {
  const lat = [];
  let hits = 0, firstMs = 0;
  const call = async (q) => {
    const r = await client.callTool({ name, arguments: argsOf(q) });
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    return r;
  };
  return {
    async warm() {
      const t0 = process.hrtime.bigint();
      await call(queries[0]);
      firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
      for (let i = 1; i < warmup; i++) await call(queries[i % queries.length]);
    },
    async next(q) {
      const t = process.hrtime.bigint();
      const r = await call(q);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      const s = r.structuredContent ?? {};
      hits += (s.hits ?? s.entities ?? []).length;
    },
    stats: () => ({ p50: pct(lat, 0.5), p95: pct(lat, 0.95), meanHits: hits / lat.length, firstMs }),
  };
}

async function connect(command, cmdArgs, env) {
  const client = new Client({ name: "flywheel-kb-bench", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args: cmdArgs, env: { ...process.env, ...env }, stderr: "ignore" }));
  return client;
}

const fly = await connect(args.flywheel, ["--universe", args.universe, "serve"], {});
const ft = timer(fly, "kb_search", (q) => ({ query: q, limit: 10 }));
await ft.warm();
let peer, pt, memDir, loadS, entities;
if (args.peer) {
  const peerMain = path.join(modules, "@modelcontextprotocol/server-memory/dist/index.js");
  memDir = fs.mkdtempSync(path.join(os.tmpdir(), "kb-peer-"));
  peer = await connect(process.execPath, [peerMain], { MEMORY_FILE_PATH: path.join(memDir, "memory.jsonl") });
  const lines = fs.readFileSync(args.records, "utf8").split("\n").filter(Boolean);
  entities = lines.length;
  const loadStart = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i += 500) {
    const batch = lines.slice(i, i + 500).map((l) => {
      const [key, kind, title, body] = l.split("\t");
      return { name: key, entityType: kind, observations: [title, body] };
    });
    await peer.callTool({ name: "create_entities", arguments: { entities: batch } });
  }
  loadS = Number(process.hrtime.bigint() - loadStart) / 1e9;
  pt = timer(peer, "search_nodes", (q) => ({ query: q }));
  await pt.warm();
}
// Interleaved (flywheel, then server-memory, per query) so that both see
// the same machine load.
for (const q of queries) {
  await ft.next(q);
  if (pt) await pt.next(q);
}
await fly.close();
const f = ft.stats();
console.log(`flywheel kb_search over MCP stdio (${queries.length} queries, limit 10): p50 ${f.p50.toFixed(2)} ms, p95 ${f.p95.toFixed(2)} ms (mean hits ${f.meanHits.toFixed(1)}; first call ${f.firstMs.toFixed(0)} ms)`);
console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", server: "flywheel", tool: "kb_search", queries: queries.length, ...f }));
if (pt) {
  await peer.close();
  fs.rmSync(memDir, { recursive: true, force: true });
  const p = pt.stats();
  console.log(`server-memory: ${entities} entities loaded with create_entities (batches of 500) in ${loadS.toFixed(1)} s`);
  console.log(`server-memory search_nodes over MCP stdio (${queries.length} queries): p50 ${p.p50.toFixed(2)} ms, p95 ${p.p95.toFixed(2)} ms (mean hits ${p.meanHits.toFixed(1)})`);
  console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", server: "server-memory", tool: "search_nodes", entities, queries: queries.length, ...p }));
  console.log(`speed-up: p50 ${(p.p50 / f.p50).toFixed(1)}x (target >= 10x), p95 ${(p.p95 / f.p95).toFixed(1)}x`);
  console.log("RESULT " + JSON.stringify({ bench: "kb_mcp", metric: "p50_speedup_vs_server_memory", value: p.p50 / f.p50 }));
}
