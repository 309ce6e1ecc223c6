/**
 * The peer's onebox in a two-host lab (two-host-lab.ts): `onebox join` (then `onebox agent` on a
 * restart) inside the peer's namespace, on its private libvirtd, its agent endpoint on the lab's
 * veth. Its data directory lies in the lab's directory, so the lab's orphan sweep removes it too.
 *
 *   const peer = new PeerOnebox(lab, peerLibvirtd);
 *   const hostId = await peer.join(controller);   // a fresh join token; resolves once the agent listens
 *   await peer.stop('SIGKILL'); await peer.start(['agent', ...peer.args()]);
 */
import { type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateQemuLibvirtd } from '../../src/hypervisor/libvirt/private-libvirtd.js';
import { BINARY, sleep, waitFor, type Json, type OneboxServer } from '../system/onebox-server.js';
import type { TwoHostLab } from './two-host-lab.js';

export const AGENT_PORT = 5871;

export class PeerOnebox {
  /** What the running (or last) process printed. */
  output = '';
  private child?: ChildProcess;
  /** The peer's data directory (agent identity, cached images and ISOs, instance disks). */
  readonly dataDir: string;

  constructor(
    private readonly lab: TwoHostLab,
    readonly libvirtd: PrivateQemuLibvirtd,
    readonly port = AGENT_PORT,
  ) {
    this.dataDir = mkdtempSync(join(lab.lab.dir, 'peer-'));
  }

  /** The arguments `join` and `agent` share: data dir, agent endpoint, libvirtd, TCG (`dataDir` for another identity). */
  args(dataDir = this.dataDir): string[] {
    const addr = this.lab.peerAddress;
    return ['--data-dir', dataDir, '--listen', `${addr}:${this.port}`, '--advertise', `https://${addr}:${this.port}`, '--libvirt-socket', this.libvirtd.socketPath, '--accel', 'tcg'];
  }

  /** The controller's URL as the peer reaches it. */
  controllerUrl(controller: OneboxServer): string {
    return `https://${this.lab.controllerAddress}:${controller.port}`;
  }

  /** Starts `onebox <argv>` (join or agent) in the background and waits until its agent listens. */
  async start(argv: string[]): Promise<void> {
    this.output = '';
    const child = this.lab.spawnInPeer([BINARY, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    await waitFor('the peer agent listening', 120_000, async () => {
      if (child.exitCode !== null) throw new Error(`the peer exited: ${this.output}`);
      return this.output.includes('listening on https://');
    });
  }

  /** Joins with a new token of `controller`; returns the new host's id. */
  async join(controller: OneboxServer): Promise<string> {
    const res = await controller.call('POST', '/join-tokens', { json: {} });
    if (res.status !== 201) throw new Error(`POST /join-tokens answered ${res.status}: ${await res.text()}`);
    const token = (await res.json()) as Json;
    await this.start(['join', this.controllerUrl(controller), '--token', token.token, '--fingerprint', token.fingerprint, ...this.args()]);
    const id = /\((host_\w+)\)/.exec(this.output)?.[1];
    if (!id) throw new Error(`the peer joined without saying its host id: ${this.output}`);
    return id;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits (up to 10 s) for the process to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, sleep(10_000)]);
  }
}
