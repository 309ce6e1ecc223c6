/**
 * Secure by default, through the real executable: HTTPS with onebox's own CA (names,
 * fingerprint, handshake), the one-time setup code, the Host check, file modes of everything it
 * writes (with a real guest booting from 0600 disks in a 0711 instance directory), one server
 * per data directory (a second one refuses; a killed one's lock does not block),
 * `--insecure-http` and `--tls-cert/--tls-key`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { qemuGroup } from '../../src/hypervisor/libvirt/qemu-group.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { ADMIN, BINARY, OneboxServer, freePort, waitFor, type Json } from './onebox-server.js';

const hasLibvirt = existsSync('/run/libvirt/libvirt-sock');
const mode = (path: string) => statSync(path).mode & 0o777;

/** The certificate the server presents, verified against `ca` for the IP 127.0.0.1. */
function peerCertificate(port: number, ca: string): Promise<{ authorized: boolean; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ca }, () => {
      resolve({ authorized: socket.authorized, fingerprint: socket.getPeerCertificate().fingerprint256 });
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Status of a GET with a chosen Host header (certificate not checked: the Host is the point). */
function getWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/health', headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('secure by default', { skip: !existsSync(BINARY) && `${BINARY} is missing` }, () => {
  let server: OneboxServer;
  before(async () => {
    server = await OneboxServer.start(['--public-url', 'https://onebox.test:8443/']);
  });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  test('HTTPS on the port with its own CA: the listening line carries the fingerprint openssl prints; the names are the host\'s; plain HTTP is redirected', async () => {
    const line = /onebox \S+ listening on https:\/\/127\.0\.0\.1:(\d+) \(certificate SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\)/.exec(server.output);
    assert.ok(line, server.output);
    assert.equal(Number(line[1]), server.port);
    const certFile = join(server.dataDir, 'tls', 'server.pem');
    const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', certFile], { encoding: 'utf8' });
    assert.equal(openssl.trim().split('=')[1], line[2]);
    const peer = await peerCertificate(server.port, server.ca!);
    assert.deepEqual(peer, { authorized: true, fingerprint: line[2] });
    const cert = new X509Certificate(readFileSync(certFile));
    const sans = cert.subjectAltName ?? '';
    for (const name of ['DNS:localhost', `DNS:${hostname().toLowerCase()}`, 'DNS:onebox.test', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) assert.ok(sans.includes(name), `${name} in ${sans}`);
    assert.ok(cert.checkIssued(new X509Certificate(server.ca!)));
    // Nothing is served in clear text on the TLS port: plain HTTP is redirected to https on the same name.
    const plain = await fetch(`http://127.0.0.1:${server.port}/api/v1/health`, { redirect: 'manual' });
    assert.deepEqual([plain.status, plain.headers.get('location')], [308, `https://127.0.0.1:${server.port}/api/v1/health`]);
  });

  test('the setup code: printed and in a 0600 file; setup without it or with a wrong one is 403; the right one works once and the file goes', async () => {
    const code = server.setupCode();
    assert.match(server.output, new RegExp(`setup code: ${code}`));
    assert.equal(mode(join(server.dataDir, 'setup-code')), 0o600);
    for (const setupCode of [undefined, 'WRONG-WRONG-WRONG-WRONG']) {
      const res = await server.call('POST', '/setup', { json: { ...ADMIN, setupCode }, token: null });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as Json).code, 'setup_code_invalid');
    }
    await server.bootstrap();
    assert.match(server.token, /^obt_/);
    assert.equal(existsSync(join(server.dataDir, 'setup-code')), false);
    const login = await server.call('POST', '/sessions', { json: ADMIN, token: null });
    assert.match(login.headers.get('set-cookie') ?? '', /^__Host-onebox_session=[^;]+;.*Secure/);
  });

  test('a Host header naming another site is 421 (DNS rebinding); the host\'s own names and --public-url\'s pass', async () => {
    assert.equal(await getWithHost(server.port, 'rebind.evil.example'), 421);
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, 'onebox.test:8443', hostname()]) assert.equal(await getWithHost(server.port, host), 200, host);
  });

  test('requests with X-Forwarded-For while --trust-proxy is off: the log says so, once', async () => {
    const times = () => server.output.split('X-Forwarded-For but --trust-proxy is off').length - 1;
    assert.equal(times(), 0);
    for (let i = 0; i < 2; i++) assert.equal((await server.call('GET', '/health', { headers: { 'x-forwarded-for': '198.51.100.7' } })).status, 200);
    await waitFor('the warning in the log', 5_000, async () => times() > 0);
    assert.equal(times(), 1, server.output);
  });

  test('a second serve on the same data directory refuses before touching it; the first keeps serving', async () => {
    const second = spawnSync(BINARY, ['serve', '--data-dir', server.dataDir, '--port', String(await freePort()), '--listen', '127.0.0.1'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`Another onebox \\(pid ${server.pid}\\) is already serving ${server.dataDir}`));
    assert.doesNotMatch(second.stderr + second.stdout, /interrupted|listening/);
    assert.equal((await server.call('GET', '/hosts')).status, 200);
  });

  test("file modes: data dir 0710 for QEMU's group only, database and keys 0600; a guest boots from 0600 disks and seed in a 0711 instance directory", { skip: !hasLibvirt && 'libvirtd is not running' }, async () => {
    const image = await server.call('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(image.status, 201);
    const imageId = ((await image.json()) as Json).id;
    const res = await server.call('POST', '/instances', {
      json: { name: 'modes', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId, sizeGiB: 1 }, dataDisks: [{ sizeGiB: 1 }], cloudInit: { password: 'Guest1Pass' }, start: true },
    });
    const op = await server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const inst = await server.json('GET', '/instances/modes');
    await server.waitConsole(inst.id, MINI_GUEST_READY);
    const d = server.dataDir;
    const dir = join(d, 'instances', inst.id);
    const expected: [string, number][] = [
      [d, qemuGroup().runsAsRoot ? 0o700 : 0o710], [join(d, 'onebox.db'), 0o600], [join(d, 'onebox.db-wal'), 0o600], [join(d, 'onebox.db-shm'), 0o600],
      [join(d, 'tls'), 0o700], [join(d, 'tls', 'ca-key.pem'), 0o600], [join(d, 'tls', 'server-key.pem'), 0o600], [join(d, 'onebox.lock'), 0o600],
      [join(d, 'images'), 0o700], [join(d, 'uploads'), 0o700],
      [dir, 0o711], [join(dir, 'system.qcow2'), 0o600], [join(dir, 'data-0.qcow2'), 0o600], [join(dir, 'seed.iso'), 0o600],
    ];
    for (const [path, want] of expected) assert.equal(mode(path).toString(8), want.toString(8), path);
    // The machine's libvirtd runs QEMU as root (scripts/start-libvirtd.sh), so QEMU's migration key, which is the host's
    // own key, stays root's alone, and so does the data directory (a non-root QEMU's group would pass through: 0710).
    assert.equal(qemuGroup().runsAsRoot, true, 'the test machine runs QEMU as root, as onebox\'s install sets');
    assert.equal(statSync(d).gid, 0, "the data directory's group is root's");
    assert.equal(mode(join(d, 'migration-tls', 'qemu', 'server-key.pem')).toString(8), '600', "QEMU's copy of the host key is root's alone");
    for (const f of execFileSync('find', [join(d, 'images'), '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean)) assert.equal(mode(f).toString(8), '600', f);
    const del = await server.call('DELETE', `/instances/${inst.id}`);
    assert.equal((await server.waitOperation(del)).state, 'succeeded');
  });

  test('a server killed with SIGKILL leaves a stale lock that does not block the next start; the certificate is kept', async () => {
    const pid = server.pid!;
    const fingerprint = /certificate SHA-256 (\S+)\)/.exec(server.output)![1];
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed server to go', 10_000, async () => !existsSync(`/proc/${pid}`));
    assert.ok(existsSync(join(server.dataDir, 'onebox.lock')), 'the lock file is still there');
    server.output = '';
    await server.spawn();
    assert.match(server.output, new RegExp(`certificate SHA-256 ${fingerprint}\\)`));
    assert.doesNotMatch(server.output, /issuing the server certificate|setup code:/);
  });
});

