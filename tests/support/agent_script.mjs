// What the scripted agents of the tests share: where the MCP SDK is, the
// skip rule, a check counter, git, and the shop's repair for
// UserProfile.id i32 -> String (the fixes a model would write).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sdkDir = join(repoRoot, '.deps/npm/node_modules/@modelcontextprotocol/sdk/dist/esm');

/** Exits 77 (ctest: skipped) when the SDK or the flywheel binary is missing. */
export function skipUnlessReady(binary) {
  if (!existsSync(sdkDir)) {
    console.log(`SKIP: the MCP TypeScript SDK is missing (${sdkDir}); run scripts/setup.sh`);
    process.exit(77);
  }
  if (binary !== undefined && (!binary || !existsSync(binary))) {
    console.log(`SKIP: the flywheel binary is missing (${binary}); build the flywheel target`);
    process.exit(77);
  }
}

/** check(cond, what) prints ok/FAIL and counts failures (failures()). */
export function checker() {
  let failures = 0;
  const check = (cond, what) => {
    console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
    if (!cond) failures++;
    return cond;
  };
  return { check, failures: () => failures };
}

export const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

// The agent's fixes: per file, [old, new] replacements (the type of
// UserProfile.id is now String; public signatures stay as they are).
export const shopFixes = {
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
// as an exact snippet (oldText) and its replacement (one repair cycle).
// Null when a replacement's text is not there (already fixed).
export function blockEdit(text, replacements) {
  let fixed = text;
  for (const [from, to] of replacements) {
    if (!fixed.includes(from)) return null;
    fixed = fixed.replace(from, to);
  }
  const a = text.split('\n'), b = fixed.split('\n');
  let first = 0;
  while (a[first] === b[first]) first++;
  let tailA = a.length - 1, tailB = b.length - 1;
  while (tailA > first && tailB > first && a[tailA] === b[tailB]) { tailA--; tailB--; }
  return { old_text: a.slice(first, tailA + 1).join('\n'), new_text: b.slice(first, tailB + 1).join('\n') };
}
