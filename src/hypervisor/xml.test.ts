/** Unit tests for the escaping XML builder; values must round-trip through a real parser (xmllint). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { el, escapeXml, renderXml } from './xml.js';

/** Evaluates an XPath string expression over `xml` with xmllint. */
function xpath(xml: string, expr: string): string {
  const r = spawnSync('xmllint', ['--xpath', expr, '-'], { input: xml, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  // xmllint ends its --xpath output with one newline of its own.
  return r.stdout.endsWith('\n') ? r.stdout.slice(0, -1) : r.stdout;
}

describe('escapeXml', () => {
  const table: Array<[string, string]> = [
    ['plain', 'plain'],
    [`a<b>&"c'`, 'a&lt;b&gt;&amp;&quot;c&apos;'],
    ['&amp;', '&amp;amp;'],
    ['tab\tnl\ncr\r', 'tab&#9;nl&#10;cr&#13;'],
    ['ünïcödé ✓ 🚀', 'ünïcödé ✓ 🚀'],
  ];
  for (const [input, expected] of table) {
    it(JSON.stringify(input), () => assert.equal(escapeXml(input), expected));
  }
});

describe('renderXml', () => {
  it('renders nesting, inline text, self-closing elements and skips undefined/false', () => {
    const tree = el('a', { x: 1, y: undefined, z: 'q' }, el('b', {}, 'text'), el('c'), undefined, false, [el('d', { n: true })]);
    assert.equal(renderXml(tree), "<a x='1' z='q'>\n  <b>text</b>\n  <c/>\n  <d n='true'/>\n</a>\n");
  });

  it('uses the given indent', () => {
    assert.equal(renderXml(el('a', {}, el('b')), '\t'), '<a>\n\t<b/>\n</a>\n');
  });

  const hostile = [`a<b>&"c'`, `'/><evil x="1"/>`, ']]>', '&lt;already&gt;', ' lead and trail ', 'multi\nline\ttab', 'ünï ✓ 🚀'];
  for (const value of hostile) {
    it(`round-trips ${JSON.stringify(value)} through xmllint as text and attribute`, () => {
      const xml = renderXml(el('t', { a: value }, el('v', {}, value)));
      assert.equal(xpath(xml, 'string(/t/@a)'), value);
      assert.equal(xpath(xml, 'string(/t/v)'), value);
      assert.equal(xpath(xml, 'count(//*)'), '2');
    });
  }
});

describe('el rejects what XML cannot carry', () => {
  const badNames = ['', '1abc', 'a b', 'a>b', 'a"b', 'a:b:c', ':a', 'a/', "x='y"];
  for (const name of badNames) {
    it(`element name ${JSON.stringify(name)}`, () => assert.throws(() => el(name), /not a valid XML name/));
    it(`attribute name ${JSON.stringify(name)}`, () => assert.throws(() => el('ok', { [name]: 'v' }), /not a valid XML name/));
  }
  it('accepts prefixed names', () => {
    assert.equal(renderXml(el('ns:a', { 'xmlns:ns': 'urn:x' })), "<ns:a xmlns:ns='urn:x'/>\n");
  });
  for (const value of ['nul\u0000', 'bell\u0007', 'esc\u001b', 'lone\ud800surrogate', '\uffff']) {
    it(`control character in ${JSON.stringify(value)}`, () => {
      assert.throws(() => el('a', { v: value }), /cannot represent/);
      assert.throws(() => el('a', {}, value), /cannot represent/);
    });
  }
});
