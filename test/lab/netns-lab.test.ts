/**
 * Proves the lab: the host namespace reaches the outside HTTP server over its uplink; a libvirtd
 * started inside the lab makes a NAT network (bridge, dnsmasq, masquerade) there and nowhere else;
 * the mini guest on it gets exactly its reserved address and fetches the outside's page through
 * the masquerade; close() leaves no namespace and no process behind.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { run } from '../../src/lib/exec.js';
import { MINI_GUEST_IP_RE, MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { bundle, privateLibvirtd, skipUnlessPresent } from '../require-system.js';
import { OneboxServer, waitFor } from '../system/onebox-server.js';
import { createGuestFiles, labGuestXml, type LabGuestFiles } from './lab-guest.js';
import { sweepOrphanLabs } from './lab-cleanup.js';
import { createLab, labRequirements, rootNamespaceLinks, type Lab } from './netns-lab.js';
import { nfsRequirements } from './nfs-server.js';
import { openNetnsPort } from './netns-port.js';
import { SerialConsole } from './serial-console.js';

const NETWORK = 'labnat';
const BRIDGE = 'obnat0';
const GUEST = 'lab-smoke-guest';
const MAC = '52:54:00:4c:ab:01';

/** A NAT network on the lab's 10.n.1.0/24: dynamic range .100-.200, `mac` reserved at .10 (outside the range). */
function natNetworkXml(lab: Lab): string {
  return `<network>
  <name>${NETWORK}</name>
  <forward mode='nat'/>
  <bridge name='${BRIDGE}' stp='off' delay='0'/>
  <ip address='${lab.address(1, 1)}' netmask='255.255.255.0'>
    <dhcp>
      <range start='${lab.address(1, 100)}' end='${lab.address(1, 200)}'/>
      <host mac='${MAC}' ip='${lab.address(1, 10)}'/>
    </dhcp>
  </ip>
</network>
`;
}

/** Whether `pid` runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Whether the root namespace has a link of that name (the lab must never make one there). */
const inRootNamespace = (link: string) => spawnSync('ip', ['link', 'show', 'dev', link], { stdio: 'ignore' }).status === 0;

