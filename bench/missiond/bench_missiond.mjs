// bench/missiond: commit-to-green wall time of `flywheel daemon` on the
// shop (UserProfile.id i32 -> String) with 1 and with 2 slots, the scripted
// MCP agent of tests/missiond in the slots, real git and cargo. Prints one
// JSON line per run:
//   {"bench":"missiond","slots":2,"commit_to_green_s":...,"cascade_start_s":...,
//    "tier0_s":...,"agents_s":...,"finish_s":...,"busy_s":...,"overhead_s":...,"overhead_pct":...}
// where busy_s is the union of the intervals in which cargo or an agent was
// at work (cascade start, tier 0, agent runs, finish; agents_s sums the runs,
// which overlap with 2 slots) and overhead is everything else: the daemon's
// start, polling, planning, claiming and book-keeping. The clock starts when
// the daemon is spawned (the commit is already there) and stops when the
// user's branch has moved.
//
//   node bench_missiond.mjs <flywheel binary> [slots...]     (default: 1 2)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary, ...slotArgs] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!binary || !existsSync(binary)) {
  console.error(`usage: node bench_missiond.mjs <flywheel binary> [slots...]`);
  process.exit(2);
}
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((res) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const union = (intervals) => {
  const xs = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0, cur = null;
  for (const [a, b] of xs) {
    if (!cur || a > cur[1]) { if (cur) total += cur[1] - cur[0]; cur = [a, b]; } else cur[1] = Math.max(cur[1], b);
  }
  return cur ? total + cur[1] - cur[0] : 0;
};

async function once(slots) {
  const tmp = mkdtempSync(join(tmpdir(), `flywheel-bench-missiond-${slots}-`));
  const universe = join(tmp, 'shop');
  cpSync(join(root, 'examples/shop'), universe, { recursive: true, filter: (p) => !/\/(target|\.flywheel)(\/|$)/.test(p) });
  git(universe, 'init', '-q', '-b', 'main');
  git(universe, 'config', 'user.email', 'bench@example.com');
  git(universe, 'config', 'user.name', 'bench');
  git(universe, 'add', '-A');
  git(universe, 'commit', '-q', '-m', 'shop');
  const intent = join(universe, 'services/user/intent.lisp');
  writeFileSync(intent, readFileSync(intent, 'utf8').replace('(field id i32)', '(field id String)'));
  git(universe, 'commit', '-q', '-am', 'user: UserProfile.id is a String');
  const head = git(universe, 'rev-parse', 'HEAD');
  const agent = `node ${join(root, 'tests/missiond/test_agent.mjs')}`;
  const t0 = Date.now() / 1000;
  const d = spawn(binary, ['--universe', universe, 'daemon', '--http', `127.0.0.1:${await freePort()}`,
    '--slots', String(slots), '--agent', agent, '--poll', '1'], { stdio: 'ignore' });
  let t1 = 0;
  while (Date.now() / 1000 - t0 < 900) {
    if (git(universe, 'rev-parse', 'HEAD') !== head) { t1 = Date.now() / 1000; break; }
    await sleep(100);
  }
  d.kill('SIGTERM');
  await new Promise((r) => d.on('exit', r));
  const l = JSON.parse(readFileSync(join(universe, '.flywheel/daemon/epoch-1.json'), 'utf8'));
  rmSync(tmp, { recursive: true, force: true });
  if (!t1 || l.state !== 'landed') throw new Error(`slots ${slots}: the cascade did not land (${l.state}: ${l.stop_reason})`);
  const wall = t1 - t0, busy = union(l.busy ?? []);
  const r2 = (x) => Math.round(x * 100) / 100;
  return { bench: 'missiond', slots, commit_to_green_s: r2(wall), cascade_start_s: r2(l.cascade_seconds),
    tier0_s: r2(l.tier0_seconds), agents_s: r2(l.agent_seconds), finish_s: r2(l.finish_seconds), busy_s: r2(busy),
    overhead_s: r2(wall - busy), overhead_pct: r2((100 * (wall - busy)) / wall), agent_runs: l.runs };
}

for (const slots of (slotArgs.length ? slotArgs : ['1', '2']).map(Number)) console.log(JSON.stringify(await once(slots)));
