/**
 * The HostAgent contract: one suite run against the local agent (fake drivers and a temp
 * dir; real libvirt and qemu-img) and against the loopback peer, so "the controller cannot
 * tell a local host from a remote one" is something a test checks. Domains carry a unique
 * prefix and are removed in `after`, also when a test failed.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Readable, type Duplex } from 'node:stream';
import { DiskChangeRefusedError, DomainNotFoundError, DomainStateError, GuestAgentUnavailableError, ResourceChangeRefusedError } from '../hypervisor/errors.js';
import { ChecksumMismatchError, FileMissingError, StorageError, VolumeExistsError, VolumeNotFoundError } from '../lib/storage-errors.js';
import { buildQcow2Header, parseQcow2Header } from '../storage/qcow2-header.js';
import type { AgentEvent, ArtifactRef, ArtifactSource, GuestSpec, StoragePoolSpec } from './agent-types.js';
import { ArtifactMissingError } from './errors.js';
import type { HostAgent } from './host-agent.js';

/** How to run the contract against one implementation. */
export interface AgentContractOptions {
  name: string;
  /** A fresh agent and a function that releases everything it made. */
  open: () => Promise<{ agent: HostAgent; close: () => Promise<void> }>;
  /** Whether the host can build seed ISOs (genisoimage). */
  seeds: boolean;
  skip?: string;
  /** How long to wait for a lifecycle event. */
  eventTimeoutMs?: number;
}

const MiB = 1024 ** 2;
const POOL: StoragePoolSpec = { id: 'stp_contract0000', kind: 'local', path: null };

/** An artifact and a source that counts how often it was opened. */
function artifact(shelf: 'images' | 'media', bytes: Buffer, sha256 = createHash('sha256').update(bytes).digest('hex')) {
  const ref: ArtifactRef = { shelf, fileName: `${shelf === 'images' ? 'img' : 'iso'}_${randomUUID().slice(0, 12).replace(/-/g, 'x')}.${shelf === 'images' ? 'qcow2' : 'iso'}`, sha256, sizeBytes: bytes.length, ...(shelf === 'images' ? { format: 'qcow2' as const } : {}) };
  let opens = 0;
  const source: ArtifactSource = {
    open: async () => {
      opens++;
      return Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);
    },
  };
  return { ref, source, opens: () => opens };
}

function guest(name: string, instanceId: string, over: Partial<GuestSpec> = {}): GuestSpec {
  return {
    name, uuid: randomUUID(), title: name, instanceId, accel: 'tcg', cpu: { kind: 'named', model: 'qemu64' }, vcpus: 1, memoryMiB: 64,
    storagePool: POOL, disks: [{ volume: 'system', target: 'vda', bootOrder: 1 }], cdrom: { target: 'sda' }, nics: [],
    vnc: { listen: '127.0.0.1', password: 'contract' }, ...over,
  };
}

const firstChunk = (stream: Duplex) =>
  new Promise<string>((resolve, reject) => {
    stream.once('data', (d: Buffer) => resolve(d.toString('latin1')));
    stream.once('error', reject);
  });

