/**
 * System test: the single executable works when copied alone to an empty directory —
 * `version` prints the package version, `serve` answers 200 on /api/v1/health and the SPA over
 * HTTPS with a certificate it made itself, and it extracted its native addon under
 * <data-dir>/native/<sha256>/. Needs `node build.mjs`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../bundle/onebox', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const skip = existsSync(built) ? false : `${built} is missing: run \`node build.mjs\` first`;

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

  test('version prints the package version', () => {
    const out = execFileSync(exe, ['version'], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
    assert.equal(out.trim(), pkg.version);
  });

  test('serve answers 200 and extracts its native addon into the data dir', async (t) => {
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
    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<html/i, 'the SPA index is served from the embedded assets');

    const native = join(dataDir, 'native');
    const hashes = readdirSync(native);
    assert.equal(hashes.length, 1);
    assert.match(hashes[0], /^[0-9a-f]{64}$/);
    assert.ok(existsSync(join(native, hashes[0], 'better_sqlite3.node')));
  });
});