describe('netns lab', { skip: skipUnlessPresent(...labRequirements(), privateLibvirtd()), timeout: 300_000 }, () => {
  let lab: Lab;
  let libvirtd: PrivateQemuLibvirtd;
  let files: LabGuestFiles | undefined;
  let serial: SerialConsole | undefined;
  let image: string;
  const virsh = (...args: string[]) => run(['virsh', '-c', libvirtd.uri, ...args], { timeoutMs: 60_000 });

  before(async () => {
    image = await miniImagePath();
    lab = await createLab(`smoke-${process.pid}`);
  });
  after(async () => {
    serial?.close();
    if (libvirtd) await virsh('destroy', GUEST).catch(() => undefined);
    await lab?.close();
  });

  test('the host reaches the outside HTTP server over its uplink, by its default route', async () => {
    const routes = JSON.parse((await lab.exec(['ip', '-j', 'route', 'show', 'default'])).stdout) as { gateway: string; dev: string }[];
    assert.deepEqual(routes.map((r) => [r.gateway, r.dev]), [[lab.outAddress, lab.uplink]]);
    assert.equal(await lab.httpGetFromHost(lab.http.url), `${lab.http.body}\n`);
    assert.equal(inRootNamespace(lab.uplink) || inRootNamespace('peer'), false, 'the veth ends live in the lab only');
  });

  test("a unix-socket forwarder reaches a port inside the lab from the root namespace, with no NIC there; refused upstream ends the connection", async () => {
    const linksBefore = rootNamespaceLinks([]);
    const port = await openNetnsPort(lab.outNs, lab.http.port, lab.dir, lab.outAddress);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ socketPath: port.socketPath, path: '/' }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text));
        });
        req.once('error', reject);
        req.end();
      });
      assert.equal(body, `${lab.http.body}\n`);
      assert.deepEqual(rootNamespaceLinks([lab.hostNs, lab.outNs]), linksBefore);
    } finally {
      await port.close();
    }
    assert.equal(existsSync(port.socketPath), false, 'close() removes the socket file');
    // Nothing listens on port 1 in the lab: the client sees its connection end instead of hanging.
    const closed = await openNetnsPort(lab.outNs, 1, lab.dir);
    try {
      await assert.rejects(new Promise((resolve, reject) => {
        const req = httpRequest({ socketPath: closed.socketPath, path: '/' }, resolve);
        req.once('error', reject);
        req.end();
      }), /socket hang up|ECONNRESET|EPIPE/);
    } finally {
      await closed.close();
    }
  });

  test('a libvirt NAT network in the lab: the guest gets its reserved address and reaches the outside through the masquerade', async () => {
    libvirtd = await lab.startLibvirtd();
    files = await createGuestFiles(image, lab.dir);
    const netXml = join(files.dir, 'network.xml');
    writeFileSync(netXml, natNetworkXml(lab));
    await virsh('net-define', netXml);
    await virsh('net-start', NETWORK);
    await lab.exec(['ip', 'link', 'show', 'dev', BRIDGE]);
    assert.equal(inRootNamespace(BRIDGE), false, `the network's bridge ${BRIDGE} is made inside the lab, not in the root namespace`);

    const domXml = join(files.dir, 'domain.xml');
    writeFileSync(domXml, labGuestXml(GUEST, files, NETWORK, MAC));
    await virsh('define', domXml);
    await virsh('start', GUEST);
    serial = await SerialConsole.connect(files.consoleSocket);
    const tap = (await virsh('domiflist', GUEST)).stdout.match(/^\s*(vnet\d+)\s/m)?.[1];
    assert.ok(tap, 'the guest has a tap');
    await lab.exec(['ip', 'link', 'show', 'dev', tap]);

    const [, address] = await serial.waitFor(MINI_GUEST_IP_RE, 120_000);
    assert.equal(address, lab.address(1, 10), 'the guest got exactly its reserved address');
    await serial.waitFor(new RegExp(MINI_GUEST_READY), 60_000);
    const leases = (await virsh('net-dhcp-leases', NETWORK)).stdout;
    assert.match(leases, new RegExp(`${MAC}\\s+ipv4\\s+${lab.address(1, 10).replace(/\./g, '\\.')}/24`), leases);

    // No `-T`: the mini guest's busybox wget 1.35 crashes (SIGSEGV) with it; run() has its own timeout.
    const fetched = await serial.run(`wget -q -O - ${lab.http.url}`);
    assert.deepEqual(fetched, { output: `${lab.http.body}\n`, status: 0 }, serial.output.slice(-2000));
    assert.ok(existsSync(files.consoleLog), 'the serial console is also logged to a file');
  });

  test("onebox serve in the root namespace drives the lab's libvirtd through its socket", { skip: skipUnlessPresent(bundle()) }, async () => {
    const server = await OneboxServer.start([], libvirtd);
    try {
      await server.bootstrap();
      const [host] = (await server.json('GET', '/hosts')).items;
      await waitFor('the local host to be online', 20_000, async () => (await server.json('GET', `/hosts/${host.id}`)).online === true);
    } finally {
      await server.cleanup();
    }
    assert.match((await virsh('domstate', GUEST)).stdout, /running/, "onebox leaves the lab's own guest alone");
  });

  test('a test killed mid-way (SIGKILL) with a two-host lab, a forwarder and an NFS server: the next sweep removes its namespaces, processes and files', { skip: skipUnlessPresent(...nfsRequirements()) }, async () => {
    const name = `killed-${process.pid}`;
    const hadRunGanesha = existsSync('/run/ganesha');
    const script = `
      const { createTwoHostLab } = await import(${JSON.stringify(join(import.meta.dirname, 'two-host-lab.ts'))});
      const { startNfsServer } = await import(${JSON.stringify(join(import.meta.dirname, 'nfs-server.ts'))});
      const two = await createTwoHostLab(${JSON.stringify(name)});
      await two.connect(two.controllerNs, 8443);
      const nfs = await startNfsServer({ ns: two.controllerNs, address: two.controllerAddress, dir: two.lab.dir });
      console.log(JSON.stringify({ dir: two.lab.dir, namespaces: [two.controllerNs, two.peerNs], exportPath: nfs.exportPath }));
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL', out);
    const left = JSON.parse(out.trim().split('\n').pop()!) as { dir: string; namespaces: string[]; exportPath: string };
    const pids = left.namespaces.flatMap((ns) => spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number));
    assert.ok(pids.length >= 3, 'the forwarder, ganesha and rpcbind outlived their test');
    assert.ok(existsSync(left.exportPath));
    assert.ok(sweepOrphanLabs().includes(name));
    assert.deepEqual(pids.filter(running), [], 'every process of the killed lab is gone');
    for (const ns of left.namespaces) assert.equal(existsSync(`/run/netns/${ns}`), false, `${ns} is gone`);
    assert.equal(existsSync(left.dir), false, 'its files (export, peer data, sockets) are gone');
    assert.equal(existsSync('/run/ganesha'), hadRunGanesha, 'nothing was made in the real /run');
  });

  test('close() removes both namespaces and every process in them, and may be called again', async () => {
    const daemonSocket = libvirtd?.socketPath;
    const pids = (await run(['ip', 'netns', 'pids', lab.hostNs])).stdout.split(/\s+/).filter(Boolean).map(Number);
    assert.ok(pids.length > 0, 'the lab runs processes (libvirtd, QEMU, dnsmasq) before close()');
    await lab.close();
    const alive = pids.filter(running);
    assert.deepEqual(alive, [], 'every process of the lab is gone');
    for (const ns of [lab.hostNs, lab.outNs]) assert.equal(existsSync(`/run/netns/${ns}`), false, `${ns} is gone`);
    if (daemonSocket) assert.equal(existsSync(daemonSocket), false, "the lab's libvirtd and its directories are gone");
    assert.equal(existsSync(lab.dir), false, "the lab's directory is gone");
    await lab.close();
  });
});