/** Registers the contract tests for one HostAgent implementation. */
export function describeHostAgentContract(opts: AgentContractOptions): void {
  describe(`HostAgent contract: ${opts.name}`, { skip: opts.skip }, () => {
    const prefix = `obtest-agent-${process.pid}-${Math.random().toString(36).slice(2, 6)}-`;
    let agent: HostAgent;
    let close: () => Promise<void> = async () => {};
    const events: AgentEvent[] = [];
    const made: { name: string; id: string }[] = [];
    let n = 0;
    const fresh = () => {
      const id = `ins_${Math.random().toString(36).slice(2, 14).padEnd(12, '0')}`;
      const entry = { name: `${prefix}${++n}`, id };
      made.push(entry);
      return entry;
    };
    const image = artifact('images', buildQcow2Header({ virtualSizeBytes: 32 * MiB }));

    before(async () => {
      ({ agent, close } = await opts.open());
      agent.host.onEvent((e) => events.push(e));
    });
    after(async () => {
      for (const { name, id } of made) {
        await agent.domains.destroy(name).catch(() => undefined);
        await agent.domains.undefine(name).catch(() => undefined);
        await agent.volumes.deleteInstance(id, POOL).catch(() => undefined);
      }
      await agent.volumes.removeArtifact(image.ref).catch(() => undefined);
      await close();
    });

    test('probePool: a pool it can write to is mounted with its space; facts with an NFS pool beside it keep the others', async () => {
      const probe = await agent.volumes.probePool(POOL);
      assert.equal(probe.state, 'mounted', JSON.stringify(probe));
      assert.equal(probe.mode, 'dir');
      assert.equal(probe.message, null);
      assert.ok(probe.totalBytes !== null && probe.freeBytes !== null && probe.freeBytes > 0 && probe.freeBytes <= probe.totalBytes, JSON.stringify(probe));
      const facts = await agent.host.facts([POOL, { id: 'stp_contractnfs0', kind: 'nfs', server: '127.0.0.1', exportPath: '/nowhere', mountOptions: null }]);
      assert.ok(facts.storage.some((s) => s.poolId === POOL.id), 'an NFS pool does not hide the others');
    });

    test('facts: CPUs, memory, versions, accelerator and the capacity of the asked pool', async () => {
      const facts = await agent.host.facts([POOL]);
      assert.ok(facts.cpus > 0 && facts.memoryMiB > 0, JSON.stringify(facts));
      assert.match(facts.libvirtVersion, /^\d+\.\d+\.\d+$/);
      assert.ok(facts.accel === 'kvm' || facts.accel === 'tcg');
      assert.equal(facts.storage.length, 1);
      assert.equal(facts.storage[0].poolId, POOL.id);
      assert.ok(facts.storage[0].freeBytes > 0 && facts.storage[0].freeBytes <= facts.storage[0].totalBytes);
      assert.equal(agent.host.isOnline(), true);
    });

    test('baselineCpu: facts carry the host CPU, and the baseline of it twice is a model with features', async () => {
      const { cpu } = await agent.host.facts([]);
      assert.ok(cpu, 'facts carry the host CPU');
      const baseline = await agent.host.baselineCpu([cpu, cpu]);
      assert.ok(baseline.model.length > 0, JSON.stringify(baseline));
      assert.ok(baseline.features.some((f) => f.policy === 'require'), JSON.stringify(baseline));
    });

    test('usage: CPU time counters that only grow, memory within its total, the asked pool, host NICs without loopback or guest taps', async () => {
      const a = await agent.host.usage([POOL]);
      await new Promise((r) => setTimeout(r, 50));
      const b = await agent.host.usage([POOL]);
      const total = (u: typeof a) => u.cpu.userNs + u.cpu.kernelNs + u.cpu.idleNs + u.cpu.iowaitNs;
      assert.ok(total(a) > 0 && a.cpu.idleNs > 0, JSON.stringify(a.cpu));
      assert.ok(total(b) >= total(a) && b.cpu.idleNs >= a.cpu.idleNs && b.cpu.userNs >= a.cpu.userNs, `${JSON.stringify(a.cpu)} then ${JSON.stringify(b.cpu)}`);
      assert.ok(b.sampledAt >= a.sampledAt);
      const m = b.memory;
      assert.ok(m.totalBytes > 0 && m.freeBytes > 0 && m.freeBytes <= m.availableBytes && m.availableBytes <= m.totalBytes, JSON.stringify(m));
      assert.deepEqual(b.storage.map((s) => s.poolId), [POOL.id]);
      assert.ok(b.storage[0].freeBytes > 0 && b.storage[0].freeBytes <= b.storage[0].totalBytes);
      assert.ok(Array.isArray(b.nics));
      for (const n of b.nics) {
        assert.doesNotMatch(n.device, /^(lo|vnet\d+)$/);
        assert.ok(Number.isFinite(n.rxBytes) && n.rxBytes >= 0 && Number.isFinite(n.txBytes) && n.txBytes >= 0, JSON.stringify(n));
      }
    });

    test('artifacts: fetched once through the stream, verified by SHA-256, removable', async () => {
      assert.equal(await agent.volumes.hasArtifact(image.ref), false);
      const progress: number[] = [];
      await agent.volumes.ensureArtifact(image.ref, image.source, (f) => progress.push(f));
      await agent.volumes.ensureArtifact(image.ref, image.source);
      assert.equal(image.opens(), 1, 'the second ensure finds the copy');
      assert.equal(await agent.volumes.hasArtifact(image.ref), true);
      assert.equal(progress.at(-1), 1);
      const bad = artifact('media', Buffer.alloc(40000, 7), 'f'.repeat(64));
      await assert.rejects(agent.volumes.ensureArtifact(bad.ref, bad.source), ChecksumMismatchError);
      assert.equal(await agent.volumes.hasArtifact(bad.ref), false, 'a corrupt transfer leaves no copy');
    });

    test('instance disks from a plan: linked clone, full copy with progress, data disks; delete removes them', async () => {
      const linked = fresh();
      await agent.volumes.createInstanceDisks(linked.id, POOL, { system: { source: 'linked', image: image.ref, sizeBytes: 64 * MiB }, data: [{ sizeBytes: MiB }] });
      const full = fresh();
      const progress: number[] = [];
      await agent.volumes.createInstanceDisks(full.id, POOL, { system: { source: 'full', image: image.ref, sizeBytes: 64 * MiB }, data: [] }, (f) => progress.push(f));
      assert.equal(progress.at(-1), 1);
      const missing = artifact('images', buildQcow2Header({ virtualSizeBytes: MiB }));
      await assert.rejects(agent.volumes.createInstanceDisks(fresh().id, POOL, { system: { source: 'linked', image: missing.ref, sizeBytes: MiB }, data: [] }), ArtifactMissingError);
      await agent.volumes.deleteInstance(full.id, POOL);
      await agent.volumes.deleteInstance(full.id, POOL);
    });

    test('a guest: define, start, events, stats, VNC and serial byte streams, CD-ROM, stop, undefine', async () => {
      const g = fresh();
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'blank', sizeBytes: 64 * MiB }, data: [] });
      const iso = artifact('media', Buffer.alloc(64 * 1024, 1));
      const spec = guest(g.name, g.id, { cdrom: { target: 'sda', media: iso.ref } });
      await assert.rejects(agent.domains.define(spec), ArtifactMissingError, 'the ISO must be on the host first');
      await agent.volumes.ensureArtifact(iso.ref, iso.source);
      await agent.domains.define(spec);
      assert.equal((await agent.domains.find(g.name))?.state, 'shutoff');
      await agent.domains.setAutostart(g.name, true);
      assert.equal(await agent.domains.getAutostart(g.name), true);
      await agent.domains.start(g.name);
      const deadline = Date.now() + (opts.eventTimeoutMs ?? 5000);
      while (!events.some((e) => e.type === 'lifecycle' && e.event.name === g.name && e.event.event === 'started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(events.some((e) => e.type === 'lifecycle' && e.event.name === g.name && e.event.event === 'started'), 'a started event arrived');
      assert.ok((await agent.domains.list()).some((d) => d.name === g.name && d.state === 'running'));
      assert.equal((await agent.domains.stats(g.name)).vcpus, 1);
      assert.equal((await agent.domains.allStats()).find((r) => r.name === g.name)?.vcpus, 1, 'the bulk call reports the running guest');
      // No OS, so no guest agent: the typed error crosses the seam.
      await assert.rejects(agent.domains.guestInterfaces(g.name), GuestAgentUnavailableError);
      await assert.rejects(agent.domains.guestSystemInfo(g.name), GuestAgentUnavailableError);
      await assert.rejects(agent.domains.setGuestPassword(g.name, 'root', 'Secret-123'), GuestAgentUnavailableError);
      await assert.rejects(agent.domains.shutdownByAgent(g.name), GuestAgentUnavailableError);
      assert.equal((await agent.domains.find(g.name))?.state, 'running', 'an agent shutdown nobody answers leaves the guest running');
      const vnc = await agent.consoles.open(g.name, 'vnc');
      assert.match(await firstChunk(vnc), /^RFB 003\.00\d\n/);
      vnc.destroy();
      const serial = await agent.consoles.open(g.name, 'serial');
      assert.equal(typeof serial.write, 'function');
      serial.destroy();
      await agent.domains.changeCdrom(g.name, 'sda', undefined);
      await agent.domains.changeCdrom(g.name, 'sda', iso.ref);
      await agent.domains.destroy(g.name);
      await assert.rejects(agent.domains.guestInterfaces(g.name), DomainStateError);
      await assert.rejects(agent.domains.guestSystemInfo(g.name), DomainStateError);
      await assert.rejects(agent.domains.setGuestPassword(g.name, 'root', 'Secret-123'), DomainStateError);
      await assert.rejects(agent.domains.shutdownByAgent(g.name), DomainStateError);
      await agent.domains.undefine(g.name);
      assert.equal(await agent.domains.find(g.name), undefined);
      await assert.rejects(agent.domains.start(g.name), DomainNotFoundError);
      await agent.volumes.removeArtifact(iso.ref);
    });

    test('vCPUs and memory: set in the definition and live, refusals arrive as typed errors', async () => {
      const g = fresh();
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'blank', sizeBytes: 64 * MiB }, data: [] });
      await agent.domains.define(guest(g.name, g.id, { vcpus: 1, maxVcpus: 2, memoryMiB: 64, maxMemoryMiB: 128 }));
      assert.deepEqual(await agent.domains.resources(g.name, 'config'), { vcpus: 1, maxVcpus: 2, memoryMiB: 64, maxMemoryMiB: 128 });
      await agent.domains.setResources(g.name, { memoryMiB: 96 }, { live: false, config: true });
      assert.equal((await agent.domains.resources(g.name, 'config')).memoryMiB, 96);
      await assert.rejects(agent.domains.setResources(g.name, { vcpus: 3 }, { live: false, config: true }), ResourceChangeRefusedError);
      await assert.rejects(agent.domains.setResources(g.name, { vcpus: 2 }, { live: true, config: false }), DomainStateError);
      await agent.domains.start(g.name);
      await agent.domains.setResources(g.name, { vcpus: 2 }, { live: true, config: false });
      assert.equal((await agent.domains.resources(g.name, 'live')).vcpus, 2);
      assert.equal((await agent.domains.resources(g.name, 'config')).vcpus, 1);
      await agent.domains.destroy(g.name);
      await agent.domains.undefine(g.name);
      await assert.rejects(agent.domains.resources(g.name, 'live'), DomainNotFoundError);
    });

    test('QoS: set in the definition when stopped and live while running; a live change on a stopped domain is a state error', async () => {
      const g = fresh();
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'blank', sizeBytes: 64 * MiB }, data: [] });
      await agent.domains.define(guest(g.name, g.id, { qos: { cpuShares: 512 } }));
      assert.deepEqual(await agent.domains.qos(g.name, 'config'), { cpuShares: 512 });
      await assert.rejects(agent.domains.setQos(g.name, { cpuShares: 2048 }, { live: true, config: false }), DomainStateError);
      await agent.domains.setQos(g.name, { cpuShares: 2048, disk: { writeBytesSec: 1048576 } }, { live: false, config: true });
      await agent.domains.start(g.name);
      await agent.domains.setQos(g.name, { disk: { readIops: 100 } }, { live: true, config: false });
      assert.deepEqual(await agent.domains.qos(g.name, 'live'), { disk: { readIops: 100 } });
      assert.deepEqual(await agent.domains.qos(g.name, 'config'), { cpuShares: 2048, disk: { writeBytesSec: 1048576 } });
      await agent.domains.destroy(g.name);
      await agent.domains.undefine(g.name);
    });

    test('disks after define: volumes made, inspected, grown and deleted; attached, grown online, detached; refusals arrive as typed errors', async () => {
      const g = fresh();
      await agent.volumes.ensureArtifact(image.ref, image.source);
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'linked', image: image.ref, sizeBytes: 64 * MiB }, data: [] });
      const system = await agent.volumes.inspectDisk(g.id, POOL, 'system');
      assert.deepEqual([system.format, system.virtualSizeBytes, system.backingFile], ['qcow2', 64 * MiB, image.ref.fileName], 'the backing image by file name only');
      assert.ok(system.actualSizeBytes > 0);
      await agent.volumes.createDisk(g.id, POOL, 'data-3', 32 * MiB);
      await assert.rejects(agent.volumes.createDisk(g.id, POOL, 'data-3', 32 * MiB), VolumeExistsError);
      await agent.volumes.resizeDisk(g.id, POOL, 'data-3', 48 * MiB);
      await assert.rejects(agent.volumes.resizeDisk(g.id, POOL, 'data-3', 16 * MiB), StorageError);
      assert.equal((await agent.volumes.inspectDisk(g.id, POOL, 'data-3')).virtualSizeBytes, 48 * MiB);
      await agent.domains.define(guest(g.name, g.id));
      await agent.domains.attachDisk(g.name, g.id, POOL, { volume: 'data-3', target: 'vde' }, { live: false, config: true });
      assert.deepEqual(await agent.domains.diskTargets(g.name, 'config'), ['vda', 'vde']);
      await assert.rejects(agent.domains.attachDisk(g.name, g.id, POOL, { volume: 'data-3', target: 'vde' }, { live: false, config: true }), DiskChangeRefusedError);
      await assert.rejects(agent.domains.blockResize(g.name, 'vde', 64 * MiB), DomainStateError);
      await agent.domains.start(g.name);
      await agent.domains.blockResize(g.name, 'vda', 96 * MiB);
      await assert.rejects(agent.domains.detachDisk(g.name, 'vdf', { live: true, config: true }), DiskChangeRefusedError);
      await agent.domains.destroy(g.name);
      await agent.domains.detachDisk(g.name, 'vde', { live: false, config: true });
      assert.deepEqual(await agent.domains.diskTargets(g.name, 'live'), ['vda']);
      await agent.volumes.deleteDisk(g.id, POOL, 'data-3');
      await agent.volumes.deleteDisk(g.id, POOL, 'data-3');
      await assert.rejects(agent.volumes.inspectDisk(g.id, POOL, 'data-3'), VolumeNotFoundError);
      await agent.domains.undefine(g.name);
    });

    test('buildImage flattens the system disk into a built image the controller reads, then discards; a missing disk is refused', async () => {
      const g = fresh();
      await agent.volumes.ensureArtifact(image.ref, image.source);
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'linked', image: image.ref, sizeBytes: 64 * MiB }, data: [] });
      const buildId = `bld_${Math.random().toString(36).slice(2, 14)}`;
      const progress: number[] = [];
      const { sizeBytes } = await agent.volumes.buildImage(g.id, POOL, buildId, (f) => progress.push(f));
      assert.equal(progress.at(-1), 1);
      const chunks: Buffer[] = [];
      for await (const c of await agent.volumes.openBuild(buildId)) chunks.push(Buffer.from(c as Buffer));
      const bytes = Buffer.concat(chunks);
      assert.equal(bytes.length, sizeBytes);
      const header = parseQcow2Header(bytes);
      assert.deepEqual([header?.virtualSizeBytes, header?.backingFile], [64 * MiB, undefined], 'self-contained, the size of the disk');
      await agent.volumes.discardBuild(buildId);
      await agent.volumes.discardBuild(buildId);
      await assert.rejects(agent.volumes.openBuild(buildId), FileMissingError);
      await assert.rejects(agent.volumes.buildImage(fresh().id, POOL, buildId, () => undefined), VolumeNotFoundError);
    });

    test('resetSystemDisk puts a new linked clone in place of the system disk; compactDisk keeps size and backing image', async () => {
      const g = fresh();
      await agent.volumes.ensureArtifact(image.ref, image.source);
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'blank', sizeBytes: 64 * MiB }, data: [{ sizeBytes: 32 * MiB }] });
      await agent.volumes.resetSystemDisk(g.id, POOL, image.ref, 96 * MiB);
      const system = await agent.volumes.inspectDisk(g.id, POOL, 'system');
      assert.deepEqual([system.virtualSizeBytes, system.backingFile], [96 * MiB, image.ref.fileName]);
      assert.equal((await agent.volumes.inspectDisk(g.id, POOL, 'data-0')).virtualSizeBytes, 32 * MiB, 'the data disk stays');
      const progress: number[] = [];
      const sizes = await agent.volumes.compactDisk(g.id, POOL, 'system', (f) => progress.push(f));
      assert.ok(sizes.afterBytes > 0 && sizes.afterBytes <= sizes.beforeBytes, JSON.stringify(sizes));
      assert.equal(progress.at(-1), 1);
      const after = await agent.volumes.inspectDisk(g.id, POOL, 'system');
      assert.deepEqual([after.virtualSizeBytes, after.backingFile], [96 * MiB, image.ref.fileName]);
      await assert.rejects(agent.volumes.compactDisk(g.id, POOL, 'data-5', () => undefined), VolumeNotFoundError);
      const gone = { ...image.ref, fileName: 'img_notonhost0.qcow2' };
      await assert.rejects(agent.volumes.resetSystemDisk(g.id, POOL, gone, 96 * MiB), ArtifactMissingError);
      assert.equal((await agent.volumes.inspectDisk(g.id, POOL, 'system')).backingFile, image.ref.fileName, 'a refused reset keeps the disk');
      await agent.volumes.deleteInstance(g.id, POOL);
    });

    test('cloneDisks copies each current file into the new instance, a linked clone keeping its image; a missing file leaves nothing', async () => {
      const src = fresh();
      const dst = fresh();
      await agent.volumes.ensureArtifact(image.ref, image.source);
      await agent.volumes.createInstanceDisks(src.id, POOL, { system: { source: 'linked', image: image.ref, sizeBytes: 64 * MiB }, data: [{ sizeBytes: 32 * MiB }] });
      await agent.volumes.createOverlay(src.id, POOL, 'system.snp_a.qcow2', 'system.qcow2');
      const progress: number[] = [];
      const disks = [{ volume: 'system' as const, file: 'system.snp_a.qcow2' }, { volume: 'data-0' as const, file: 'data-0.qcow2' }];
      await agent.volumes.cloneDisks(src.id, dst.id, POOL, disks, (f) => progress.push(f));
      const system = await agent.volumes.inspectDisk(dst.id, POOL, 'system');
      assert.deepEqual([system.virtualSizeBytes, system.backingFile], [64 * MiB, image.ref.fileName], 'the overlay chain is flattened, the image kept');
      const data = await agent.volumes.inspectDisk(dst.id, POOL, 'data-0');
      assert.deepEqual([data.virtualSizeBytes, data.backingFile], [32 * MiB, undefined]);
      assert.equal(progress.at(-1), 1);
      const other = fresh();
      await assert.rejects(agent.volumes.cloneDisks(src.id, other.id, POOL, [{ volume: 'system', file: 'system.qcow2' }, { volume: 'data-0', file: 'data-9.qcow2' }]), VolumeNotFoundError);
      await assert.rejects(agent.volumes.inspectDisk(other.id, POOL, 'system'), VolumeNotFoundError, 'a failed clone leaves no disk');
      await agent.volumes.deleteInstance(src.id, POOL);
      await agent.volumes.deleteInstance(dst.id, POOL);
    });

    test('the console log is a stream (empty before the guest wrote anything)', async () => {
      const log = await agent.consoles.log(fresh().id, 1024);
      const chunks: Buffer[] = [];
      for await (const c of log) chunks.push(Buffer.from(c as Buffer));
      assert.equal(Buffer.concat(chunks).length, 0);
    });

    test('a seed ISO is written into the pool and attached as a CD-ROM', { skip: !opts.seeds && 'genisoimage is not installed' }, async () => {
      const g = fresh();
      await agent.volumes.createInstanceDisks(g.id, POOL, { system: { source: 'blank', sizeBytes: 64 * MiB }, data: [] });
      await agent.seeds.write(g.id, POOL, { instanceId: g.id, hostname: 'contract' });
      await agent.seeds.write(g.id, POOL, { instanceId: g.id, hostname: 'contract-again' });
      await agent.domains.define(guest(g.name, g.id, { seed: { target: 'sdb' } }));
      await agent.domains.undefine(g.name);
    });
  });
}