describe('--insecure-http and --tls-cert/--tls-key', { skip: !existsSync(BINARY) && `${BINARY} is missing` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'onebox-own-cert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--insecure-http serves plain HTTP and says so in the log', async () => {
    const plain = await OneboxServer.start(['--insecure-http']);
    try {
      assert.match(plain.output, /listening on http:\/\/127\.0\.0\.1:\d+\n/);
      assert.match(plain.output, /"level":"warn","msg":"serving plain HTTP \(--insecure-http\)/);
      assert.equal(existsSync(join(plain.dataDir, 'tls')), false);
      await plain.bootstrap();
      const login = await plain.call('POST', '/sessions', { json: ADMIN, token: null });
      assert.match(login.headers.get('set-cookie') ?? '', /^onebox_session=/);
    } finally {
      await plain.cleanup();
    }
  });

  test('--tls-cert/--tls-key serve the operator\'s own certificate', async () => {
    const cert = join(dir, 'own.pem');
    const key = join(dir, 'own-key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=own', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const fingerprint = new X509Certificate(readFileSync(cert)).fingerprint256;
    const own = await OneboxServer.start(['--tls-cert', cert, '--tls-key', key]);
    try {
      assert.match(own.output, new RegExp(`listening on https://127\\.0\\.0\\.1:\\d+ \\(certificate SHA-256 ${fingerprint}\\)`));
      assert.deepEqual(await peerCertificate(own.port, readFileSync(cert, 'utf8')), { authorized: true, fingerprint });
    } finally {
      await own.cleanup();
    }
  });
});
