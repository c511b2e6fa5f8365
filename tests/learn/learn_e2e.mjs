// The Learn stroke end to end, with the official MCP TypeScript SDK client as
// a scripted agent over stdio against `flywheel serve --stdio`.
//
// A generated universe of six services (ledger and five readers of its
// Record), whose hand-written custom.rs files repeat one pattern: a flat
// RecordView of the upstream record. Six commits change Record.id's type; the
// agent repairs each cascade through the real tools (cascade_start,
// repair_open, repair_edit, repair_validate, repair_commit, cascade_finish),
// so the repair log is real. Then:
//   - learn_distill finds the one cluster (30 repairs, five services);
//   - a proposal whose template generates the view (and deletes it from
//     custom.rs) scores utility >= 0.6 with no regression; its branch exists
//     while the user's branch and working tree are byte-for-byte unchanged;
//   - a useless proposal (a template nobody calls) scores 0, no branch;
//   - a proposal that breaks a green crate is refused, naming the gate;
//   - after `git merge` of the branch, the next change of the same kind
//     cascades with zero repairs.
//
//   node learn_e2e.mjs <flywheel binary>      (exit 77: skipped)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checker, git, sdkDir as sdk, skipUnlessReady } from '../support/agent_script.mjs';

const [binary] = process.argv.slice(2);
skipUnlessReady(binary);
const { Client } = await import(join(sdk, 'client/index.js'));
const { StdioClientTransport } = await import(join(sdk, 'client/stdio.js'));
const { check, failures: failed } = checker();
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

// ---- the universe
const readers = ['audit', 'billing', 'export', 'notify', 'search'];
const types = ['i32', 'i64', 'u64', 'u32', 'i64', 'u64', 'i32'];  // six changes of Record.id
const customRs = (svc, idType) => `//! Hand-written logic of service \`${svc}\`.

#[allow(unused_imports)]
use crate::generated::*;

/// A flat view of a ledger record, as ${svc} shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordView {
    pub id: ${idType},
    pub name: String,
}

/// The view of \`value\`.
pub fn record_view(value: &ledger::Record) -> RecordView {
    RecordView {
        id: value.id,
        name: value.name.clone(),
    }
}

/// One line naming the record, for ${svc}'s logs.
pub fn describe(value: &ledger::Record) -> String {
    format!("${svc}: {:?}", record_view(value))
}

#[cfg(test)]
mod tests {
    #[test]
    fn describes_a_record() {
        let r = ledger::Record {
            id: 7,
            name: "seven".to_string(),
        };
        assert!(super::describe(&r).contains("seven"));
    }
}
`;
const ledgerIntent = (idType) => `;; The ledger's record, which every other service reads.
(service ledger
  (type Record
    (field id ${idType})
    (field name String)))
`;

const base = mkdtempSync(join(tmpdir(), 'flywheel-learn-e2e-'));
const u = join(base, 'ledgerverse');
mkdirSync(join(u, 'services/ledger'), { recursive: true });
writeFileSync(join(u, 'universe.lisp'), '(universe ledgerverse\n  (services "services/*")\n  (gates check)\n  (max-repair-cycles 4))\n');
writeFileSync(join(u, 'services/ledger/intent.lisp'), ledgerIntent(types[0]));
for (const s of readers) {
  mkdirSync(join(u, 'services', s), { recursive: true });
  writeFileSync(join(u, 'services', s, 'intent.lisp'),
    `;; ${s} reads ledger records.\n(service ${s}\n  (governance experimental)\n  (use ledger Record)\n  (type Seen\n    (field record Record)\n    (field at u64)))\n`);
}
execFileSync(binary, ['--universe', u, 'stamp'], { stdio: 'pipe' });
for (const s of readers) writeFileSync(join(u, 'services', s, 'src/custom.rs'), customRs(s, types[0]));
writeFileSync(join(u, '.gitignore'), '/target\n/.flywheel\n');
git(u, 'init', '-q', '-b', 'main');
git(u, 'config', 'user.email', 'learn-e2e@example.com');
git(u, 'config', 'user.name', 'Learn E2E');
git(u, 'add', '-A');
git(u, 'commit', '-q', '-m', 'ledgerverse');

let stderr = '';
const transport = new StdioClientTransport({ command: binary, args: ['--universe', u, 'serve', '--stdio'], stderr: 'pipe' });
transport.stderr?.on('data', (d) => { stderr += d; });
const client = new Client({ name: 'flywheel-learn-e2e', version: '1.0.0' });
await client.connect(transport);
const call = async (name, args) => {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 900000, resetTimeoutOnProgress: true });
  return { ...r, data: r.structuredContent ?? {}, text: r.content?.[0]?.text ?? '' };
};

