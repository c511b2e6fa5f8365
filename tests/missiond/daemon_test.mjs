// `flywheel daemon` end to end on git copies of examples/shop: real git,
// real cargo, the real binary serving MCP over Streamable HTTP, and the
// scripted MCP agent (test_agent.mjs) in its slots.
//
//   node daemon_test.mjs <flywheel binary> <scenario>     (exit 77: skipped)
//
// Scenarios:
//   land       commit UserProfile.id i32 -> String, 2 slots: the user's branch
//              advances, cargo test is green there, the report lists every
//              service, the board shows every task done; a second daemon on
//              the universe refuses, naming the first one's pid and address.
//   fail       the agent exits 1 every time: retried once, then halted (same
//              failure twice); nothing lands; the report says why.
//   hang       the agent hangs: killed at its deadline, retried, halted; a
//              silent agent is killed by the watchdog likewise.
//   crash      the daemon is SIGKILLed mid-cascade; its agents die with it; a
//              restarted daemon resumes the epoch, runs no done task again,
//              loses none, and lands.
//   preempt    a new breaking commit mid-cascade: the old epoch's agents are
//              killed, its tasks cancelled, and the new epoch starts.
//   tier0      a change rustc's machine-applicable fix repairs: tier 0 lands
//              it and no agent starts.
//   budget     past the epoch's run budget slots stop; the report says why.
//   worktree   --watch-worktree: an uncommitted breaking edit starts a cascade.
//   foreground a person's cascade_start on the daemon's endpoint supersedes
//              the daemon's epoch: its agents die, the newer epoch is adopted.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary, scenario] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
if (!existsSync(join(root, '.deps/npm/node_modules/@modelcontextprotocol/sdk'))) {
  console.log('SKIP: the MCP TypeScript SDK is missing; run scripts/setup.sh');
  process.exit(77);
}
if (!binary || !existsSync(binary)) {
  console.log(`SKIP: the flywheel binary is missing (${binary})`);
  process.exit(77);
}

