/**
 * Image import through the real executable, qemu-img and a TCG guest: a vmdk and an ova made
 * from the mini image with `qemu-img convert` + `tar`, one uploaded and one imported from a
 * loopback HTTP server this test starts (a wrong checksum refused, a dropped connection
 * resumed with Range), an instance booted from each to ONEBOX-GUEST-READY (one guest at a
 * time), a Range download checked byte for byte, and a kill -9 during an import: after the
 * restart the operation is failed and neither an image nor a partial file is left.
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

  test('a vmdk upload becomes a qcow2 image that boots', async () => {
    const image = await server.json('POST', '/images?name=mini-vmdk', { body: Readable.toWeb(createReadStream(join(dir, 'mini-disk1.vmdk'))) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(image.format, 'qcow2', JSON.stringify(image));
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