// Every tracked and untracked file of the user's tree (not .flywheel, not target), hashed.
const treeDigest = (dir) => {
  const h = createHash('sha256');
  const walk = (d) => {
    for (const e of readdirSync(d).sort()) {
      if (e === '.flywheel' || e === 'target' || e === '.git') continue;
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p.slice(u.length) + '\0' + readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
};

// One intent change, repaired by the scripted agent; returns the services repaired.
async function cascade(from, to) {
  writeFileSync(join(u, 'services/ledger/intent.lisp'), ledgerIntent(to));
  git(u, 'commit', '-q', '-am', `ledger: Record.id is ${to}`);
  const start = await call('cascade_start', {});
  if (!check(!start.isError, `cascade ${from} -> ${to}: cascade_start ${start.isError ? start.text : ''}`)) return [];
  const epoch = start.data.epoch;
  const broken = (start.data.queue ?? []).filter((q) => q.status === 'broken').map((q) => q.service);
  if (process.env.LEARN_E2E_DEBUG) console.log(start.text);
  for (const service of broken) {
    const open = await call('repair_open', { epoch, service });
    if (!check(!open.isError, `${service}: repair_open ${open.isError ? open.text : ''}`)) continue;
    const sandbox = open.data.sandbox;
    const path = `services/${service}/src/custom.rs`;
    const plan = await call('repair_plan', { sandbox, strategy: `ledger's Record.id is ${to} now: RecordView.id follows it` });
    if (!check(!plan.isError, `${service}: repair_plan ${plan.isError ? plan.text : ''}`)) continue;
    const edit = await call('repair_edit', { sandbox, path, oldText: `    pub id: ${from},`, newText: `    pub id: ${to},` });
    if (!check(!edit.isError && edit.data.applied, `${service}: repair_edit ${edit.isError ? edit.text : ''}`)) continue;
    const v = await call('repair_validate', { sandbox });
    if (!check(!v.isError && v.data.gauntlet?.green, `${service}: repair_validate green ${v.isError || !v.data.gauntlet?.green ? v.text : ''}`)) continue;
    const c = await call('repair_commit', { sandbox });
    check(!c.isError, `${service}: repair_commit ${c.isError ? c.text : ''}`);
  }
  const fin = await call('cascade_finish', { epoch });
  check(!fin.isError && fin.data.landed, `cascade ${from} -> ${to} lands (${broken.length} repairs, ${since()}) ${fin.isError ? fin.text : ''}`);
  return broken;
}

try {
  const names = (await client.listTools()).tools.map((t) => t.name);
  check(['learn_distill', 'learn_propose', 'learn_evaluate', 'learn_proposals', 'learn_status'].every((t) => names.includes(t)),
    'tools/list has the five learn tools');

  // ---- history: six intent changes, each repaired through the tools
  for (let k = 1; k < types.length; k++) {
    const repaired = await cascade(types[k - 1], types[k]);
    check(repaired.length === readers.length && readers.every((s) => repaired.includes(s)),
      `cascade ${k}: the five readers needed a repair (${repaired.join(', ')})`);
  }
  const lines = readFileSync(join(u, '.flywheel/repairs.jsonl'), 'utf8').trim().split('\n');
  check(lines.length === 30, `the repair log holds 30 repairs (${lines.length})`);

  // ---- distill
  const d = await call('learn_distill', {});
  const cands = d.data.candidates ?? [];
  check(!d.isError && cands.length === 1, `learn_distill: one candidate (${cands.length}) ${d.text.slice(0, 300)}`);
  const cand = cands[0] ?? {};
  check(cand.count === 30 && cand.level === 1 && (cand.services ?? []).join(' ') === readers.join(' '),
    `the candidate is the id-type fix in all five readers: ${cand.count} ${cand.before} => ${cand.after}`);
  check(cand.before === 'pub $1 : $2 ,' && cand.after === 'pub $1 : $3 ,', 'its shape abstracts the field and the types');
  check(d.text.includes(cand.id) && d.text.includes('learn_propose'), 'the text names the candidate and the next step');

  const userHead = git(u, 'rev-parse', 'HEAD');
  const userTree = treeDigest(u);

  // ---- a proposal that breaks a green crate is refused
  const custom = (s) => readFileSync(join(u, 'services', s, 'src/custom.rs'), 'utf8');
  const withoutView = (text) => text
    .replace(/\/\/\/ A flat view of a ledger record[^]*?\n}\n\n/, '')
    .replace(/\/\/\/ The view of `value`\.\n[^]*?\n}\n\n/, '');
  const bad = await call('learn_propose', { candidate: cand.id, title: 'drop the view without a template',
    files: [{ path: 'services/audit/src/custom.rs', text: withoutView(custom('audit')) }] });
  check(!bad.isError && bad.data.status === 'refused' && /gates failed/.test(bad.data.refusal) && /audit/.test(bad.data.refusal),
    `a proposal that breaks audit is refused at the gates: ${(bad.data.refusal ?? bad.text).slice(0, 200)}`);

  // ---- the useful proposal: the template generates the view; custom.rs loses it
  const view = `/// A flat view of {{path}} (universe template \`view\`).
#[derive(Debug, Clone, PartialEq)]
pub struct {{rust_name}}View {
{{#fields}}
    pub {{field}}: {{type}},
{{/fields}}
}

/// The view of \`value\`.
pub fn {{snake_name}}_view(value: &{{path}}) -> {{rust_name}}View {
    {{rust_name}}View {
{{#fields}}
        {{field}}: value.{{field}}{{^copy}}.clone(){{/copy}},
{{/fields}}
    }
}
`;
  const files = [];
  for (const s of readers) {
    files.push({ path: `services/${s}/src/custom.rs`, text: withoutView(custom(s)) });
    const intent = readFileSync(join(u, 'services', s, 'intent.lisp'), 'utf8');
    files.push({ path: `services/${s}/intent.lisp`, text: intent.replace(/\)\n$/, '\n  (template view ledger/Record))\n') });
  }
  const good = await call('learn_propose', { candidate: cand.id, title: 'generate RecordView from the intent',
    templates: [{ name: 'view', text: view }], files });
  check(!good.isError && good.data.status === 'checked', `the view proposal is checked: ${good.text.slice(0, 400)}`);
  const ev = await call('learn_evaluate', { proposal: good.data.id });
  console.log(`     ${ev.text.split('\n')[0]}`);
  check(!ev.isError && ev.data.utility >= 0.6 && ev.data.regressions.length === 0 && ev.data.replayed === 30,
    `utility ${ev.data.utility} over ${ev.data.replayed} replayed repairs, no regression`);
  check(ev.data.sameAsHuman === 1, `the generated view equals what the repairs wrote (${ev.data.sameAsHuman})`);
  const branch = `flywheel/proposal/${good.data.id}`;
  check(ev.data.branch === branch && git(u, 'rev-parse', '--verify', branch).length === 40, `branch ${branch} exists`);
  check(existsSync(join(u, `.flywheel/learn/proposals/${good.data.id}.md`)), 'the pull-request description is written');
  check(git(u, 'rev-parse', 'HEAD') === userHead && git(u, 'status', '--porcelain') === '' && treeDigest(u) === userTree,
    "the user's branch and working tree are byte-for-byte unchanged");
  const msg = git(u, 'log', '-1', '--format=%B', branch);
  check(/Meta-utility 1\.00/.test(msg) && /e\d+-audit/.test(msg), 'the branch commit holds the score and the evidence');

  // ---- a useless proposal: a template nobody calls
  const useless = await call('learn_propose', { candidate: cand.id, title: 'an unused template',
    templates: [{ name: 'unused', text: '// nobody stamps {{name}}\n' }] });
  check(!useless.isError && useless.data.status === 'checked', 'the useless proposal passes its checks');
  const ue = await call('learn_evaluate', { proposal: useless.data.id });
  check(!ue.isError && ue.data.utility === 0 && ue.data.branch === '', `it scores ${ue.data.utility} and writes no branch`);
  check(git(u, 'branch', '--list', `flywheel/proposal/${useless.data.id}`) === '', 'no branch for it');

  const st = await call('learn_status', {});
  check(!st.isError && st.data.proposals.length === 3 && st.data.repairsPerEpoch.every((n) => n === 5),
    `learn_status: 3 proposals, 5 repairs in each of the last epochs (${st.data.repairsPerEpoch})`);
  const customBefore = st.data.customLines;

  // ---- merge the branch (a human does this), then the same kind of change needs no repair
  git(u, 'merge', '-q', '--no-edit', branch);
  const repaired = await cascade(types[types.length - 1], 'i64');
  check(repaired.length === 0, `after the merge, Record.id -> i64 cascades with zero repairs (${repaired.join(', ')})`);
  const after = await call('learn_status', {});
  check(after.data.customLines < customBefore, `custom.rs shrank: ${customBefore} -> ${after.data.customLines} lines`);
} catch (e) {
  check(false, `unexpected: ${e?.stack ?? e}`);
} finally {
  await client.close();
  if (failed()) console.log(`server stderr (tail):\n${stderr.slice(-3000)}`);
  console.log(`learn e2e: ${since()}`);
  if (!failed()) rmSync(base, { recursive: true, force: true });
  else console.log(`kept ${base}`);
}
process.exit(failed() ? 1 : 0);
