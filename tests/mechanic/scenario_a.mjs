// Scenario A end to end, with the official MCP TypeScript SDK client as a
// scripted agent over stdio against `flywheel serve --stdio`, on a git copy of
// examples/shop: commit UserProfile.id i32 -> String; blast_radius;
// cascade_start (the queue names the broken services); for each queued
// service: repair_open, repair_view the first error, repair_plan, repair_edit
// the fix, repair_validate, repair_commit; cascade_finish; then `cargo test`
// on the user's branch is green and `git log` shows the cascade.
//
// Should Forge again stamp `key: &String` into services/user/src/generated.rs
// (clippy::ptr_arg under `-D warnings`, as it did before its fix), no sandbox
// can validate green: the script then asserts everything up to and including
// that gauntlet result (check green, clippy red only on that generated line),
// that nothing can be committed or landed, and that the user's branch and
// working tree are untouched; any other red result is a failure.
//
//   node scenario_a.mjs <flywheel binary>      (exit 77: skipped)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [binary] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sdk = join(root, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');
if (!existsSync(sdk)) {
  console.log(`SKIP: the MCP TypeScript SDK is missing (${sdk}); run scripts/setup.sh`);
  process.exit(77);
}
if (!binary || !existsSync(binary)) {
  console.log(`SKIP: the flywheel binary is missing (${binary}); build the flywheel target`);
  process.exit(77);
}
const { Client } = await import(join(sdk, 'client/index.js'));
const { StdioClientTransport } = await import(join(sdk, 'client/stdio.js'));

let failures = 0;
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
  return cond;
};
const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

// The agent's fixes: per file, [old, new] replacements (the type of
// UserProfile.id is now String; public signatures stay as they are).
const fixes = {
  user: { 'services/user/src/custom.rs': [['id: 7,', 'id: "7".to_string(),']] },
  auth: {
    'services/auth/src/custom.rs': [
      ['        format!("tok-{:08x}-{:x}", profile.id, issued_at)\n',
        '        match profile.id.parse::<i64>() {\n            Ok(id) => format!("tok-{id:08x}-{issued_at:x}"),\n' +
        '            Err(_) => format!("tok-{}-{issued_at:x}", profile.id),\n        }\n'],
      ['        let count = self.issued_per_user.entry(profile.id).or_insert(0);\n',
        '        let user_id: i32 = profile\n            .id\n            .parse()\n' +
        '            .map_err(|_| format!("user id {:?} is not a number", profile.id))?;\n' +
        '        let count = self.issued_per_user.entry(user_id).or_insert(0);\n'],
      ['            user_id: profile.id,\n', '            user_id,\n'],
      ['            id: 42,\n', '            id: "42".to_string(),\n'],
    ],
  },
  order: {
    'services/order/src/custom.rs': [
      ['.entry(order.customer.id)\n', '.entry(order.customer.id.parse().unwrap_or_default())\n'],
      ['        if payload.id <= 0 {\n            return Err(format!("user id {} is not positive", payload.id));\n',
        '        let id: i32 = payload\n            .id\n            .parse()\n' +
        '            .map_err(|_| format!("user id {:?} is not a number", payload.id))?;\n' +
        '        if id <= 0 {\n            return Err(format!("user id {id} is not positive"));\n'],
      ['        if self.welcomed.insert(payload.id) {\n            self.welcome_orders.push(1_000_000 + payload.id as u64);\n',
        '        if self.welcomed.insert(id) {\n            self.welcome_orders.push(1_000_000 + id as u64);\n'],
      ['            id,\n            display_name: format!("user {id}"),\n',
        '            id: id.to_string(),\n            display_name: format!("user {id}"),\n'],
    ],
  },
  billing: {
    'services/billing/src/custom.rs': [
      ['    let customer = order.customer.id;\n', '    let customer: i32 = order.customer.id.parse().unwrap_or_default();\n'],
      ['            customer_id: input.customer.id,\n', '            customer_id: input.customer.id.parse().unwrap_or_default(),\n'],
      ['    if session.user_id != order.customer.id {\n', '    if order.customer.id.parse::<i32>() != Ok(session.user_id) {\n'],
      ['                id: customer_id,\n', '                id: customer_id.to_string(),\n'],
    ],
  },
};

// One edit per file: the smallest block of lines that holds every change,
// as an exact snippet (old_text) and its replacement (one repair cycle).
function blockEdit(text, replacements) {
  let fixed = text;
  for (const [from, to] of replacements) {
    if (!fixed.includes(from)) throw new Error(`the fix expects ${JSON.stringify(from)}`);
    fixed = fixed.replace(from, to);
  }
  const a = text.split('\n'), b = fixed.split('\n');
  let first = 0;
  while (a[first] === b[first]) first++;
  let tailA = a.length - 1, tailB = b.length - 1;
  while (tailA > first && tailB > first && a[tailA] === b[tailB]) { tailA--; tailB--; }
  return { old_text: a.slice(first, tailA + 1).join('\n'), new_text: b.slice(first, tailB + 1).join('\n') };
}

