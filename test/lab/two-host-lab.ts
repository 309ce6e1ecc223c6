/**
 * Two onebox "hosts" for multi-host system tests, inside one lab (netns-lab.ts) and nowhere else:
 * the controller in the lab's outside namespace (10.n.0.1), the peer in its host namespace
 * (10.n.0.2), on the lab's veth. The controller's `onebox serve` runs there too (`ip netns exec`)
 * and the test reaches its HTTPS port through a unix-socket forwarder (netns-port.ts): the root
 * namespace gets no interface, address or route. libvirtd is reached by its unix socket, which no
 * network namespace limits: the controller may use the machine's libvirtd or a private one.
 *
 *   const two = await createTwoHostLab('join');
 *   const controller = await two.startController(['--heartbeat-interval', '1']); // OneboxServer
 *   const peerLibvirtd = await two.startPeerLibvirtd();
 *   const child = two.spawnInPeer([BINARY, 'join', `https://${two.controllerAddress}:${controller.port}`, ...]);
 *   const agent = await two.connect(two.peerNs, 5871, two.peerAddress);   // agent.socketPath
 *   await controller.cleanup(); await two.close();                        // in after()
 */
import { type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { OneboxServer, SYSTEM_LIBVIRT, type LibvirtTarget } from '../system/onebox-server.js';
import { createLab, type Lab } from './netns-lab.js';
import { openNetnsPort, type NetnsPort } from './netns-port.js';

export { labRequirements, rootNamespaceLinks } from './netns-lab.js';

/** A controller namespace and a peer namespace joined by a veth, plus the means to reach into them. */
export interface TwoHostLab {
  /** The underlying lab (its `exec`/`spawn` run in the peer's namespace). */
  readonly lab: Lab;
  readonly controllerNs: string;
  readonly controllerAddress: string;
  readonly peerNs: string;
  readonly peerAddress: string;
  /** Starts `onebox serve` in the controller's namespace, listening on all its addresses (loopback for the forwarder, the veth for peers). */
  startController(extraArgs?: string[], libvirt?: LibvirtTarget): Promise<OneboxServer>;
  /** Starts a private libvirtd in the peer's namespace (its guests, taps, bridges and dnsmasq live there). */
  startPeerLibvirtd(): Promise<PrivateQemuLibvirtd>;
  /** Starts a private libvirtd in the controller's namespace: needed once the controller's own host makes networks (a bridge on the machine's libvirtd would be in the root namespace). */
  startControllerLibvirtd(): Promise<PrivateQemuLibvirtd>;
  /** Spawns a command in the peer's namespace; close() kills it if it still runs. */
  spawnInPeer(argv: string[], options?: SpawnOptions): ChildProcess;
  /** A unix socket reaching `host:port` inside `ns` (one of the two), for node:https/ws `socketPath`. */
  connect(ns: string, port: number, host?: string): Promise<NetnsPort>;
  /** Kills everything in both namespaces, deletes them and the lab's files. Idempotent. */
  close(): Promise<void>;
}

/** Creates the two-host lab `name` (1-20 lower-case letters, digits, dashes; unique among running labs). */
export async function createTwoHostLab(name: string): Promise<TwoHostLab> {
  const lab = await createLab(name);
  const ports: NetnsPort[] = [];
  const connect = async (ns: string, port: number, host = '127.0.0.1') => {
    if (ns !== lab.hostNs && ns !== lab.outNs) throw new Error(`${ns} is not a namespace of lab ${name}`);
    const opened = await openNetnsPort(ns, port, lab.dir, host);
    ports.push(opened);
    return opened;
  };
  return {
    lab,
    controllerNs: lab.outNs,
    controllerAddress: lab.outAddress,
    peerNs: lab.hostNs,
    peerAddress: lab.hostAddress,
    startController: (extraArgs = [], libvirt = SYSTEM_LIBVIRT) => OneboxServer.startInNamespace(lab.outNs, lab.dir, ['--listen', '0.0.0.0', ...extraArgs], libvirt),
    startPeerLibvirtd: () => lab.startLibvirtdIn(lab.hostNs),
    startControllerLibvirtd: () => lab.startLibvirtdIn(lab.outNs),
    spawnInPeer: (argv, options) => lab.spawn(argv, options),
    connect,
    close: async () => {
      for (const port of ports.splice(0)) await port.close();
      await lab.close();
    },
  };
}
