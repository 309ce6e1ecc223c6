/**
 * Image import through the real executable, qemu-img and a TCG guest: a vmdk and an ova made
 * from the mini image with `qemu-img convert` + `tar`, one uploaded and one imported from a
 * loopback HTTP server this test starts (a wrong checksum refused, a dropped connection
 * resumed with Range), an instance booted from each to ONEBOX-GUEST-READY (one guest at a
 * time), a Range download checked byte for byte, and a kill -9 during an import: after the
 * restart the operation is failed and neither an image nor a partial file is left. Uploads
 * that need converting answer 202 and convert in an operation; a kill -9 mid-conversion leaves,
 * after the restart, no image (not even an importing one), no file and no running qemu-img.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { processesNaming } from '../fixtures/processes.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { OneboxServer, waitFor, type Json } from './onebox-server.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('image import on the real executable: vmdk and ova, upload and URL, boot, Range, kill -9', { skip: skipUnlessPresent(systemLibvirtd(), bundle()), timeout: 1_200_000 }, () => {
  let server: OneboxServer;
  let files: FileServer;
  let dir = '';
  let vmdk: Buffer;
  let ova: Buffer;
  let qcow2: Buffer;
  before(async () => {
    const mini = await miniImagePath();
    dir = await mkdtemp(join(tmpdir(), 'onebox-import-sys-'));
    execFileSync('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', mini, join(dir, 'mini-disk1.vmdk')]);
    await writeFile(join(dir, 'mini.ovf'), `<?xml version="1.0"?><Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References><File ovf:href="mini-disk1.vmdk" ovf:id="file1"/></References>
<VirtualSystem ovf:id="mini"><Name>mini</Name><OperatingSystemSection ovf:id="96"><Description>Debian mini</Description></OperatingSystemSection></VirtualSystem></Envelope>\n`);
    execFileSync('tar', ['-C', dir, '-cf', join(dir, 'mini.ova'), 'mini.ovf', 'mini-disk1.vmdk']);
    vmdk = await readFile(join(dir, 'mini-disk1.vmdk'));
    ova = await readFile(join(dir, 'mini.ova'));
    qcow2 = await readFile(mini);
    files = await startFileServer({
      '/mini.ova': { bytes: ova, dropAfter: 1024 * 1024, drops: 1 },
      '/mini.qcow2': { bytes: qcow2 },
      '/stall.qcow2': { bytes: qcow2, stallAfter: 2 * 1024 * 1024 },
    });
    server = await OneboxServer.start(['--image-import-allow-private']);
    await server.bootstrap();
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
    await files?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Boots an instance from the image, waits for the guest, deletes it (one guest at a time). */
  const boots = async (imageId: string, name: string) => {
    const res = await server.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, start: true } });
    assert.equal(res.status, 202);
    const { instance } = (await res.clone().json()) as Json;
    assert.equal((await server.waitOperation(res)).state, 'succeeded');
    await server.waitConsole(instance.id, MINI_GUEST_READY);
    const del = await server.call('DELETE', `/instances/${instance.id}`);
    assert.equal((await server.waitOperation(del)).state, 'succeeded');
  };

  /** Uploads a file streamed from disk. */
  const upload = (name: string, path: string) =>
    server.call('POST', `/images?name=${name}`, { body: Readable.toWeb(createReadStream(path)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });

  test('a vmdk upload answers 202, is converted in an operation with progress, and boots', async () => {
    const res = await upload('mini-vmdk', join(dir, 'mini-disk1.vmdk'));
    assert.equal(res.status, 202);
    const { imageId } = (await res.clone().json()) as Json;
    const op = await server.waitOperation(res);
    assert.deepEqual([op.kind, op.state, op.progress], ['image.import', 'succeeded', 100], JSON.stringify(op));
    const image = await server.json('GET', `/images/${imageId}`);
    assert.deepEqual([image.format, image.state], ['qcow2', 'ready'], JSON.stringify(image));
    assert.notEqual(image.sha256, sha(vmdk));
    execFileSync('qemu-img', ['check', '-q', '-f', 'qcow2', join(server.dataDir, 'images', `${image.id}.qcow2`)]);
    await boots(image.id, 'from-vmdk');
  });

  test('URL imports: a wrong checksum is refused; an ova whose connection drops is resumed, and boots', async () => {
    const bad = await server.call('POST', '/images', { json: { url: files.url('/mini.qcow2'), sha256: 'f'.repeat(64), name: 'bad-sum' } });
    assert.equal(bad.status, 202);
    const badOp = await server.waitOperation(bad);
    assert.equal(badOp.state, 'failed');
    assert.equal(badOp.errorCode, 'checksum_mismatch');
    assert.equal((await server.call('GET', '/images/bad-sum')).status, 404);

    const res = await server.call('POST', '/images', { json: { url: files.url('/mini.ova'), sha256: sha(ova), name: 'mini-ova' } });
    assert.equal(res.status, 202);
    const op = await server.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const ranges = files.ranges.get('/mini.ova') ?? [];
    assert.equal(ranges.length, 2);
    assert.match(ranges[1] ?? '', /^bytes=\d+-$/);
    const image = await server.json('GET', '/images/mini-ova');
    assert.equal(image.format, 'qcow2');
    assert.equal(image.os, 'Debian mini');
    await boots(image.id, 'from-ova');
    assert.deepEqual(await readdir(join(server.dataDir, 'uploads')), []);
  });

  test('download with Range gives the stored bytes', async () => {
    const image = await server.json('GET', '/images/mini-ova');
    const stored = await readFile(join(server.dataDir, 'images', `${image.id}.qcow2`));
    const part = await server.call('GET', `/images/${image.id}/file`, { headers: { range: 'bytes=65536-131071' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 65536-131071/${stored.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(stored.subarray(65536, 131072)));
    const whole = await server.call('GET', `/images/${image.id}/file`);
    assert.equal(whole.headers.get('etag'), `"${image.sha256}"`);
    assert.equal(sha(Buffer.from(await whole.arrayBuffer())), image.sha256);
    const bad = await server.call('GET', `/images/${image.id}/file`, { headers: { range: `bytes=${stored.length}-` } });
    assert.equal(bad.status, 416);
  });

  test('kill -9 during the conversion of an upload: after the restart no image, no file, no qemu-img left', async () => {
    // Random data, so the conversion takes a few seconds (zeros would convert in an instant).
    const raw = join(dir, 'noise.raw');
    execFileSync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=384', 'status=none']);
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', raw, join(dir, 'noise.vdi')]);
    await rm(raw);
    const res = await upload('cut-vdi', join(dir, 'noise.vdi'));
    assert.equal(res.status, 202);
    const { imageId, operation } = (await res.json()) as Json;
    // Two files in the temporary directory: the upload and qemu-img's output, being written.
    await waitFor('the conversion to start', 120_000, async () => (await readdir(join(server.dataDir, 'uploads'))).length === 2, 20);
    assert.equal((await server.json('GET', `/images/${imageId}`)).state, 'importing');
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    const converting = (await readdir(join(server.dataDir, 'uploads'))).length;
    assert.equal(converting, 2, 'the upload and the half-made qcow2 are there before the restart');
    await waitFor('qemu-img to die with the server', 10_000, async () => (await processesNaming(server.dataDir)).length === 0);
    await server.spawn();
    const op = await server.json('GET', `/operations/${operation.id}`);
    assert.deepEqual([op.state, op.errorCode], ['failed', 'interrupted']);
    assert.equal((await server.call('GET', `/images/${imageId}`)).status, 404);
    assert.equal((await server.call('GET', '/images/cut-vdi')).status, 404);
    assert.ok(!(await server.json('GET', '/images')).items.some((i: Json) => i.state !== 'ready'), 'no image is left importing');
    assert.deepEqual(await readdir(join(server.dataDir, 'uploads')), []);
    assert.ok(!(await readdir(join(server.dataDir, 'images'))).some((f) => f.startsWith(imageId)));
  });

  test('kill -9 during an import: after the restart the operation failed, no image, no partial file', async () => {
    const res = await server.call('POST', '/images', { json: { url: files.url('/stall.qcow2'), name: 'cut' } });
    const { operation } = (await res.json()) as Json;
    await waitFor('the download to start', 60_000, async () => (await readdir(join(server.dataDir, 'uploads'))).length > 0 && (await server.json('GET', `/operations/${operation.id}`)).progress > 0);
    const pid = server.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    assert.equal((await readdir(join(server.dataDir, 'uploads'))).length, 1, 'the partial file is there before the restart');
    await server.spawn();
    const op = await server.json('GET', `/operations/${operation.id}`);
    assert.equal(op.state, 'failed');
    assert.equal(op.errorCode, 'interrupted');
    assert.equal((await server.call('GET', '/images/cut')).status, 404);
    assert.deepEqual(await readdir(join(server.dataDir, 'uploads')), []);
  });
});