let failures = 0;
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
  return cond;
};
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((res) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

const tmp = mkdtempSync(join(tmpdir(), `flywheel-daemon-${scenario}-`));
const universe = join(tmp, 'shop');
const runsFile = join(tmp, 'runs.txt');
cpSync(join(root, 'examples/shop'), universe, { recursive: true, filter: (p) => !/\/(target|\.flywheel)(\/|$)/.test(p) });
git(universe, 'init', '-q', '-b', 'main');
git(universe, 'config', 'user.email', 'daemon-test@example.com');
git(universe, 'config', 'user.name', 'Daemon Test');
git(universe, 'add', '-A');
git(universe, 'commit', '-q', '-m', 'shop');
const editIntent = (service, from, to, msg) => {
  const p = join(universe, `services/${service}/intent.lisp`);
  writeFileSync(p, readFileSync(p, 'utf8').replace(from, to));
  git(universe, 'commit', '-q', '-am', msg);
  return git(universe, 'rev-parse', 'HEAD');
};
let head0;
if (scenario === 'tier0') {
  editIntent('catalog', '(governance newborn)', '(governance strict-codegen)', 'catalog: AI may repair custom.rs');
  head0 = editIntent('catalog', '(arg rate-permille u32)', '(arg rate-permille i32)', 'catalog: rate-permille is an i32');
} else if (scenario === 'worktree') {
  head0 = git(universe, 'rev-parse', 'HEAD');
  const p = join(universe, 'services/user/intent.lisp');
  writeFileSync(p, readFileSync(p, 'utf8').replace('(field id i32)', '(field id String)'));  // not committed
} else {
  head0 = editIntent('user', '(field id i32)', '(field id String)', 'user: UserProfile.id is a String');
}

const daemons = [];
function startDaemon({ slots = 2, mode = '', extra = [], port }) {
  const agent = `node ${join(here, 'test_agent.mjs')}`;
  const args = ['--universe', universe, 'daemon', '--http', `127.0.0.1:${port}`, '--slots', String(slots),
    '--agent', agent, '--poll', '1', '--backoff', '1', ...extra];
  const child = spawn(binary, args, {
    env: { ...process.env, FLYWHEEL_TEST_RUNS: runsFile, FLYWHEEL_TEST_AGENT_MODE: mode, FLYWHEEL_TEST_AGENT_SLEEP: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const d = { child, port, stderr: '', exited: null };
  child.stderr.on('data', (x) => { d.stderr += x; });
  child.on('exit', (code, sig) => { d.exited = { code, sig }; });
  daemons.push(d);
  return d;
}
const status = () => {
  try { return JSON.parse(readFileSync(join(universe, '.flywheel/daemon/status.json'), 'utf8')); } catch { return null; }
};
async function waitFor(what, pred, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const s = status();
    if (s && pred(s)) return s;
    await sleep(300);
  }
  check(false, `timed out after ${seconds}s waiting for ${what}: ${JSON.stringify(status())?.slice(0, 1500)}`);
  return null;
}
const runs = () => (existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').filter(Boolean) : []);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const report = (epoch) => {
  const p = join(universe, `.flywheel/reports/epoch-${epoch}.md`);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
};
const stop = async (d) => {
  if (d.exited) return;
  d.child.kill('SIGTERM');
  for (let i = 0; i < 100 && !d.exited; i++) await sleep(100);
};

// A person's own MCP client on the daemon's endpoint (the foreground slot).
async function connectClient(port) {
  const sdk = join(root, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');
  const { Client } = await import(join(sdk, 'client/index.js'));
  const { StreamableHTTPClientTransport } = await import(join(sdk, 'client/streamableHttp.js'));
  const { LoggingMessageNotificationSchema } = await import(join(sdk, 'types.js'));
  const client = new Client({ name: 'daemon-test-person', version: '1.0.0' });
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  for (let i = 0; ; i++) {
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      break;
    } catch (e) {
      if (i > 50) throw e;
      await sleep(200);
    }
  }
  await client.setLoggingLevel('info');
  return { client, logs };
}

async function land() {
  const port = await freePort();
  const d = startDaemon({ port });
  const { client, logs } = await connectClient(port);
  await waitFor('a running epoch', (s) => s.epoch?.state === 'running', 120);
  const live = await client.callTool({ name: 'daemon_status', arguments: {} });
  check(!live.isError && live.structuredContent?.running === true && live.structuredContent?.slots?.length === 2,
    `daemon_status shows the running daemon and its 2 slots: ${live.content?.[0]?.text?.slice(0, 300)}`);
  // A second daemon on the same universe refuses, naming the first.
  const second = spawn(binary, ['--universe', universe, 'daemon', '--http', `127.0.0.1:${await freePort()}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  second.stderr.on('data', (x) => { err += x; });
  const code = await new Promise((r) => second.on('exit', r));
  check(code !== 0 && err.includes(`pid ${d.child.pid}`) && err.includes(`127.0.0.1:${port}`),
    `a second daemon refuses (exit ${code}): ${err.trim()}`);
  const s = await waitFor('the epoch to land', (x) => x.epoch?.state && x.epoch.state !== 'running', 600);
  check(s?.epoch?.state === 'landed', `the epoch landed: ${s?.epoch?.state} ${s?.epoch?.stop_reason ?? ''}`);
  const tasks = s?.tasks ?? [];
  check(tasks.length === 4 && tasks.every((t) => t.status === 'done'),
    `the board shows every task done: ${tasks.map((t) => `${t.service}=${t.status}`).join(', ')}`);
  const moved = git(universe, 'rev-parse', 'HEAD');
  check(moved !== head0 && git(universe, 'status', '--porcelain') === '', 'the user branch advanced, the tree is clean');
  const md = report(s?.epoch?.epoch);
  check(['user', 'auth', 'order', 'billing'].every((svc) => md.includes(`| ${svc} |`)) && md.includes('landed'),
    'the report lists every service');
  const cli = execFileSync(binary, ['--universe', universe, 'status'], { encoding: 'utf8' });
  check(cli.includes('running') && cli.includes('landed') && cli.includes('billing: done'), `flywheel status:\n${cli}`);
  const byService = {};
  for (const l of runs()) { const [svc, , , what] = l.split(' '); if (what === 'done') byService[svc] = (byService[svc] ?? 0) + 1; }
  check(['user', 'auth', 'order', 'billing'].every((x) => byService[x] === 1), `one successful run per service: ${JSON.stringify(byService)}`);
  for (let i = 0; i < 20 && !logs.some((l) => JSON.stringify(l.data).includes('landed')); i++) await sleep(250);
  check(logs.some((l) => l.logger === 'flywheel.daemon' && JSON.stringify(l.data).includes(`epoch ${s?.epoch?.epoch} landed`)),
    `connected clients got the report as a log notification: ${JSON.stringify(logs).slice(0, 300)}`);
  const kb = await client.callTool({ name: 'kb_search', arguments: { query: 'daemon report epoch landed', kinds: ['report'] } });
  check(!kb.isError && (kb.content?.[0]?.text ?? '').includes('daemon report'), `the report is a knowledge-base memory: ${kb.content?.[0]?.text?.slice(0, 300)}`);
  await client.close();
  await stop(d);
  check(d.exited?.code === 0, `SIGTERM stops the daemon cleanly (exit 0): ${JSON.stringify(d.exited)}`);
  try {
    execFileSync('cargo', ['test', '--offline', '--workspace'], { cwd: universe, stdio: 'pipe',
      env: { ...process.env, CARGO_TARGET_DIR: join(universe, '.flywheel/builds', `e${s?.epoch?.epoch}-cascade`) } });
    check(true, 'cargo test on the user branch is green');
  } catch (e) {
    check(false, `cargo test on the user branch: ${e.stderr?.toString().slice(-2000)}`);
  }
}

async function halts(mode, extra, failure) {
  const d = startDaemon({ mode, extra, port: await freePort() });
  const s = await waitFor('the epoch to stop', (x) => x.epoch?.state && x.epoch.state !== 'running', 300);
  const user = s?.epoch?.services?.user;
  check(s?.epoch?.state === 'halted', `the epoch halted: ${s?.epoch?.state}`);
  check(user?.outcome === 'halted' && user.attempts === 2 && user.halt_reason.includes(failure),
    `user: retried once, then halted: ${JSON.stringify(user)}`);
  check(runs().filter((l) => l.startsWith('user ') && l.endsWith(' start')).length === 2, `two runs of user's agent: ${runs().join('; ')}`);
  check(!runs().some((l) => !l.startsWith('user ')), 'services after user (blocked by it) never started an agent');
  check(git(universe, 'rev-parse', 'HEAD') === head0, 'the user branch did not move');
  check(report(s?.epoch?.epoch).includes(failure), `the report says why (${failure})`);
  check((s?.tasks ?? []).find((t) => t.service === 'user')?.status === 'blocked', 'the board shows user blocked for a human');
  await stop(d);
}

async function crash() {
  const d = startDaemon({ mode: 'auth=sleep,order=sleep', port: await freePort() });
  const s = await waitFor('user done and the wave-2 agents running',
    (x) => x.tasks?.find((t) => t.service === 'user')?.status === 'done' &&
      x.slots?.filter((sl) => sl.phase === 'agent').length === 2, 300);
  const pids = (s?.slots ?? []).map((sl) => sl.pid).filter(Boolean);
  d.child.kill('SIGKILL');
  for (let i = 0; i < 50 && !d.exited; i++) await sleep(100);
  await sleep(3000);
  check(pids.length === 2 && pids.every((p) => !alive(p)), `the agents died with the daemon (${pids.join(', ')})`);
  const d2 = startDaemon({ port: await freePort() });
  const s2 = await waitFor('the resumed epoch to land', (x) => x.epoch?.state && x.epoch.state !== 'running', 600);
  check(s2?.epoch?.epoch === s?.epoch?.epoch && s2?.epoch?.state === 'landed', `the restarted daemon resumed and landed epoch ${s?.epoch?.epoch}: ${s2?.epoch?.state}`);
  const all = runs();
  const starts = (svc) => all.filter((l) => l.startsWith(`${svc} `) && l.endsWith(' start')).length;
  const dones = (svc) => all.filter((l) => l.startsWith(`${svc} `) && l.endsWith(' done')).length;
  check(starts('user') === 1, `the done task (user) was not dispatched again: ${starts('user')} run(s)`);
  check(['user', 'auth', 'order', 'billing'].every((x) => dones(x) === 1), `every task repaired exactly once: ${all.join('; ')}`);
  check((s2?.tasks ?? []).length === 4 && s2.tasks.every((t) => t.status === 'done'), 'no task lost: every task done');
  check(git(universe, 'rev-parse', 'HEAD') !== head0, 'the user branch advanced');
  await stop(d2);
}

async function preempt() {
  const d = startDaemon({ mode: 'sleep', port: await freePort() });
  const s = await waitFor('an agent of the first epoch running', (x) => x.slots?.some((sl) => sl.phase === 'agent'), 300);
  const first = s?.epoch?.epoch;
  const pids = (s?.slots ?? []).map((sl) => sl.pid).filter(Boolean);
  editIntent('user', '(field display-name String)', '(field display-name String) (field nickname String)', 'user: nickname');
  const s2 = await waitFor('the second epoch', (x) => x.epoch?.epoch > first && x.tasks?.length > 0, 300);
  check(pids.length > 0 && pids.every((p) => !alive(p)), `the first epoch's agents were killed (${pids.join(', ')})`);
  check(s2?.epoch?.state === 'running', `epoch ${s2?.epoch?.epoch} runs`);
  check(report(first).includes('superseded'), `the report of epoch ${first} says it was superseded`);
  const starts = runs().filter((l) => l.endsWith(' start') && l.split(' ')[2] === String(first));
  const dones = runs().filter((l) => l.endsWith(' done') && l.split(' ')[2] === String(first));
  check(starts.length > 0 && dones.length === 0, `no agent of epoch ${first} finished its work (${starts.length} started)`);
  await stop(d);
}

// The trait's parameter type changed: rustc's only fix (change the impl's
// parameter type to match) is machine-applicable, so tier 0 lands it alone.
async function tier0() {
  const d = startDaemon({ mode: 'fail', port: await freePort() });
  const s = await waitFor('the epoch to stop', (x) => x.epoch?.state && x.epoch.state !== 'running', 600);
  const catalog = s?.epoch?.services?.catalog;
  check(s?.epoch?.state === 'landed', `the epoch landed: ${s?.epoch?.state} ${s?.epoch?.stop_reason ?? ''}`);
  check(catalog?.outcome === 'tier 0' && catalog.tier0_fixes > 0, `catalog was repaired by tier 0: ${JSON.stringify(catalog)}`);
  check(runs().length === 0, `no agent was started: ${runs().join('; ')}`);
  check(/services repaired by tier 0: [1-9]/.test(report(s?.epoch?.epoch)), 'the report counts what tier 0 fixed');
  const custom = readFileSync(join(universe, 'services/catalog/src/custom.rs'), 'utf8');
  check(custom.includes('rate_permille: i32'), 'the user branch holds the fixed signature');
  await stop(d);
}

// Past the epoch's run budget, slots stop taking tasks and the report says why.
async function budget() {
  const d = startDaemon({ mode: 'fail', extra: ['--max-runs-per-epoch', '1'], port: await freePort() });
  const s = await waitFor('the epoch to stop', (x) => x.epoch?.state && x.epoch.state !== 'running', 300);
  check(s?.epoch?.state === 'budget' && /budget of 1 agent runs/.test(s.epoch.stop_reason ?? ''),
    `the epoch stopped on its budget: ${s?.epoch?.state}: ${s?.epoch?.stop_reason}`);
  await sleep(2000);
  check(runs().filter((l) => l.endsWith(' start')).length === 1, `one agent run, no more: ${runs().join('; ')}`);
  check(/budget of 1 agent runs/.test(report(s?.epoch?.epoch)), 'the report says which budget stopped it');
  await stop(d);
}

// --watch-worktree: an uncommitted breaking intent edit starts a cascade.
async function worktree() {
  const d = startDaemon({ mode: 'sleep', extra: ['--watch-worktree'], port: await freePort() });
  const s = await waitFor('an epoch for the working tree', (x) => x.epoch?.to === 'worktree' && x.tasks?.length > 0, 300);
  check(s?.epoch?.state === 'running' && s.tasks.map((t) => t.service).sort().join(',') === 'auth,billing,order,user',
    `the uncommitted change started epoch ${s?.epoch?.epoch} with a task per broken service`);
  check(git(universe, 'rev-parse', 'HEAD') === head0, 'nothing was committed on the user branch');
  await stop(d);
}

// A person's own client starts a newer cascade on the daemon's endpoint: the
// daemon kills its agents, reports its epoch superseded and adopts the newer one.
async function foreground() {
  const port = await freePort();
  const d = startDaemon({ mode: 'sleep', port });
  const { client } = await connectClient(port);
  const s = await waitFor('an agent of the daemon running', (x) => x.slots?.some((sl) => sl.phase === 'agent'), 300);
  const first = s?.epoch?.epoch;
  const pids = (s?.slots ?? []).map((sl) => sl.pid).filter(Boolean);
  const start = await client.callTool({ name: 'cascade_start', arguments: {} }, undefined, { timeout: 600000 });
  const newer = start.structuredContent?.epoch;
  check(!start.isError && newer > first, `the person's cascade_start opened epoch ${newer}`);
  const s2 = await waitFor('the daemon to adopt it', (x) => x.epoch?.epoch === newer && x.tasks?.length === 4, 120);
  check(s2?.epoch?.state === 'running', `the daemon works on epoch ${newer} now`);
  check(pids.length > 0 && pids.every((p) => !alive(p)), `the daemon's agents of epoch ${first} were killed`);
  check(/outside the daemon/.test(report(first)), `the report of epoch ${first} says who superseded it`);
  await client.close();
  await stop(d);
}

try {
  if (scenario === 'land') await land();
  else if (scenario === 'foreground') await foreground();
  else if (scenario === 'worktree') await worktree();
  else if (scenario === 'budget') await budget();
  else if (scenario === 'tier0') await tier0();
  else if (scenario === 'fail') await halts('fail', [], 'exit 1');
  else if (scenario === 'hang') await halts('hang', ['--agent-deadline', '4', '--silence', '60'], 'deadline 4s');
  else if (scenario === 'silent') await halts('hang', ['--silence', '3'], 'silent 3s');
  else if (scenario === 'crash') await crash();
  else if (scenario === 'preempt') await preempt();
  else check(false, `unknown scenario ${scenario}`);
} catch (e) {
  check(false, `unexpected: ${e?.stack ?? e}`);
} finally {
  for (const d of daemons) await stop(d);
  if (failures) for (const d of daemons) console.log(`daemon stderr (tail):\n${d.stderr.slice(-3000)}`);
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
