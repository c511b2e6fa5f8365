// Scenario A with the official MCP TypeScript SDK client as a scripted agent
// over stdio, on a copy of examples/shop: commit UserProfile.id i32 -> String,
// blast_radius (when the graph tools are registered), cascade_start (the
// queue names the broken services), then for auth: open, view the error,
// plan, edit, see the error count fall; a refused edit; cascade_finish while
// services are still red changes nothing; cascade_abort cleans up.
//
//   node scenario_a.mjs <flywheel binary>
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sdk = join(root, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');
if (!existsSync(sdk) || !binary || !existsSync(binary)) {
  console.log('SKIP: the SDK (scripts/setup.sh) or the flywheel binary is missing');
  process.exit(77);
}
const { Client } = await import(join(sdk, 'client/index.js'));
const { StdioClientTransport } = await import(join(sdk, 'client/stdio.js'));

let failures = 0;
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
};
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

const universe = join(mkdtempSync(join(tmpdir(), 'flywheel-scenario-a-')), 'shop');
cpSync(join(root, 'examples/shop'), universe, { recursive: true, filter: (p) => !/\/(target|\.flywheel)(\/|$)/.test(p) });
git(universe, 'init', '-q', '-b', 'main');
git(universe, 'add', '-A');
git(universe, 'commit', '-q', '-m', 'shop');
const intentPath = join(universe, 'services/user/intent.lisp');
writeFileSync(intentPath, readFileSync(intentPath, 'utf8').replace('(field id i32)', '(field id String)'));
git(universe, 'commit', '-q', '-am', 'user: UserProfile.id is a String');
const head = git(universe, 'rev-parse', 'HEAD');

const client = new Client({ name: 'flywheel-scenario-a', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: binary, args: ['--universe', universe, 'serve'], stderr: 'ignore' }));
const call = async (name, args, extra = {}) => {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 600000, ...extra });
  return { ...r, data: r.structuredContent ?? {}, text: r.content?.[0]?.text ?? '' };
};

try {
  const names = (await client.listTools()).tools.map((t) => t.name);
  for (const t of ['cascade_start', 'cascade_status', 'cascade_finish', 'cascade_abort', 'repair_open', 'repair_view',
    'repair_search', 'repair_edit', 'repair_plan', 'repair_validate', 'repair_commit', 'repair_abort'])
    check(names.includes(t), `tools/list has ${t}`);
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  check(['cascade', 'researcher', 'coder'].every((p) => prompts.includes(p)), 'prompts cascade, researcher, coder');
  if (names.includes('blast_radius')) {
    const br = await call('blast_radius', { from: 'HEAD~1', to: 'HEAD' });
    check(!br.isError, 'blast_radius answers');
  }

  let progress = 0;
  const start = await call('cascade_start', {}, { onprogress: () => progress++ });
  check(!start.isError, `cascade_start ${start.isError ? start.text : ''}`);
  const queue = start.data.queue ?? [];
  const status = Object.fromEntries(queue.map((q) => [q.service, q.status]));
  check(status.auth === 'broken' && status.order === 'broken', `the queue names the broken services: ${JSON.stringify(status)}`);
  check(!('catalog' in status), 'catalog is not affected');
  check(progress > 0, `progress notifications during cascade_start (${progress})`);
  check(git(universe, 'rev-parse', 'HEAD') === head, 'the user branch has not moved');

  const epoch = start.data.epoch;
  const open = await call('repair_open', { epoch, service: 'auth' });
  check(!open.isError, 'repair_open auth');
  const sandbox = open.data.sandbox;
  const first = open.data.diagnostics?.[0];
  check(first?.file === 'services/auth/src/custom.rs', `auth's first error is in custom.rs (${first?.file}:${first?.line})`);
  const view = await call('repair_view', { sandbox, path: first.file, line: first.line });
  check(view.text.includes('profile.id'), 'repair_view shows the failing line');
  const early = await call('repair_edit', { sandbox, path: first.file, old_text: '{:08x}', new_text: '{}' });
  check(early.isError && early.text.includes('research phase'), 'edits are refused before repair_plan');
  await call('repair_plan', { sandbox, strategy: 'UserProfile.id is a String: format it with {} instead of {:08x}' });
  const gen = await call('repair_edit', { sandbox, path: 'services/auth/src/generated.rs', start_line: 1, end_line: 1, new_text: '//' });
  check(gen.isError && gen.text.includes('strict-codegen'), 'generated.rs is refused in strict-codegen');
  const esc = await call('repair_view', { sandbox, path: '../../../../etc/passwd' });
  check(esc.isError, 'a ../ escape is refused');
  const fix = await call('repair_edit', { sandbox, path: first.file, old_text: '{:08x}', new_text: '{}' });
  check(!fix.isError && fix.data.applied && fix.data.errors_after < fix.data.errors_before,
    `the fix is applied: errors ${fix.data.errors_before} -> ${fix.data.errors_after}`);

  await call('repair_abort', { sandbox });
  const fin = await call('cascade_finish', { epoch });
  check(fin.isError && fin.data.landed === false, 'cascade_finish with red services does not land');
  check(git(universe, 'rev-parse', 'HEAD') === head && git(universe, 'status', '--porcelain') === '',
    'the user branch and working tree are untouched');
  const abort = await call('cascade_abort', { epoch });
  check(!abort.isError && abort.data.status?.state === 'aborted', 'cascade_abort');
} catch (e) {
  check(false, `unexpected: ${e?.stack ?? e}`);
} finally {
  await client.close();
  rmSync(dirname(universe), { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
