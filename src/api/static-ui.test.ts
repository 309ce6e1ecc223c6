import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { staticUi } from './static-ui.js';

const assets: Record<string, string> = { 'ui/index.html': '<html>spa</html>', 'ui/main.js': 'console.log(1)', 'ui/chunks/a-1.js': 'x' };
const app = new Hono<AppEnv>();
app.use('*', staticUi((key) => (assets[key] ? Buffer.from(assets[key]) : undefined)));
app.notFound((c) => c.text('not found', 404));

test('serves assets with their type, index.html for client routes, and nothing under /api', async () => {
  const js = await app.request('/main.js');
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(await (await app.request('/chunks/a-1.js')).text(), 'x');
  for (const path of ['/', '/instances/ins_x', '/prefix/deep/path']) assert.equal(await (await app.request(path)).text(), '<html>spa</html>', path);
  assert.equal((await app.request('/api/v1/nothing')).status, 404);
  assert.equal((await app.request('/main.js', { method: 'POST' })).status, 404);
});

test('malformed percent-encoding and traversal never reach a file or a 500', async () => {
  for (const path of ['/%E0%A4%A', '/foo/%ZZ', '/..%2F..%2Fetc%2Fpasswd', '/ui/../../etc/passwd']) {
    const res = await app.request(path);
    assert.ok(res.status < 500, `${path}: ${res.status}`);
    assert.doesNotMatch(await res.text(), /root:/);
  }
});

test('no open redirect: //evil.com is not answered with the SPA', async () => {
  for (const path of ['//evil.com', '//evil.com/', '/%2Fevil.com', '/%5Cevil.com', '///evil.com/x']) {
    const res = await app.request(`http://onebox:5870${path}`);
    assert.equal(res.status, 404, path);
  }
});

test("index.html's slash-appending script stays on this origin for any path", () => {
  const html = readFileSync(new URL('../ui/index.html', import.meta.url), 'utf8');
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
  const run = new Function('location', script) as (location: object) => void;
  for (const [path, expected] of [
    ['//evil.com', 'http://onebox:5870/evil.com/'],
    ['///evil.com', 'http://onebox:5870/evil.com/'],
    ['/\\evil.com', 'http://onebox:5870/evil.com/'],
    ['/prefix', 'http://onebox:5870/prefix/?q#/instances'],
  ]) {
    let target: string | undefined;
    run({ pathname: path, search: path === '/prefix' ? '?q' : '', hash: path === '/prefix' ? '#/instances' : '', replace: (url: string) => (target = url) });
    assert.equal(target && new URL(target, `http://onebox:5870${path}`).href, expected, path);
  }
  let moved = false;
  run({ pathname: '/prefix/', search: '', hash: '', replace: () => (moved = true) });
  assert.equal(moved, false, 'a path ending in / stays');
});
