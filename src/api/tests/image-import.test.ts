/**
 * Image import through the API with the real qemu-img (conversions) and the fake hypervisor:
 * vmdk, vhdx, vdi and ova uploads converted to qcow2; references to host files refused; URL
 * imports from a loopback server (checksum, resumption after a dropped connection, a server
 * that ignores Range, SSRF refusals); downloads with Range; edits.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFileServer, type FileServer } from '../../../test/fixtures/file-server.js';
import { run } from '../../lib/exec.js';
import { QemuImg } from '../../storage/qemu-img.js';
import { startTestApi, type TestApi } from '../test-harness.js';
import { json, tinyIso, waitOperation, type Json } from './fixtures.js';

const skip = existsSync('/usr/bin/qemu-img') ? undefined : 'qemu-img is not installed';
const MiB = 1024 ** 2;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The next conversion waits until released (or fails when told), so a test sees the image while it is importing. */
let nextGate: { reached: () => void; outcome: Promise<void> } | undefined;
const hold = () => {
  let reached = () => undefined as void;
  const reachedP = new Promise<void>((r) => (reached = r));
  let release = () => undefined as void;
  let fail = () => undefined as void;
  const outcome = new Promise<void>((ok, ko) => {
    release = ok;
    fail = () => ko(new Error('qemu-img convert failed (test)'));
  });
  nextGate = { reached, outcome };
  return { reached: reachedP, release, fail };
};
class GatedQemuImg extends QemuImg {
  override async convertToQcow2(...args: Parameters<QemuImg['convertToQcow2']>): Promise<void> {
    const gate = nextGate;
    nextGate = undefined;
    if (gate) {
      gate.reached();
      await gate.outcome;
    }
    await super.convertToQcow2(...args);
  }
}

