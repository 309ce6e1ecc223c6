/**
 * The UI speaks only through its catalogues: no literal text in JSX (text nodes, text
 * attributes, or strings a JSX expression shows), every schema sentence has a Chinese
 * translation, and the Chinese catalogue translates what it holds.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { QOS_LIMITS, qosSchema } from '../../shared/qos.js';
import { uiSources } from '../ui-sources.js';
import { en } from './en.js';
import { zhCN } from './zh-cn.js';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const hasLetter = /\p{L}/u;

/** Attributes whose value people read (or hear). */
const TEXT_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'aria-description', 'alt', 'label', 'sub', 'message', 'confirmLabel', 'detail', 'hint', 'searchLabel']);

/** String literals an expression can evaluate to (the branches of ?:, &&, ||, ??, and template text), not its arguments or comparisons. */
function shownStrings(e: ts.Expression): ts.Node[] {
  if (ts.isParenthesizedExpression(e)) return shownStrings(e.expression);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e];
  if (ts.isTemplateExpression(e)) return [e.head, ...e.templateSpans.map((s) => s.literal)];
  if (ts.isConditionalExpression(e)) return [...shownStrings(e.whenTrue), ...shownStrings(e.whenFalse)];
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind))
    return [...shownStrings(e.left), ...shownStrings(e.right)];
  return [];
}

const literalText = (n: ts.Node) => (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n) ? n.text : n.getText());

/** Places in a .tsx file where text is written in the code instead of coming from the catalogue. */
export function literalTextIn(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (n: ts.Node, text: string) => {
    const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
    found.push(`${relative(ui, file)}:${line + 1}: ${JSON.stringify(text.trim())}`);
  };
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && hasLetter.test(n.text)) report(n, n.text);
    if (ts.isJsxExpression(n) && n.expression && !ts.isJsxAttribute(n.parent)) for (const s of shownStrings(n.expression)) if (hasLetter.test(literalText(s))) report(s, literalText(s));
    if (ts.isJsxAttribute(n) && TEXT_ATTRIBUTES.has(n.name.getText()) && n.initializer) {
      const init = n.initializer;
      if (ts.isStringLiteral(init) && hasLetter.test(init.text)) report(init, init.text);
      if (ts.isJsxExpression(init) && init.expression) for (const s of shownStrings(init.expression)) if (hasLetter.test(literalText(s))) report(s, literalText(s));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('no literal text in the JSX of the UI: it all comes from the catalogues', () => {
  const found = uiSources()
    .filter((f) => f.endsWith('.tsx'))
    .flatMap((f) => literalTextIn(f, readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

test('the check finds text nodes, text attributes and shown strings', () => {
  const sample = `const A = () => <p title="Hello there">Plain words {busy ? 'Creating…' : t.x} {n > 1 && \`\${n} items\`} {href('pools')}</p>;`;
  assert.deepEqual(
    literalTextIn(join(ui, 'sample.tsx'), sample).map((s) => s.split(': ')[1]),
    ['"Hello there"', '"Plain words"', '"Creating…"', '"items"'],
  );
});

test('every sentence of the shared schemas has a Chinese translation', () => {
  // The schemas, in schemas.ts or one file per resource behind it; not the API client's own sentences.
  const shared = join(ui, '../shared');
  const schemas = readdirSync(shared)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['api-client.ts', 'capacity.ts'].includes(f))
    .map((f) => readFileSync(join(shared, f), 'utf8'))
    .join('\n');
  const sentences = [...schemas.matchAll(/'((?:The|An?|Give|User) [^']*[.)])'/g)].map((m) => m[1]).filter((s) => !s.includes('${'));
  sentences.push('The image needs a name.', 'The ISO needs a name.'); // built from a template
  const missing = sentences.filter((s) => !(s in zhCN.sentences));
  assert.deepEqual(missing, []);
  assert.ok(sentences.length >= 20, `found ${sentences.length} sentences`);
});

test('every QoS refusal of the schema reads in Chinese (the limits\' sentences are built from templates)', () => {
  const bad = [1.5, 0, 2 ** 50, 'fast'];
  const said = new Set<string>();
  for (const key of Object.keys(QOS_LIMITS))
    for (const value of bad) for (const issue of qosSchema.safeParse({ [key]: value }).error?.issues ?? []) said.add(issue.message);
  for (const issue of qosSchema.safeParse({ cpuPriority: 'urgent' }).error?.issues ?? []) said.add(issue.message);
  assert.equal(said.size, 3 * Object.keys(QOS_LIMITS).length + 1, [...said].join('\n'));
  assert.deepEqual([...said].filter((s) => !(s in zhCN.sentences)), []);
  assert.deepEqual([...said].filter((s) => /[a-z]{3,} [a-z]{3,}/i.test(zhCN.sentences[s] ?? '')), []);
});

test("the scheduler's refusal reads in Chinese, in either wording of its reasons", () => {
  const details = [
    "No host in pool 'default' can take 64 vCPUs and 512 MiB: vm: not enough vCPUs (1 of 8 vCPUs claimed — 2 cores × 4 overcommit).",
    "No host in pool 'default' can take 1 vCPU and 64.0 GiB: vm: not enough memory (512 MiB of 5.8 GiB claimed — 5.8 GiB × 1 overcommit); b: offline.",
    "No host in pool 'default' can take 64 cores and 512 MiB: vm: not enough cores for 64 more (1 of 8 vCPUs claimed — 2 cores × 4 overcommit).",
    "No host in pool 'default' can take 1 cores and 65536 MiB: vm: not enough memory for 65536 MiB more (512 of 5977 MiB claimed).",
    "No host in pool 'default' can take 2 cores and 1024 MiB: a: not enough vCPUs for 2 more (8 of 8 vCPUs claimed — 2 cores × 4 overcommit); a: not enough memory for 1024 MiB more (8.0 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit); b: CPU load 97% is above the pool's ceiling of 90%; c: network lan is not available on this host.",
  ];
  for (const detail of details) {
    const zh = zhCN.apiErrors.no_host_available?.(["default"], detail) ?? '';
    assert.ok(zh.startsWith('资源池“default”中没有主机能容纳'), zh);
    assert.doesNotMatch(zh, /not enough|claimed|overcommit|offline|CPU load|not available/, zh);
  }
});

test('the Chinese catalogue translates: no entry is left in English', () => {
  const same: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a === 'string' && a === b && /[a-z]{3,} [a-z]{3,}/i.test(a)) same.push(path);
    if (typeof a === 'object' && a && typeof b === 'object' && b) for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  };
  walk(en, zhCN, 't');
  assert.deepEqual(same, []);
});
