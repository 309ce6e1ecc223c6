/**
 * "One interface" (issue 10): what works on the controller's own host works on a joined peer too.
 * In a two-host lab (test/lab/two-host-lab.ts; the controller and its private libvirtd in one
 * namespace, the peer's onebox and private libvirtd in the other, the test reaching the controller
 * through a unix-socket forwarder): a NAT network with a DHCP address pool comes up inside the
 * peer's namespace (bridge and dnsmasq); an instance on the peer with a NIC on it gets its address
 * from the pool by DHCP; the image is copied to the peer on first use (its SHA-256 is the
 * library's) and reused by a second instance; an ISO is inserted into and ejected from the running
 * guest; the instance's usage history has points. The root namespace gains no interface.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { MINI_GUEST_READY, miniImagePath, miniIsoPath } from '../fixtures/mini-image.js';
import { PeerOnebox } from '../lab/peer-onebox.js';
import { createTwoHostLab, labRequirements, rootNamespaceLinks, type TwoHostLab } from '../lab/two-host-lab.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { listDomains, OneboxServer, virshXml, waitFor, type Json } from './onebox-server.js';

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('every feature on a joined peer (one interface)', { skip: skipUnlessPresent(bundle(), ...labRequirements(), privateLibvirtd()), timeout: 1_200_000 }, () => {
  let lab: TwoHostLab;
  let peerLibvirtd: PrivateQemuLibvirtd;
  let controller: OneboxServer;
  let peer: PeerOnebox;
  let rootLinksBefore: string[] = [];
  let hostId = '';
  let image: Json;
  let media: Json;
  let net: Json;
  let first: Json;
  let imageCopy: { path: string; ino: number; mtimeMs: number };

  const upload = async (path: string, query: string) => {
    const res = await controller.call('POST', query, { body: Readable.toWeb(createReadStream(path)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()) as Json;
  };
  const cached = (shelf: 'images' | 'media') => readdirSync(join(peer.dataDir, 'cache', shelf)).filter((f) => !f.endsWith('.part'));
  const createOnPeer = async (name: string, start: boolean) => {
    const res = await controller.call('POST', '/instances', { json: { name, pool: 'peers', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, nics: [{ network: net.name }], start } });
    assert.equal(res.status, 202, await res.clone().text());
    const op = await controller.waitOperation(res, 300_000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    return controller.json('GET', `/instances/${name}`);
  };

  before(async () => {
    const [imagePath, isoPath] = [await miniImagePath(), await miniIsoPath()];
    rootLinksBefore = rootNamespaceLinks([]); // none of the lab's namespaces exists yet
    lab = await createTwoHostLab('peerf');
    const controllerLibvirtd = await lab.startControllerLibvirtd();
    peerLibvirtd = await lab.startPeerLibvirtd();
    controller = await lab.startController(['--usage-interval', '2'], controllerLibvirtd);
    await controller.bootstrap();
    peer = new PeerOnebox(lab, peerLibvirtd);
    hostId = await peer.join(controller);
    await waitFor('the peer online', 60_000, async () => (await controller.json('GET', `/hosts/${hostId}`)).state === 'online');
    assert.equal((await controller.call('POST', '/pools', { json: { name: 'peers' } })).status, 201);
    const moved = await controller.call('PATCH', `/hosts/${hostId}`, { json: { poolId: (await controller.json('GET', '/pools/peers')).id } });
    assert.equal(moved.status, 200, await moved.clone().text());
    image = await upload(imagePath, '/images?name=mini');
    media = await upload(isoPath, '/media?name=mini.iso');
  }, { timeout: 600_000 });

  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(controller?.output, '\n--- peer ---\n', peer?.output);
    // The peer's guests first (the controller's cleanup only knows its own libvirtd), then everything in the lab.
    if (peerLibvirtd) {
      for (const name of listDomains(peerLibvirtd.uri)) {
        await run(['virsh', '-c', peerLibvirtd.uri, 'destroy', name]).catch(() => undefined);
        await run(['virsh', '-c', peerLibvirtd.uri, 'undefine', name, '--nvram']).catch(() => undefined);
      }
    }
    await peer?.stop('SIGKILL');
    await controller?.cleanup().catch((err: unknown) => console.error(String(err)));
    await lab?.close();
  });

  test("a NAT network with an address pool comes up inside the peer's namespace (bridge and dnsmasq there)", async () => {
    const res = await controller.call('POST', '/networks', { json: { kind: 'nat', name: 'peernet', subnet: `${lab.lab.address(3, 0)}/24` } });
    assert.equal(res.status, 201, await res.clone().text());
    net = (await res.json()) as Json;
    await waitFor('the network active on the peer', 60_000, async () => {
      const shown = await controller.json('GET', `/networks/${net.id}`);
      return shown.hosts.some((h: Json) => h.hostId === hostId && h.active === true);
    });
    const pool = await controller.call('POST', '/address-pools', { json: { name: 'peerpool', network: 'peernet', gateway: net.gateway, dnsServers: [net.gateway], ranges: [{ start: lab.lab.address(3, 10), end: lab.lab.address(3, 19), prefix: 24 }] } });
    assert.equal(pool.status, 201, await pool.clone().text());
    assert.equal((await controller.call('PUT', '/pools/peers/network', { json: { network: 'peernet', addressPool: 'peerpool' } })).status, 200);
    const peerLinks = (await run(['ip', '-n', lab.peerNs, '-br', 'link'])).stdout;
    assert.match(peerLinks, new RegExp(`^${net.bridge}\\s`, 'm'), peerLinks);
    const dnsmasq = (await run(['ip', 'netns', 'pids', lab.peerNs])).stdout.split(/\s+/).filter(Boolean).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dnsmasq');
    assert.ok(dnsmasq.length > 0, "a dnsmasq runs in the peer's namespace");
    assert.ok(!rootNamespaceLinks([lab.controllerNs, lab.peerNs]).some((l) => l.endsWith(`: ${net.bridge}`)), 'the bridge is not in the root namespace');
  });

  test('an instance on the peer gets its DHCP address from the pool; the image was copied there once, SHA-256 intact', { timeout: 600_000 }, async () => {
    first = await createOnPeer('peer-a', true);
    assert.equal(first.hostId, hostId);
    assert.equal(first.nics[0].networkId, net.id);
    assert.equal(first.address, lab.lab.address(3, 10), 'the first address of the pool');
    const images = cached('images');
    assert.equal(images.length, 1, `one image copy on the peer: ${images.join(', ')}`);
    const path = join(peer.dataDir, 'cache', 'images', images[0]);
    assert.equal(sha256Of(path), image.sha256, "the peer's copy is the library's file");
    const st = statSync(path);
    imageCopy = { path, ino: st.ino, mtimeMs: st.mtimeMs };
    // The guest's DHCP client got the reserved address from the peer's dnsmasq.
    await controller.waitConsole(first.id, `ONEBOX-GUEST-IP ${first.address}`, 1, 300_000);
    await controller.waitConsole(first.id, MINI_GUEST_READY, 1, 120_000);
    // dnsmasq writes its lease file after it answers; the guest may print first (CI once read none here).
    let leases: Json[] = [];
    await waitFor('the lease in the network\'s list', 20_000, async () => {
      leases = (await controller.json('GET', `/networks/${net.id}/leases`)).items as Json[];
      return leases.some((l) => l.mac === first.nics[0].mac && l.ip === first.address);
    }).catch(() => assert.fail(`no lease of ${first.nics[0].mac} at ${first.address}: ${JSON.stringify(leases)}`));
  });

  test('an ISO inserted into and ejected from the running guest on the peer', async () => {
    const inserted = await controller.call('POST', `/instances/${first.id}/actions/insert-media`, { json: { mediaId: media.id } });
    assert.equal(inserted.status, 200, await inserted.clone().text());
    assert.equal(((await inserted.json()) as Json).mediaId, media.id);
    const cdrom = () => /<disk type='file' device='cdrom'>[\s\S]*?<\/disk>/.exec(virshXml(first.domainName, peerLibvirtd.uri))?.[0] ?? '';
    assert.match(cdrom(), /<source file='[^']*media\/iso_[^']*\.iso'/);
    const isos = cached('media');
    assert.equal(isos.length, 1, isos.join(', '));
    assert.equal(sha256Of(join(peer.dataDir, 'cache', 'media', isos[0])), media.sha256);
    const ejected = await controller.call('POST', `/instances/${first.id}/actions/eject-media`);
    assert.equal(ejected.status, 200, await ejected.clone().text());
    assert.equal(((await ejected.json()) as Json).mediaId, null);
    assert.doesNotMatch(cdrom(), /<source [^>]*file=/);
  });

  test("the instance's usage history has points (collected from the peer)", async () => {
    let history: Json = {};
    await waitFor('usage points of the instance', 120_000, async () => {
      history = await controller.json('GET', `/instances/${first.id}/usage-history?range=hour`);
      return history.points?.length > 0;
    }, 2000);
    const [point] = history.points as Json[];
    assert.equal(typeof point.avg.cpuPercent, 'number');
    assert.ok(point.avg.memoryBytes > 0, JSON.stringify(point));
  });

  test('a second instance on the peer reuses the copied image and takes the next address of the pool', async () => {
    const second = await createOnPeer('peer-b', false);
    assert.equal(second.hostId, hostId);
    assert.equal(second.address, lab.lab.address(3, 11));
    assert.deepEqual(cached('images'), [imageCopy.path.split('/').pop()]);
    const st = statSync(imageCopy.path);
    assert.deepEqual([st.ino, st.mtimeMs], [imageCopy.ino, imageCopy.mtimeMs], 'the same file, not fetched again');
  });

  test('the root namespace has the same interfaces as before the lab', () => {
    assert.deepEqual(rootNamespaceLinks([lab.controllerNs, lab.peerNs]), rootLinksBefore);
  });
});
