// Static check of the UI dictionaries: every key app.js uses literally exists in both languages,
// and both languages have the same key set. Dynamic keys (status.*, sev.*, …) are checked for
// the values the API documents.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ui = fileURLToPath(new URL('../crates/server/ui/', import.meta.url));

export function checkI18n() {
  const ctx = { window: {} };
  vm.runInNewContext(readFileSync(ui + 'i18n.js', 'utf8'), ctx);
  const dict = ctx.window.MS_I18N;
  const problems = [];
  const zh = new Set(Object.keys(dict.zh));
  const en = new Set(Object.keys(dict.en));
  for (const k of zh) if (!en.has(k)) problems.push(`missing in en: ${k}`);
  for (const k of en) if (!zh.has(k)) problems.push(`missing in zh: ${k}`);
  const app = readFileSync(ui + 'app.js', 'utf8');
  const used = new Set();
  const re = /\b(?:t|has|button|field|card|pageTitle|authCard|secretPanel)\(\s*'([a-zA-Z][\w]*\.[\w.]+)'/g;
  for (const m of app.matchAll(re)) used.add(m[1]);
  // Keys passed through arrays/tables: 'area.key' literals that look like dictionary keys.
  for (const m of app.matchAll(/'((?:app|apps|audit|auth|code|common|contact|dash|err|finding|grade|keys|nav|reg|report|review|scan|sdk|units|users|account|lang)\.[a-zA-Z]+)'/g)) used.add(m[1]);
  const dynamic = {
    status: ['pending', 'approved', 'rejected', 'revoked'],
    scan: ['queued', 'running', 'done', 'failed'],
    sev: ['critical', 'high', 'medium', 'low', 'info'],
    conf: ['high', 'medium', 'low'],
    role: ['admin', 'regulator', 'reviewer', 'owner_admin', 'owner_member', 'auditor', 'node'],
    kind: ['authority', 'regulator', 'owner', 'node', 'standards'],
    review: ['approved', 'rejected'],
  };
  for (const [p, vs] of Object.entries(dynamic)) for (const v of vs) used.add(`${p}.${v}`);
  for (const k of used) {
    if (!zh.has(k)) problems.push(`used but missing in zh: ${k}`);
    if (!en.has(k)) problems.push(`used but missing in en: ${k}`);
  }
  return { problems, keys: zh.size, used: used.size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = checkI18n();
  console.log(`i18n: ${r.keys} keys, ${r.used} referenced, ${r.problems.length} problems`);
  for (const p of r.problems) console.log('  ' + p);
  process.exit(r.problems.length ? 1 : 0);
}
