/**
 * Console tokens over a real websocket on the real executable: a valid token opens the VNC
 * stream once; a reused or an expired token is refused with a 4xx before the upgrade.
 * The server runs with --console-token-ttl 1 so expiry takes a second, not thirty.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { WebSocket, type ClientOptions } from 'ws';
import { miniImagePath } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { BINARY, OneboxServer, sleep, type Json } from './onebox-server.js';

/** Opens a websocket; resolves with the first message, or the HTTP status and problem code of a refusal. */
function attempt(url: string, options: ClientOptions): Promise<{ first?: Buffer; status?: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('message', (data: Buffer) => {
      ws.close();
      resolve({ first: data });
    });
    // A refused upgrade carries no body (the HTTP library drops it); the code comes as a header.
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode, code: String(res.headers['x-problem-code']) }));
    ws.once('error', reject);
  });
}

describe('console tokens over a real websocket', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let id: string;
  before(async () => {
    const imagePath = await miniImagePath();
    server = await OneboxServer.start(['--console-token-ttl', '1']);
    await server.bootstrap();
    const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream });
    const res = await server.call('POST', '/instances', { json: { name: 'tok', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true } });
    id = ((await res.clone().json()) as Json).instance.id;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
  });
  after(() => server?.cleanup());

  const ticket = async () => server.json('POST', `/instances/${id}/console-tokens`, { json: { kind: 'vnc' } });
  const url = (t: Json) => server.wsUrl(t.path);

  test('a fresh token opens the VNC stream once; the same token again is refused', async () => {
    const t = await ticket();
    const ok = await attempt(url(t), server.wsOptions());
    assert.match(ok.first?.toString('latin1') ?? '', /^RFB 003\.00\d\n/);
    assert.deepEqual(await attempt(url(t), server.wsOptions()), { status: 401, code: 'console_token_invalid' });
  });

  test('an expired token is refused', async () => {
    const t = await ticket();
    await sleep(1500);
    assert.deepEqual(await attempt(url(t), server.wsOptions()), { status: 401, code: 'console_token_expired' });
  });

  test('a bad --console-token-ttl is refused at start', () => {
    const res = spawnSync(BINARY, ['serve', '--console-token-ttl', '0', '--data-dir', server.dataDir], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /--console-token-ttl must be a whole number of seconds from 1 to 3600, not '0'/);
  });
});
