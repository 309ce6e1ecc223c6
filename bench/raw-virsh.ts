/**
 * Shared by the create benchmarks: the floor a hand-driven libvirt reaches for the same guest,
 * timed from the first command to a running domain: `qemu-img create` of a linked clone of the
 * image, `virsh define` of a minimal domain (same vCPUs, memory, disk, NIC on the same network,
 * serial and VNC) and `virsh start`. Every domain it makes is named `floor-…` and removed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/lib/exec.js';

/** What the floor guest looks like and where it runs. */
export interface FloorOptions {
  /** virsh's connection URI (the system daemon, or a lab's private one). */
  uri: string;
  /** The qcow2 image to clone. */
  image: string;
  /** A libvirt network to put the NIC on; none without. */
  network?: string;
  /** Run virsh under this prefix (e.g. `ip netns exec NS`). */
  prefix?: string[];
}

/** Makes and removes floor guests; `close()` removes the temp dir. */
export class RawVirsh {
  private readonly dir = mkdtempSync(join(tmpdir(), 'onebox-floor-'));
  constructor(private readonly opts: FloorOptions) {}

  private virsh(...args: string[]) {
    return run([...(this.opts.prefix ?? []), 'virsh', '-q', '-c', this.opts.uri, ...args], { timeoutMs: 120_000 });
  }

  /** Creates and starts guest `name` (with this NIC MAC, if given); resolves with the milliseconds from the first command until virsh start returned. */
  async createAndStart(name: string, mac?: string): Promise<number> {
    const disk = join(this.dir, `${name}.qcow2`);
    const xmlPath = join(this.dir, `${name}.xml`);
    const t0 = performance.now();
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', this.opts.image, '-F', 'qcow2', disk]);
    writeFileSync(xmlPath, this.xml(name, disk, mac));
    await this.virsh('define', xmlPath);
    await this.virsh('start', name);
    return performance.now() - t0;
  }

  /** The DHCP leases of the floor's network, as `virsh net-dhcp-leases` prints them. */
  async leases(): Promise<string> {
    return (await this.virsh('net-dhcp-leases', this.opts.network ?? '')).stdout;
  }

  /** Destroys and undefines guest `name` (missing is fine). */
  async remove(name: string): Promise<void> {
    await this.virsh('destroy', name).catch(() => undefined);
    await this.virsh('undefine', name).catch(() => undefined);
    rmSync(join(this.dir, `${name}.qcow2`), { force: true });
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private xml(name: string, disk: string, mac?: string): string {
    const nic = this.opts.network ? `<interface type='network'><source network='${this.opts.network}'/>${mac ? `<mac address='${mac}'/>` : ''}<model type='virtio'/></interface>` : '';
    return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
${nic}<serial type='pty'/><graphics type='vnc' listen='127.0.0.1'/></devices></domain>`;
  }
}

/** The p-th percentile of `values` (sorted copy). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