// The known Forge blocker: a red clippy gate whose errors all are clippy::ptr_arg
// in user's generated.rs.
const forgeBlocker = (gauntlet) => {
  const clippy = gauntlet?.gates?.find((g) => g.gate === 'clippy');
  const ds = clippy?.diagnostics ?? [];
  return clippy && !clippy.passed && ds.length > 0 &&
    ds.every((d) => d.file === 'services/user/src/generated.rs' && d.code === 'clippy::ptr_arg') ? ds : null;
};

const universe = join(mkdtempSync(join(tmpdir(), 'flywheel-scenario-a-')), 'shop');
cpSync(join(root, 'examples/shop'), universe, { recursive: true, filter: (p) => !/\/(target|\.flywheel)(\/|$)/.test(p) });
git(universe, 'init', '-q', '-b', 'main');
git(universe, 'config', 'user.email', 'scenario-a@example.com');
git(universe, 'config', 'user.name', 'Scenario A');
git(universe, 'add', '-A');
git(universe, 'commit', '-q', '-m', 'shop');
const intentPath = join(universe, 'services/user/intent.lisp');
writeFileSync(intentPath, readFileSync(intentPath, 'utf8').replace('(field id i32)', '(field id String)'));
git(universe, 'commit', '-q', '-am', 'user: UserProfile.id is a String');
const head = git(universe, 'rev-parse', 'HEAD');

let stderr = '';
const transport = new StdioClientTransport({ command: binary, args: ['--universe', universe, 'serve', '--stdio'], stderr: 'pipe' });
transport.stderr?.on('data', (d) => { stderr += d; });
const client = new Client({ name: 'flywheel-scenario-a', version: '1.0.0' });
await client.connect(transport);
const call = async (name, args, extra = {}) => {
  const r = await client.callTool({ name, arguments: args }, undefined,
    { timeout: 900000, resetTimeoutOnProgress: true, ...extra });
  return { ...r, data: r.structuredContent ?? {}, text: r.content?.[0]?.text ?? '' };
};