describe('image import', { skip }, () => {
  let api: TestApi;
  let dir = '';
  let server: FileServer;
  const files: Record<string, Buffer> = {};
  const uploads = () => readdir(join(api.dataDir, 'uploads'));
  const imageNames = async () => (await json(await api.call('GET', '/api/v1/images'))).items.map((i: Json) => i.name).sort();
  const upload = (name: string, body: Buffer, query = '') => api.call('POST', `/api/v1/images?name=${name}${query}`, { body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
  const importUrl = (body: Json) => api.call('POST', '/api/v1/images', { json: body });
  const storedInfo = async (image: Json) => JSON.parse((await run(['qemu-img', 'info', '--output=json', '-f', image.format, join(api.dataDir, 'images', `${image.id}.${image.format}`)])).stdout) as Json;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onebox-import-'));
    // A source disk with content at both ends, so a wrong conversion shows.
    const raw = Buffer.alloc(8 * MiB);
    raw.write('ONEBOX-START', 0);
    raw.write('ONEBOX-END', 8 * MiB - 512);
    await writeFile(join(dir, 'src.raw'), raw);
    for (const [fmt, opts] of [['qcow2', []], ['vmdk', ['-o', 'subformat=streamOptimized']], ['vhdx', []], ['vdi', []]] as const) {
      await run(['qemu-img', 'convert', '-f', 'raw', '-O', fmt, ...opts, join(dir, 'src.raw'), join(dir, `src.${fmt}`)]);
      files[fmt] = await readFile(join(dir, `src.${fmt}`));
    }
    await writeFile(join(dir, 'disk.ovf'), `<?xml version="1.0"?><Envelope xmlns:ovf="x"><References><ovf:File ovf:href="disk1.vmdk" ovf:id="f1"/></References>
<VirtualSystem ovf:id="appliance"><Name>appliance</Name><OperatingSystemSection ovf:id="96"><Description>Debian GNU/Linux</Description></OperatingSystemSection></VirtualSystem></Envelope>`);
    await run(['cp', join(dir, 'src.vmdk'), join(dir, 'disk1.vmdk')]);
    await run(['tar', '-C', dir, '-cf', join(dir, 'a.ova'), 'disk.ovf', 'disk1.vmdk']);
    files.ova = await readFile(join(dir, 'a.ova'));
    await run(['tar', '-C', dir, '-cf', join(dir, 'noovf.ova'), 'disk1.vmdk']);
    files.noovf = await readFile(join(dir, 'noovf.ova'));
    // A vmdk whose parent is a host file, and a qcow2 backed by /etc/shadow.
    await run(['qemu-img', 'create', '-q', '-f', 'vmdk', '-b', join(dir, 'src.vmdk'), '-F', 'vmdk', join(dir, 'child.vmdk')]);
    files.childVmdk = await readFile(join(dir, 'child.vmdk'));
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-u', '-b', '/etc/shadow', '-F', 'raw', join(dir, 'shadow.qcow2'), '8M']);
    files.shadowQcow2 = await readFile(join(dir, 'shadow.qcow2'));
    files.flatDescriptor = Buffer.from('# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 16 FLAT "/etc/shadow" 0\n');
    api = await startTestApi({ inspector: new GatedQemuImg() });
    await api.bootstrap();
    server = await startFileServer({
      '/disk.qcow2': { bytes: files.qcow2 },
      '/disk.vmdk': { bytes: files.vmdk },
      '/disk.ova': { bytes: files.ova },
      '/dropping.qcow2': { bytes: files.qcow2, dropAfter: 100_000, drops: 2 },
      '/no-range.qcow2': { bytes: files.qcow2, dropAfter: 100_000, drops: 1, ignoreRange: true },
      '/always-drops.qcow2': { bytes: files.qcow2, dropAfter: 1000, drops: 1000 },
      '/gone': { bytes: Buffer.alloc(0), status: 404 },
    });
  });
  after(async () => {
    await server?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Uploads a file that needs converting: 202 with the operation; returns the image once it succeeded. */
  const converted = async (name: string, body: Buffer) => {
    const res = await upload(name, body);
    assert.equal(res.status, 202, JSON.stringify(await res.clone().json()));
    const { imageId, operation } = await json(res);
    assert.equal(operation.kind, 'image.import');
    const op = await waitOperation(api, res.headers.get('location'));
    assert.deepEqual([op.state, op.progress], ['succeeded', 100], JSON.stringify(op));
    const image = await json(await api.call('GET', `/api/v1/images/${imageId}`));
    assert.equal(image.state, 'ready');
    return image;
  };

  for (const fmt of ['vmdk', 'vhdx', 'vdi'] as const) {
    test(`a ${fmt} upload answers 202 and is converted to a qcow2 with the same content`, async () => {
      const image = await converted(`up-${fmt}`, files[fmt]);
      assert.equal(image.format, 'qcow2');
      assert.equal(image.virtualSizeBytes, 8 * MiB);
      const info = await storedInfo(image);
      assert.equal(info.format, 'qcow2');
      assert.equal(info['backing-filename'], undefined);
      const back = join(dir, `back-${fmt}.raw`);
      await run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', join(api.dataDir, 'images', `${image.id}.qcow2`), back]);
      assert.ok((await readFile(back)).equals(await readFile(join(dir, 'src.raw'))));
      assert.equal(image.sha256, sha(await readFile(join(api.dataDir, 'images', `${image.id}.qcow2`))));
    });
  }

  test('an ova upload: its first disk is converted in place, the OS comes from the OVF', async () => {
    const image = await converted('up-ova', files.ova);
    assert.equal(image.format, 'qcow2');
    assert.equal(image.virtualSizeBytes, 8 * MiB);
    assert.equal(image.os, 'Debian GNU/Linux');
    assert.deepEqual(await uploads(), []);
  });

  test('a qcow2 or raw upload is stored in its request: 201, ready', async () => {
    const res = await upload('plain-qcow2', files.qcow2);
    assert.equal(res.status, 201);
    assert.deepEqual([(await json(res)).state, (await uploads()).length], ['ready', 0]);
  });

  test('while converting, the image is listed as importing and refused for use; then ready', async () => {
    const gate = hold();
    const res = await upload('slow-vmdk', files.vmdk);
    assert.equal(res.status, 202);
    const { imageId } = await json(res);
    await gate.reached;
    const listed = (await json(await api.call('GET', '/api/v1/images'))).items.find((i: Json) => i.id === imageId);
    assert.equal(listed?.state, 'importing');
    const refusals: [string, string, Json | undefined][] = [
      ['GET', `/api/v1/images/${imageId}/file`, undefined],
      ['DELETE', `/api/v1/images/${imageId}`, undefined],
      ['POST', '/api/v1/instances', { name: 'too-early', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId } }],
    ];
    for (const [method, path, body] of refusals) {
      const refused = await api.call(method, path, body ? { json: body } : {});
      assert.equal(refused.status, 409, `${method} ${path}`);
      const problem = await json(refused);
      assert.equal(problem.code, 'image_not_ready', `${method} ${path}`);
      assert.match(problem.detail, /'slow-vmdk' is still being imported/);
    }
    assert.equal((await json(await upload('slow-vmdk', files.vmdk))).code, 'image_name_taken', 'the importing image holds its name');
    gate.release();
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
    assert.equal((await json(await api.call('GET', `/api/v1/images/${imageId}`))).state, 'ready');
    assert.deepEqual(await uploads(), []);
  });

  test('a failed conversion fails the operation and leaves no image and no file', async () => {
    const gate = hold();
    const res = await upload('doomed-vdi', files.vdi);
    await gate.reached;
    gate.fail();
    const op = await waitOperation(api, res.headers.get('location'));
    assert.deepEqual([op.state, op.errorCode], ['failed', 'image_corrupt']);
    assert.ok(!(await imageNames()).includes('doomed-vdi'));
    assert.deepEqual(await uploads(), []);
    const stored = await readdir(join(api.dataDir, 'images'));
    assert.ok(!stored.includes(`${(await json(res)).imageId}.qcow2`));
  });

  test('files that refer to host files, or are not disks, are refused with a code and leave nothing', async () => {
    const cases: [string, Buffer, number, string][] = [
      ['vmdk with a parent', files.childVmdk, 400, 'image_has_backing_file'],
      ['qcow2 backed by /etc/shadow', files.shadowQcow2, 400, 'image_has_backing_file'],
      ['flat vmdk descriptor naming /etc/shadow', files.flatDescriptor, 400, 'unsupported_image_format'],
      ['gzip', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), 400, 'unsupported_image_format'],
      ['an ISO', tinyIso(), 400, 'unsupported_image_format'],
      ['a tar without an OVF', files.noovf, 400, 'unsupported_image_format'],
      ['a truncated vmdk', files.vmdk.subarray(0, 2048), 400, 'image_corrupt'],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await upload('bad', body);
      assert.equal(res.status, status, what);
      assert.equal((await json(res)).code, code, what);
    }
    assert.deepEqual(await uploads(), []);
    assert.ok(!(await imageNames()).includes('bad'));
  });

  test('import from a URL: 202, operation with progress, image converted; the checksum is verified', async () => {
    const res = await importUrl({ url: server.url('/disk.vmdk'), sha256: sha(files.vmdk).toUpperCase(), name: 'from-url', os: 'debian' });
    assert.equal(res.status, 202);
    const body = await json(res);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.progress, 100);
    const image = await json(await api.call('GET', `/api/v1/images/${body.imageId}`));
    assert.equal(image.name, 'from-url');
    assert.equal(image.format, 'qcow2');
    assert.equal(image.os, 'debian');
    const ova = await importUrl({ url: server.url('/disk.ova'), name: 'ova-url' });
    assert.equal((await waitOperation(api, ova.headers.get('location'))).state, 'succeeded');
  });

  test('a wrong checksum fails the operation with checksum_mismatch and leaves nothing', async () => {
    const res = await importUrl({ url: server.url('/disk.qcow2'), sha256: '0'.repeat(64), name: 'bad-sum' });
    assert.equal(res.status, 202);
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'failed');
    assert.equal(op.errorCode, 'checksum_mismatch');
    assert.ok(!(await imageNames()).includes('bad-sum'));
    assert.deepEqual(await uploads(), []);
  });

  test('a dropped connection is resumed with a Range request from the bytes written', async () => {
    const res = await importUrl({ url: server.url('/dropping.qcow2'), sha256: sha(files.qcow2), name: 'resumed' });
    const op = await waitOperation(api, res.headers.get('location'));
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const ranges = server.ranges.get('/dropping.qcow2') ?? [];
    assert.equal(ranges[0], undefined);
    assert.match(ranges[1] ?? '', /^bytes=[1-9]\d*-$/);
    assert.equal(ranges.length, 3);
    const image = await json(await api.call('GET', `/api/v1/images/${(await json(res)).imageId}`));
    assert.equal(image.sha256, sha(files.qcow2));
  });

  test('a server that ignores Range makes the download start over, still correct', async () => {
    const res = await importUrl({ url: server.url('/no-range.qcow2'), sha256: sha(files.qcow2), name: 'restarted' });
    assert.equal((await waitOperation(api, res.headers.get('location'))).state, 'succeeded');
  });

  test('a download that keeps failing, or a 404, fails with download_failed and leaves nothing', async () => {
    for (const path of ['/always-drops.qcow2', '/gone']) {
      const res = await importUrl({ url: server.url(path), name: 'never' });
      const op = await waitOperation(api, res.headers.get('location'));
      assert.equal(op.state, 'failed', path);
      assert.equal(op.errorCode, 'download_failed', path);
    }
    assert.ok(!(await imageNames()).includes('never'));
    assert.deepEqual(await uploads(), []);
  });

  test('URL refusals: scheme, malformed, taken name, bad checksum field', async () => {
    const cases: [Json, number, string][] = [
      [{ url: 'ftp://example.com/a.img', name: 'x' }, 400, 'url_not_allowed'],
      [{ url: 'file:///etc/shadow', name: 'x' }, 400, 'url_not_allowed'],
      [{ url: 'not a url', name: 'x' }, 400, 'validation_failed'],
      [{ url: server.url('/disk.qcow2'), name: 'from-url' }, 409, 'image_name_taken'],
      [{ url: server.url('/disk.qcow2'), name: 'x', sha256: 'abc' }, 400, 'validation_failed'],
      [{ url: server.url('/disk.qcow2') }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await importUrl(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal((await json(res)).code, code, JSON.stringify(body));
    }
  });

  test('download with Range: 206 with Content-Range, suffix ranges, 416, ETag and Accept-Ranges', async () => {
    const image = await json(await api.call('GET', '/api/v1/images/resumed'));
    const whole = await api.call('GET', `/api/v1/images/${image.id}/file`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('etag'), `"${image.sha256}"`);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(files.qcow2));
    const part = await api.call('GET', `/api/v1/images/${image.id}/file`, { headers: { range: 'bytes=100-1099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${files.qcow2.length}`);
    assert.equal(part.headers.get('content-length'), '1000');
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(files.qcow2.subarray(100, 1100)));
    const open = await api.call('GET', `/api/v1/images/${image.id}/file`, { headers: { range: `bytes=${files.qcow2.length - 10}-` } });
    assert.equal(open.status, 206);
    assert.ok(Buffer.from(await open.arrayBuffer()).equals(files.qcow2.subarray(-10)));
    const suffix = await api.call('GET', `/api/v1/images/${image.id}/file`, { headers: { range: 'bytes=-5' } });
    assert.equal(suffix.status, 206);
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(files.qcow2.subarray(-5)));
    for (const range of [`bytes=${files.qcow2.length}-`, 'bytes=10-5', 'bytes=-0']) {
      const bad = await api.call('GET', `/api/v1/images/${image.id}/file`, { headers: { range } });
      assert.equal(bad.status, 416, range);
      assert.equal(bad.headers.get('content-range'), `bytes */${files.qcow2.length}`);
      assert.equal((await json(bad)).code, 'range_not_satisfiable');
    }
    const iso = tinyIso(7);
    const m = await json(await api.call('POST', '/api/v1/media?name=boot.iso', { body: iso }));
    const isoPart = await api.call('GET', `/api/v1/media/${m.id}/file`, { headers: { range: 'bytes=32768-32775' } });
    assert.equal(isoPart.status, 206);
    assert.ok(Buffer.from(await isoPart.arrayBuffer()).equals(iso.subarray(32768, 32776)));
  });

  test('edit an image and an ISO: name, description, OS; a taken name and unknown fields refused', async () => {
    const res = await api.call('PATCH', '/api/v1/images/restarted', { json: { name: 'renamed', description: 'a test disk', os: 'linux' } });
    assert.equal(res.status, 200);
    const image = await json(res);
    assert.deepEqual([image.name, image.description, image.os], ['renamed', 'a test disk', 'linux']);
    const taken = await api.call('PATCH', '/api/v1/images/renamed', { json: { name: 'resumed' } });
    assert.equal(taken.status, 409);
    assert.equal((await json(taken)).code, 'image_name_taken');
    const unknown = await api.call('PATCH', '/api/v1/images/renamed', { json: { format: 'raw' } });
    assert.equal(unknown.status, 400);
    assert.equal((await json(unknown)).code, 'validation_failed');
    const iso = await api.call('PATCH', '/api/v1/media/boot.iso', { json: { name: 'installer.iso' } });
    assert.equal(iso.status, 200);
    assert.equal((await json(iso)).name, 'installer.iso');
  });
});

describe('image import: private addresses are refused by default (SSRF)', () => {
  let api: TestApi;
  let server: FileServer;
  before(async () => {
    api = await startTestApi({ imageImport: { allowPrivate: false } });
    await api.bootstrap();
    server = await startFileServer({ '/disk.qcow2': { bytes: Buffer.alloc(1024) } });
  });
  after(async () => {
    await server.close();
    await api.close();
  });

  test('loopback, link-local (cloud metadata), LAN and localhost URLs: 400 url_not_allowed', async () => {
    for (const url of [server.url('/disk.qcow2'), 'http://169.254.169.254/latest/meta-data/', 'http://192.168.1.10/a.img', 'http://10.0.0.1/a.img', 'http://[::1]/a.img', 'http://[::ffff:127.0.0.1]/a', 'http://localhost/a.img', 'http://0.0.0.0/']) {
      const res = await api.call('POST', '/api/v1/images', { json: { url, name: 'x' } });
      assert.equal(res.status, 400, url);
      assert.equal((await json(res)).code, 'url_not_allowed', url);
    }
  });
});
