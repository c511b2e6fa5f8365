// The daemon's scripted test agent: a real MCP client (the official
// TypeScript SDK over Streamable HTTP) that does what Claude Code would do in
// a slot, with a fixed script instead of a model. It reads its task from the
// environment the daemon sets (FLYWHEEL_TASK, FLYWHEEL_EPOCH,
// FLYWHEEL_SERVICE, FLYWHEEL_MCP_URL), opens the service's repair, reads the
// diagnostics, views the first error, plans, fixes the hand-written code of
// the shop after `UserProfile.id` i32 -> String with repair_edit, validates
// and commits. It prints stream-json-like lines (one per step) and a final
// `result` event with a cost, as Claude Code's --output-format stream-json.
//
// Fault modes (FLYWHEEL_TEST_AGENT_MODE): "fail" exits 1 at once, "hang"
// prints one line and then nothing forever, "sleep" waits
// FLYWHEEL_TEST_AGENT_SLEEP seconds before working. Every run appends
// "<service> <task> <epoch> start|done|fail" to FLYWHEEL_TEST_RUNS when set.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockEdit, sdkDir as sdk, shopFixes as fixes } from '../support/agent_script.mjs';

const env = process.env;
const service = env.FLYWHEEL_SERVICE, epoch = Number(env.FLYWHEEL_EPOCH), task = env.FLYWHEEL_TASK;
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const record = (what) => { if (env.FLYWHEEL_TEST_RUNS) appendFileSync(env.FLYWHEEL_TEST_RUNS, `${service} ${task} ${epoch} ${what}\n`); };
const modes = (env.FLYWHEEL_TEST_AGENT_MODE ?? '').split(',');
const mode = modes.find((m) => m.startsWith(`${service}=`))?.split('=')[1] ?? (modes.includes('all-fail') ? 'fail' : modes[0]);
record('start');
say({ type: 'system', subtype: 'init', task, epoch, service, mode });
if (mode === 'fail') { record('fail'); process.exit(1); }
if (mode === 'hang') { setInterval(() => {}, 1 << 30); await new Promise(() => {}); }
if (mode === 'sleep') await new Promise((r) => setTimeout(r, Number(env.FLYWHEEL_TEST_AGENT_SLEEP ?? 5) * 1000));

const { Client } = await import(join(sdk, 'client/index.js'));
const { StreamableHTTPClientTransport } = await import(join(sdk, 'client/streamableHttp.js'));

const client = new Client({ name: 'flywheel-test-agent', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(env.FLYWHEEL_MCP_URL)));
const call = async (name, args) => {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 900000, resetTimeoutOnProgress: true });
  say({ type: 'tool', name, isError: !!r.isError, text: (r.content?.[0]?.text ?? '').slice(0, 300) });
  return { ...r, data: r.structuredContent ?? {}, text: r.content?.[0]?.text ?? '' };
};
let ok = false;
try {
  const open = await call('repair_open', { epoch, service });
  if (open.isError) throw new Error(`repair_open: ${open.text}`);
  const sandbox = open.data.sandbox, dir = open.data.path;
  const first = open.data.diagnostics?.[0];
  if (first) await call('repair_view', { sandbox, path: first.file, line: first.line });
  await call('repair_plan', { sandbox, strategy: `UserProfile.id is a String now: adapt ${service}'s custom.rs, keep public signatures` });
  for (const [path, reps] of Object.entries(fixes[service] ?? {})) {
    const edit = blockEdit(readFileSync(join(dir, path), 'utf8'), reps);
    if (!edit) continue;
    const r = await call('repair_edit', { sandbox, path, ...edit });
    if (r.isError) throw new Error(`repair_edit ${path}: ${r.text}`);
  }
  const v = await call('repair_validate', { sandbox });
  if (!v.data.gauntlet?.green) throw new Error(`still red: ${v.text.slice(0, 1500)}`);
  const c = await call('repair_commit', { sandbox });
  if (c.isError) throw new Error(`repair_commit: ${c.text}`);
  ok = true;
} catch (e) {
  say({ type: 'error', message: String(e?.message ?? e) });
} finally {
  await client.close();
}
record(ok ? 'done' : 'fail');
say({ type: 'result', subtype: ok ? 'success' : 'error_during_execution', total_cost_usd: 0.01, num_turns: 6 });
process.exit(ok ? 0 : 2);