let blocked = [];
const committed = new Set();
const deps = { auth: ['user'], order: ['user', 'catalog'], billing: ['auth', 'order', 'user'] };
try {
  const names = (await client.listTools()).tools.map((t) => t.name);
  for (const t of ['blast_radius', 'cascade_start', 'cascade_status', 'cascade_finish', 'cascade_abort', 'repair_open',
    'repair_view', 'repair_search', 'repair_edit', 'repair_plan', 'repair_validate', 'repair_commit', 'repair_abort'])
    check(names.includes(t), `tools/list has ${t}`);
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  check(['cascade', 'researcher', 'coder'].every((p) => prompts.includes(p)), 'prompts cascade, researcher, coder');

  const br = await call('blast_radius', { from: 'HEAD~1', to: 'HEAD' });
  const reached = (br.data.services ?? []).map((s) => s.service);
  check(!br.isError && ['auth', 'order', 'billing'].every((s) => reached.includes(s)) && !reached.includes('catalog'),
    `blast_radius reaches auth, order and billing, not catalog: ${br.isError ? br.text : reached.join(', ')}`);

  let progress = 0;
  const start = await call('cascade_start', {}, { onprogress: () => progress++ });
  check(!start.isError, `cascade_start ${start.isError ? start.text : ''}`);
  const queue = start.data.queue ?? [];
  const status = Object.fromEntries(queue.map((q) => [q.service, q.status]));
  check(['auth', 'order', 'billing'].every((s) => status[s] === 'broken'), `the queue names the broken services: ${JSON.stringify(status)}`);
  check(!('catalog' in status), 'catalog is not affected');
  check(progress > 0, `progress notifications during cascade_start (${progress})`);
  check(git(universe, 'rev-parse', 'HEAD') === head, 'the user branch has not moved');
  const epoch = start.data.epoch;

  for (const entry of queue.filter((q) => q.status === 'broken')) {
    const service = entry.service;
    const open = await call('repair_open', { epoch, service });
    if (!check(!open.isError, `${service}: repair_open ${open.isError ? open.text : ''}`)) continue;
    const sandbox = open.data.sandbox;
    // Services of a later wave whose dependencies are still red (not yet
    // committed to the cascade) fail in the dependency, not in their own files.
    const redDeps = (deps[service] ?? []).filter((d) => status[d] === 'broken' && !committed.has(d) && d !== 'user');
    const first = open.data.diagnostics?.[0];
    if (first) {
      check(first.file?.startsWith(`services/${service}/`), `${service}: the first error is ${first.file}:${first.line} ${first.message}`);
      const view = await call('repair_view', { sandbox, path: first.file, line: first.line });
      const spanLine = (first.span_text ?? '').split('\n')[0].trim();
      check(!view.isError && view.data.first_line <= first.line && first.line <= view.data.last_line && view.text.includes(spanLine),
        `${service}: repair_view shows the failing line (${spanLine})`);
    } else {
      // The queue was made at cascade_start, when the earlier waves were red.
      const wereRed = (deps[service] ?? []).filter((d) => status[d] === 'broken');
      check(wereRed.length > 0 && /dependency/.test(entry.note ?? ''),
        `${service}: no own diagnostics at cascade_start because ${wereRed.join(', ')} did not compile (${entry.note})`);
      const view = await call('repair_view', { sandbox, path: `services/${service}/src/custom.rs` });
      check(!view.isError, `${service}: repair_view custom.rs`);
    }
    const plan = await call('repair_plan', { sandbox, strategy: `UserProfile.id is a String now: adapt ${service}'s hand-written code, keep public signatures` });
    check(!plan.isError, `${service}: repair_plan`);
    for (const [path, reps] of Object.entries(fixes[service] ?? {})) {
      const edit = blockEdit(readFileSync(join(universe, path), 'utf8'), reps);
      const r = await call('repair_edit', { sandbox, path, ...edit });
      check(!r.isError && r.data.applied && r.data.errors_after <= r.data.errors_before,
        `${service}: repair_edit ${path}: errors ${r.data.errors_before} -> ${r.data.errors_after} ${r.isError ? r.text : ''}`);
    }
    const v = await call('repair_validate', { sandbox });
    const g = v.data.gauntlet ?? {};
    console.log(`     ${service}: ${(g.summary ?? v.text).trim().replace(/\n/g, '; ')}`);
    if (g.green) {
      check(!v.isError, `${service}: repair_validate is green`);
      const c = await call('repair_commit', { sandbox });
      if (check(!c.isError && c.data.cascade_commit, `${service}: repair_commit lands on the cascade ${c.isError ? c.text : ''}`))
        committed.add(service);
      continue;
    }
    const c = await call('repair_commit', { sandbox });
    check(c.isError, `${service}: repair_commit refuses a red sandbox`);
    const checkGate = g.gates?.[0];
    if (redDeps.length) {
      const own = (checkGate?.diagnostics ?? []).filter((d) => d.level === 'error' && d.file.startsWith(`services/${service}/`));
      check(checkGate?.gate === 'check' && !checkGate.passed && own.length === 0,
        `${service}: red only in its red dependencies ${redDeps.join(', ')} (blocked)`);
      continue;
    }
    check(checkGate?.gate === 'check' && checkGate.passed, `${service}: the check gate is green after the fix`);
    const ptr = forgeBlocker(g);
    if (check(ptr, `${service}: red only for the known Forge blocker (clippy::ptr_arg in user's generated.rs)`))
      blocked.push(...ptr.map((d) => `${d.file}:${d.line}: ${d.code}: ${d.message}: ${d.span_text}`));
  }

  const fin = await call('cascade_finish', { epoch });
  if (blocked.length) {
    check(fin.isError && fin.data.landed !== true, 'cascade_finish does not land while services are red');
    check(git(universe, 'rev-parse', 'HEAD') === head && git(universe, 'status', '--porcelain') === '',
      'the user branch and working tree are untouched');
    const abort = await call('cascade_abort', { epoch });
    check(!abort.isError && abort.data.status?.state === 'aborted', 'cascade_abort');
    console.log(`BLOCKED (Forge): services/user/src/generated.rs fails clippy -D warnings:\n  ${[...new Set(blocked)].join('\n  ')}`);
  } else {
    check(!fin.isError && fin.data.landed, `cascade_finish lands: ${fin.text}`);
    check(git(universe, 'rev-parse', 'HEAD') !== head && git(universe, 'status', '--porcelain') === '',
      'the user branch moved to the cascade and the working tree is clean');
    const log = git(universe, 'log', '--format=%s', `${head}..HEAD`);
    console.log(`     git log ${head.slice(0, 8)}..HEAD:\n       ${log.replace(/\n/g, '\n       ')}`);
    check(log.split('\n').length >= 2, 'git log shows the cascade');
    try {
      execFileSync('cargo', ['test', '--offline', '--workspace'], { cwd: universe, stdio: 'pipe',
        env: { ...process.env, CARGO_TARGET_DIR: join(dirname(universe), 'target') } });
      check(true, 'cargo test on the user branch is green');
    } catch (e) {
      check(false, `cargo test on the user branch: ${e.stderr?.toString().slice(-2000)}`);
    }
  }
} catch (e) {
  check(false, `unexpected: ${e?.stack ?? e}`);
} finally {
  await client.close();
  if (failures) console.log(`server stderr (tail):\n${stderr.slice(-3000)}`);
  rmSync(dirname(universe), { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
