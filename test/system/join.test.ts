/**
 * Join a second server over mutual TLS and drive it through the controller, in a two-host lab
 * (test/lab/two-host-lab.ts): the controller's onebox runs in the lab's controller namespace (on
 * the machine's libvirtd, by its socket), the peer's onebox and its private libvirtd in the peer
 * namespace, on the lab's veth; the test reaches both ports through unix-socket forwarders and
 * checks that the root namespace gained no interface.
 * Join: good, reused and expired tokens, a wrong fingerprint, a client without a certificate.
 * Then an instance on the peer (the mini TCG guest): power actions, serial console and log
 * through the controller; the peer's onebox killed: host and instance `lost` within the
 * configured time, the guest still running; restarted (`onebox agent`): `online`, `running`.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { run } from '../../src/lib/exec.js';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { AGENT_PORT, PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, rootNamespaceLinks, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, skipUnlessPresent } from '../require-system.js';
import { BINARY, OneboxServer, sleep, waitFor, type Json } from './onebox-server.js';

const BEAT_S = 1;
const LOST_AFTER_S = 3;

describe('join a second server over mutual TLS', { skip: skipUnlessPresent(bundle(), ...labRequirements()), timeout: 1_500_000 }, () => {
  let lab: TwoHostLab;
  let libvirtd: PrivateQemuLibvirtd;
  let controller: OneboxServer;
  let rootLinksBefore: string[] = [];
  let peerAddr = '';
  let peer: PeerOnebox;
  let instanceId = '';
  let domainName = '';
  let hostId = '';
  const scratch: string[] = [];

  /** Runs `onebox <args>` inside the lab namespace to its end; exit code and output. */
  const onebox = (args: string[]) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = lab.spawnInPeer([BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  const newToken = async (expiresInMinutes?: number) => {
    const res = await controller.call('POST', '/join-tokens', { json: expiresInMinutes === undefined ? {} : { expiresInMinutes } });
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()) as Json;
  };
  const host = () => controller.json('GET', `/hosts/${hostId}`);
  const virshState = async () => (await run(['virsh', '-c', libvirtd.uri, 'domstate', domainName])).stdout.trim();

  before(async () => {
    rootLinksBefore = rootNamespaceLinks([]); // none of the lab's namespaces exists yet
    lab = await createTwoHostLab('join');
    libvirtd = await lab.startPeerLibvirtd();
    peerAddr = lab.peerAddress;
    controller = await lab.startController(['--heartbeat-interval', String(BEAT_S), '--heartbeat-lost-after', String(LOST_AFTER_S)]);
    await controller.bootstrap();
    peer = new PeerOnebox(lab, libvirtd);
  }, { timeout: 300_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', peer?.output);
    await peer?.stop('SIGKILL').catch(() => undefined);
    if (domainName) {
      await run(['virsh', '-c', libvirtd.uri, 'destroy', domainName]).catch(() => undefined);
      await run(['virsh', '-c', libvirtd.uri, 'undefine', domainName, '--nvram']).catch(() => undefined);
    }
    await controller?.cleanup().catch((err: unknown) => console.error(String(err)));
    await libvirtd?.stop().catch(() => undefined);
    await lab?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong fingerprint is refused before anything is sent; reused and expired tokens are refused', async () => {
    const token = await newToken();
    assert.match(token.command, new RegExp(`^onebox join https://\\S+ --token ${token.token} --fingerprint SHA256:[0-9A-F:]{95}$`));
    const wrongDir = mkdtempSync(join(tmpdir(), 'onebox-wrong-'));
    scratch.push(wrongDir);
    const wrong = await onebox(['join', peer.controllerUrl(controller), '--token', token.token, '--fingerprint', `SHA256:${'00:'.repeat(31)}00`, ...peer.args(wrongDir)]);
    assert.equal(wrong.code, 1, wrong.output);
    assert.match(wrong.output, /presents a certificate with fingerprint SHA256:[0-9A-F:]+, not the SHA256:00:00\S* given with --fingerprint; nothing was sent/);
    const listed = (await controller.json('GET', '/join-tokens')).items.find((t: Json) => t.id === token.id);
    assert.equal(listed.state, 'valid', 'the token was not spent');

    const expired = await newToken(0.01); // 0.6 s
    await sleep(1500);
    const late = await onebox(['join', peer.controllerUrl(controller), '--token', expired.token, '--fingerprint', expired.fingerprint, ...peer.args(wrongDir)]);
    assert.equal(late.code, 1, late.output);
    assert.match(late.output, /HTTP 410 join_token_expired/);
    const unknown = await onebox(['join', peer.controllerUrl(controller), '--token', 'obj_not-a-token', '--fingerprint', token.fingerprint, ...peer.args(wrongDir)]);
    assert.match(unknown.output, /HTTP 401 join_token_invalid/);
  });

  test('a good token joins: the host appears unassigned and online; the token cannot be used again', async () => {
    const token = await newToken();
    await peer.start(['join', peer.controllerUrl(controller), '--token', token.token, '--fingerprint', token.fingerprint, ...peer.args()]);
    assert.match(peer.output, /joined https:\/\/\S+ as host \S+ \((host_\w+)\)/);
    hostId = /\((host_\w+)\)/.exec(peer.output)![1];
    await waitFor('the joined host online', 60_000, async () => (await host()).state === 'online');
    const h = await host();
    assert.equal(h.poolId, null);
    assert.equal(h.isLocal, false);
    assert.equal(h.address, peerAddr);
    const modes = (await run(['stat', '-c', '%a %n', join(peer.dataDir, 'agent', 'key.pem'), join(peer.dataDir, 'agent', 'cert.pem')])).stdout;
    assert.match(modes, /^600 .*key\.pem\n600 .*cert\.pem/);

    const againDir = mkdtempSync(join(tmpdir(), 'onebox-again-'));
    scratch.push(againDir);
    const reused = await onebox(['join', peer.controllerUrl(controller), '--token', token.token, '--fingerprint', token.fingerprint, ...peer.args(againDir).map((a) => a.replace(String(AGENT_PORT), '5872'))]);
    assert.equal(reused.code, 1, reused.output);
    assert.match(reused.output, /HTTP 410 join_token_used/);
  });

  test('the agent port refuses a client without a certificate (TLS)', async () => {
    const agentPort = await lab.connect(lab.peerNs, AGENT_PORT, peerAddr);
    // The forwarder does reach the agent: the TLS handshake gets as far as the agent's certificate.
    const agentCert = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ path: agentPort.socketPath, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.match(agentCert, /^[0-9A-F:]{95}$/);
    const attempt = new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ socketPath: agentPort.socketPath, path: '/agent/ping', ca: controller.ca, rejectUnauthorized: false }, (res) => resolve(res.statusCode ?? 0));
      req.once('error', reject);
      req.end();
    });
    await assert.rejects(attempt, /certificate required|ECONNRESET|socket hang up|alert/i);
  });

  test('an instance on the peer: created with the image copied over, power actions, serial and VNC consoles and the log through the controller', async () => {
    assert.equal((await controller.call('POST', '/pools', { json: { name: 'peers' } })).status, 201);
    const moved = await controller.call('PATCH', `/hosts/${hostId}`, { json: { poolId: (await controller.json('GET', '/pools/peers')).id } });
    assert.equal(moved.status, 200, await moved.clone().text());
    const image = await controller.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    const res = await controller.call('POST', '/instances', { json: { name: 'on-peer', pool: 'peers', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, nics: [], start: true } });
    assert.equal(res.status, 202, await res.clone().text());
    instanceId = ((await res.clone().json()) as Json).instance.id;
    const op = await controller.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const inst = await controller.json('GET', `/instances/${instanceId}`);
    assert.equal(inst.hostId, hostId);
    domainName = inst.domainName;
    assert.equal(await virshState(), 'running', 'the domain runs in the peer\'s libvirtd');
    const cached = (await run(['ls', join(peer.dataDir, 'cache', 'images')])).stdout;
    assert.ok(cached.trim().length > 0, 'the image was copied to the peer');
    await controller.waitConsole(instanceId, MINI_GUEST_READY, 1, 300_000);
    const out = await controller.serialRun(instanceId, 'echo SUM=$((6*7))', /SUM=42/, 120_000);
    assert.match(out, /SUM=42/);
    // VNC through the controller's port too (the browser never talks to the peer).
    const ticket = await controller.json('POST', `/instances/${instanceId}/console-tokens`, { json: { kind: 'vnc' } });
    const rfb = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(controller.wsUrl(ticket.path), controller.wsOptions());
      ws.once('message', (data: Buffer) => {
        ws.close();
        resolve(data.toString('latin1'));
      });
      ws.once('error', reject);
    });
    assert.match(rfb, /^RFB 003\.00\d\n/);

    const act = async (action: string, state: string) => {
      const r = await controller.call('POST', `/instances/${instanceId}/actions/${action}`);
      assert.ok(r.status === 200 || r.status === 202, `${action}: ${r.status} ${await r.clone().text()}`);
      if (r.status === 202) assert.equal((await controller.waitOperation(r, 180_000)).state, 'succeeded');
      await controller.waitState(instanceId, state, 120_000);
    };
    await act('pause', 'paused');
    assert.equal(await virshState(), 'paused');
    await act('resume', 'running');
    await act('reboot', 'running');
    await act('reset', 'running');
    await act('force-stop', 'stopped');
    assert.equal(await virshState(), 'shut off');
    await act('start', 'running');
  });

  test('the peer killed: host and instance lost within the threshold, the guest keeps running; restarted: online and running', async () => {
    assert.ok(instanceId, 'needs the instance of the previous test');
    await peer.stop('SIGKILL');
    const killedAt = Date.now();
    await waitFor('host lost', (LOST_AFTER_S + 5) * 1000, async () => (await host()).state === 'lost');
    const detectedMs = Date.now() - killedAt;
    assert.ok(detectedMs <= (LOST_AFTER_S + 2) * 1000, `lost after ${detectedMs} ms`);
    await controller.waitState(instanceId, 'lost', 10_000);
    assert.equal(await virshState(), 'running', 'the guest runs on without its agent');
    const busy = await controller.call('DELETE', `/hosts/${hostId}`);
    assert.equal(busy.status, 409);

    await peer.start(['agent', ...peer.args()]);
    await waitFor('host online again', 60_000, async () => (await host()).state === 'online');
    await controller.waitState(instanceId, 'running', 30_000);
  });

  test('the controller away: the guest keeps running on the peer; the restarted controller reconnects on its own', async () => {
    await controller.stop();
    await sleep(LOST_AFTER_S * 1000);
    assert.equal(await virshState(), 'running');
    assert.ok(peer.running, 'the agent keeps serving');
    await controller.spawn();
    await waitFor('host online after the controller restart', 60_000, async () => (await host()).state === 'online');
    await controller.waitState(instanceId, 'running', 30_000);
  });

  test('removing the host: refused with an instance, done without', async () => {
    const busy = await controller.call('DELETE', `/hosts/${hostId}`);
    assert.equal(busy.status, 409);
    assert.equal(((await busy.json()) as Json).code, 'host_has_instances');
    const del = await controller.call('DELETE', `/instances/${instanceId}`);
    assert.ok(del.status === 202 || del.status === 204, await del.clone().text());
    if (del.status === 202) assert.equal((await controller.waitOperation(del, 120_000)).state, 'succeeded');
    domainName = '';
    assert.equal((await controller.call('DELETE', `/hosts/${hostId}`)).status, 204);
  });

  test('the root namespace has the same interfaces as before the lab (no veth, bridge or tap there)', () => {
    assert.deepEqual(rootNamespaceLinks([lab.controllerNs, lab.peerNs]), rootLinksBefore);
  });
});
