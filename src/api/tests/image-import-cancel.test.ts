/**
 * Cancelling image imports through POST /operations/:id/actions/cancel, with the real qemu-img:
 * a URL import whose loopback server stalls mid-file (the download stops, its partial file goes,
 * no image appears), and an uploaded vmdk's conversion (qemu-img is killed, the `importing` row
 * and every file go). Who may cancel: the starter of an import whose image row does not exist
 * yet, and holders of images.manage on the image; nobody else sees it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFileServer, type FileServer } from '../../../test/fixtures/file-server.js';
import { run } from '../../lib/exec.js';
import { QemuImg } from '../../storage/qemu-img.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, waitOperation, type Json } from './fixtures.js';
import { addGroup, addPrincipal, type TestPrincipal } from './principals.js';

const skip = existsSync('/usr/bin/qemu-img') ? undefined : 'qemu-img is not installed';

/** qemu-img whose next conversion starts only once its operation is cancelled, so the cancel lands while it runs. */
let holdNextConversion: (() => void) | undefined;
class CancelGatedQemuImg extends QemuImg {
  override async convertToQcow2(...args: Parameters<QemuImg['convertToQcow2']>): Promise<void> {
    const reached = holdNextConversion;
    holdNextConversion = undefined;
    const signal = args[3];
    if (reached && signal) {
      reached();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    }
    await super.convertToQcow2(...args);
  }
}

describe('cancelling image imports', { skip }, () => {
  let api: TestApi;
  let server: FileServer;
  let dir = '';
  let vmdk: Buffer;
  let team = '';
  let importer: TestPrincipal;
  let teammate: TestPrincipal;
  let stranger: TestPrincipal;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-import-cancel-'));
    await run(['qemu-img', 'create', '-q', '-f', 'vmdk', '-o', 'subformat=streamOptimized', join(dir, 'disk.vmdk'), '16M']);
    vmdk = await readFile(join(dir, 'disk.vmdk'));
    api = await startTestApi({ inspector: new CancelGatedQemuImg() });
    await api.bootstrap();
    team = addGroup(api, 'team');
    importer = addPrincipal(api, 'importer', [{ groupId: team, role: 'operator' }]);
    teammate = addPrincipal(api, 'teammate', [{ groupId: team, role: 'operator' }]);
    stranger = addPrincipal(api, 'stranger', [{ groupId: addGroup(api, 'other'), role: 'operator' }]);
    server = await startFileServer({ '/stall.img': { bytes: Buffer.alloc(64 * 1024 * 1024), stallAfter: 3 * 1024 * 1024 } });
  });
  after(async () => {
    await server?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cancel = (id: string, token?: string) => api.call('POST', `/api/v1/operations/${id}/actions/cancel`, token === undefined ? {} : { token });
  const operation = async (id: string) => json(await api.call('GET', `/api/v1/operations/${id}`));
  const imageNames = async () => (await json(await api.call('GET', '/api/v1/images'))).items.map((i: Json) => i.name);
  const leftovers = async () => [...(await readdir(join(api.dataDir, 'uploads'))), ...(await readdir(join(api.dataDir, 'images')))];
  const refused = async (res: Response, status: number, code: string) => {
    const body = await json(res);
    assert.deepEqual([res.status, body.code], [status, code], JSON.stringify(body));
  };

  test('a URL import stalled mid-download: its starter cancels it; the download stops and nothing is left', async () => {
    const res = await api.call('POST', '/api/v1/images', { json: { url: server.url('/stall.img'), name: 'stalled', groupId: team }, token: importer.token });
    assert.equal(res.status, 202, await res.clone().text());
    const { operation: started, imageId } = await json(res);
    assert.equal(started.cancellable, true);
    // Wait until bytes arrive: the cancel must stop a download in progress, not one yet to start.
    let message = '';
    for (let i = 0; i < 400 && !/bytes$/.test(message); i++) {
      await new Promise((r) => setTimeout(r, 50));
      message = (await operation(started.id)).message;
    }
    assert.match(message, /^\d+ of 67108864 bytes$/);
    assert.equal((await leftovers()).length, 1, 'the partial download is in uploads/');
    // The image row does not exist yet: a teammate cannot see the operation, the starter may cancel it.
    await refused(await cancel(started.id, teammate.token), 404, 'operation_not_found');
    await refused(await cancel(started.id, stranger.token), 404, 'operation_not_found');
    const cancelled = await cancel(started.id, importer.token);
    assert.equal(cancelled.status, 202, await cancelled.clone().text());
    const done = await waitOperation(api, `/api/v1/operations/${started.id}`);
    assert.deepEqual([done.state, done.errorCode, done.cancellable], ['failed', 'image_import_cancelled', false], JSON.stringify(done));
    assert.match(done.errorDetail, /cancelled; no image was stored/);
    await refused(await api.call('GET', `/api/v1/images/${imageId}`), 404, 'image_not_found');
    assert.deepEqual(await imageNames(), []);
    assert.deepEqual(await leftovers(), []);
    await refused(await cancel(started.id, importer.token), 409, 'operation_not_cancellable');
  });

  test("an uploaded vmdk's conversion: a teammate with images.manage cancels it; qemu-img stops, the importing image goes", async () => {
    const reached = new Promise<void>((resolve) => (holdNextConversion = resolve));
    const res = await api.call('POST', `/api/v1/images?name=converting&groupId=${team}`, { body: new Uint8Array(vmdk), headers: { 'content-type': 'application/octet-stream' }, token: importer.token });
    assert.equal(res.status, 202, await res.clone().text());
    const { operation: started, imageId } = await json(res);
    await reached;
    assert.equal((await json(await api.call('GET', `/api/v1/images/${imageId}`))).state, 'importing');
    assert.equal((await operation(started.id)).cancellable, true);
    await refused(await cancel(started.id, stranger.token), 404, 'operation_not_found');
    const cancelled = await cancel(started.id, teammate.token);
    assert.equal(cancelled.status, 202, await cancelled.clone().text());
    const done = await waitOperation(api, `/api/v1/operations/${started.id}`);
    assert.deepEqual([done.state, done.errorCode], ['failed', 'image_import_cancelled'], JSON.stringify(done));
    await refused(await api.call('GET', `/api/v1/images/${imageId}`), 404, 'image_not_found');
    assert.deepEqual(await leftovers(), []);
  });

  test('a finished import takes no cancel', async () => {
    const res = await api.call('POST', '/api/v1/images?name=plain-vmdk', { body: new Uint8Array(vmdk), headers: { 'content-type': 'application/octet-stream' } });
    const { operation: started } = await json(res);
    assert.equal((await waitOperation(api, `/api/v1/operations/${started.id}`)).state, 'succeeded');
    await refused(await cancel(started.id), 409, 'operation_not_cancellable');
    assert.deepEqual(await imageNames(), ['plain-vmdk']);
  });
});
