// Black-box test with the official MCP TypeScript SDK client, over stdio and
// over Streamable HTTP: initialize, list tools, call a tool, receive
// progress, cancel a long call.
//
//   node sdk_client.mjs <binary> fixture    # flywheel-conformance-fixture
//   node sdk_client.mjs <binary> flywheel   # flywheel serve (its own tools)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary, mode] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sdk = join(root, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');
if (!existsSync(sdk)) {
  console.log(`SKIP: ${sdk} is missing; run scripts/setup.sh`);
  process.exit(77);
}
const { Client } = await import(join(sdk, 'client/index.js'));
const { StdioClientTransport } = await import(join(sdk, 'client/stdio.js'));
const { StreamableHTTPClientTransport } = await import(join(sdk, 'client/streamableHttp.js'));

let failures = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}

const universe = mkdtempSync(join(tmpdir(), 'flywheel-sdk-'));
const serverArgs = (extra) => (mode === 'fixture' ? extra.fixture : ['--universe', universe, 'serve', ...extra.flywheel]);

async function exercise(client, label) {
  const info = client.getServerVersion();
  check(!!info?.name, `${label}: initialize (server ${info?.name} ${info?.version}, protocol negotiated)`);
  check(typeof client.getInstructions() === 'string' && client.getInstructions().length < 2048, `${label}: instructions under 2 KB`);
  const tools = await client.listTools();
  check(Array.isArray(tools.tools), `${label}: tools/list (${tools.tools.length} tools)`);
  await client.ping();
  check(true, `${label}: ping`);
  if (mode !== 'fixture') {
    const readOnly = tools.tools.find((t) => t.annotations?.readOnlyHint && !(t.inputSchema.required ?? []).length);
    if (readOnly) {
      const r = await client.callTool({ name: readOnly.name, arguments: {} });
      check(Array.isArray(r.content), `${label}: tools/call ${readOnly.name}`);
    }
    const bad = await client.callTool({ name: tools.tools[0]?.name ?? 'none', arguments: { no_such_argument: [1] } }).catch((e) => ({ error: e }));
    check(bad.isError === true || bad.error, `${label}: bad arguments are refused`);
    return;
  }
  const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
  check(simple.content?.[0]?.text === 'This is a simple text response for testing.', `${label}: tools/call`);
  const progress = [];
  const withProgress = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  check(progress.length >= 3 && progress[0] < progress[2], `${label}: progress notifications (${progress.join(',')})`);
  check(!withProgress.isError, `${label}: call with progress completes`);
  const controller = new AbortController();
  const started = Date.now();
  let sawProgress = false;
  const slow = client.callTool({ name: 'test_slow', arguments: { seconds: 20 } }, undefined, {
    signal: controller.signal,
    onprogress: () => {
      sawProgress = true;
    },
  });
  setTimeout(() => controller.abort('test cancels'), 500);
  const outcome = await slow.then(() => 'completed', (e) => `rejected: ${e?.message ?? e}`);
  check(outcome.startsWith('rejected') && Date.now() - started < 5000, `${label}: cancel a long call (${outcome})`);
  check(sawProgress, `${label}: progress during the long call`);
  await client.ping();
  check(true, `${label}: server still answers after the cancel`);
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function overStdio() {
  const transport = new StdioClientTransport({ command: binary, args: serverArgs({ fixture: ['--stdio'], flywheel: ['--stdio'] }), stderr: 'pipe' });
  const client = new Client({ name: 'flywheel-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  await exercise(client, 'stdio');
  await client.close();
}

async function overHttp() {
  const port = await freePort();
  const proc = spawn(binary, serverArgs({ fixture: ['--port', String(port)], flywheel: ['--http', `127.0.0.1:${port}`] }), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  try {
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(url, { method: 'GET' });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const client = new Client({ name: 'flywheel-sdk-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url);
    await client.connect(transport);
    await exercise(client, 'http');
    await transport.terminateSession();
    await client.close();
  } catch (e) {
    console.log(stderr.slice(-3000));
    throw e;
  } finally {
    proc.kill('SIGTERM');
  }
}

try {
  await overStdio();
  await overHttp();
} catch (e) {
  console.log(`FAIL exception: ${e?.stack ?? e}`);
  failures++;
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
