/**
 * The HypervisorDriver contract: one node:test suite run against every implementation
 * (fake, libvirt test:///default, libvirt qemu:///system) so the fake stays honest.
 * Test domains carry a unique prefix and are destroyed and undefined in `after`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type ConsoleContract, consoleContractTests } from './driver-contract-console.js';
import type { HypervisorDriver } from './driver.js';
import { DiskChangeRefusedError, DomainNotFoundError, DomainStateError, GuestAgentUnavailableError, ResourceChangeRefusedError } from './errors.js';
import type { DomainLifecycleEvent, DomainSpec, DomainStats } from './types.js';

/** How to run the contract against one implementation. */
export interface DriverContractOptions {
  /** Suite title, e.g. "fake" or "libvirt qemu:///system". */
  name: string;
  /** Opens a fresh driver. */
  open: () => Promise<HypervisorDriver>;
  /** A valid spec for a domain of the given name and uuid (the harness supplies disk files). */
  makeSpec: (name: string, uuid: string) => DomainSpec;
  /** An existing ISO (any readable file) to insert into CD-ROM drives. */
  mediaPath: string;
  /** Whether changeCdrom works (libvirt's test driver does not implement it). */
  supportsCdrom: boolean;
  /** Whether a running domain has a VNC port (not in libvirt's test driver). */
  supportsVnc: boolean;
  /** Whether virtual networks may be started (not on the system daemon in the root namespace: a bridge and firewall rules would appear there). */
  networksStart: boolean;
  /** Whether an ACPI shutdown stops the domain at once (no guest OS under qemu: it does not). */
  shutdownStops: boolean;
  /** Whether a running guest without an agent says so (libvirt's test driver invents addresses for every NIC instead). */
  agentAbsenceReported: boolean;
  /**
   * Whether the running domain's memory reads back as the balloon target at once. libvirt's
   * QEMU driver reports what the guest's balloon driver gave back: a guest without an OS keeps it all.
   */
  liveMemoryFollows: boolean;
  /**
   * Disks after define: `extraDisk` gives a file to attach (a real qcow2 where QEMU opens it);
   * `liveDetach` says whether a running domain lets go of a hot-unplugged disk (a guest without an
   * OS never does: the detach is then refused and nothing changes); `blockResize` whether the driver
   * implements online resizing. A string skips the test with that reason.
   */
  disks: { extraDisk: (name: string, n: number) => string; liveDetach: boolean; blockResize: boolean } | string;
  /**
   * Snapshots and block jobs: `overlay` makes a qcow2 file on `backingPath` (a real one where QEMU
   * opens it); `chainOf` reads a file's backing chain below it (paths), to see what a block job did,
   * or undefined where there are no real files. A string skips the test with that reason.
   */
  snapshots?: { overlay: (name: string, n: number, backingPath: string) => string; chainOf?: (path: string) => string[] } | string;
  /** How the serial console test runs (echo, a real guest's shell, or skipped). */
  console: ConsoleContract;
  /** How long to wait for a lifecycle event. */
  eventTimeoutMs?: number;
  /** Set to skip the whole suite, with the reason. */
  skip?: string;
  /** Set to skip the QoS test, with the reason (libvirt's test driver has no block I/O or interface tuning). */
  qosSkip?: string;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Registers the contract tests for one driver implementation. */
export function describeHypervisorDriverContract(opts: DriverContractOptions): void {
  describe(`HypervisorDriver contract: ${opts.name}`, { skip: opts.skip }, () => {
    const prefix = `obtest-${process.pid}-${Math.random().toString(36).slice(2, 6)}-`;
    const timeout = opts.eventTimeoutMs ?? 5000;
    let drv: HypervisorDriver;
    const events: DomainLifecycleEvent[] = [];
    let unsubscribe: () => void = () => {};
    let counter = 0;
    const fresh = (): DomainSpec => opts.makeSpec(`${prefix}${++counter}`, randomUUID());
    const sawEvent = (name: string, event: string) => until(() => events.some((e) => e.name === name && e.event === event), timeout, `event '${event}' of ${name}`);

    before(async () => {
      drv = await opts.open();
      unsubscribe = drv.onLifecycle((e) => events.push(e));
    });

    // Runs however the tests ended; a connection that died meanwhile (a failed test may have
    // left it so) is replaced by a fresh one, so no test domain outlives the suite.
    after(async () => {
      if (!drv) return;
      unsubscribe();
      try {
        await removeDomains(drv, prefix);
      } catch {
        const again = await opts.open();
        try {
          await removeDomains(again, prefix);
        } finally {
          await again.close();
        }
      } finally {
        await drv.close().catch(() => undefined);
      }
    });

    test('hostInfo reports the host', async () => {
      const info = await drv.hostInfo();
      assert.ok(info.hostname.length > 0);
      assert.ok(info.cpus > 0 && info.memoryMiB > 0);
      assert.match(info.libvirtVersion, /^\d+\.\d+\.\d+$/);
      assert.match(info.hypervisorVersion, /^\d+\.\d+\.\d+$/);
    });

    test('a missing domain: find returns undefined, operations throw DomainNotFoundError naming it', async () => {
      const name = `${prefix}missing`;
      assert.equal(await drv.findDomain(name), undefined);
      const ops = [() => drv.start(name), () => drv.destroy(name), () => drv.undefineDomain(name), () => drv.suspend(name), () => drv.openVnc(name), () => drv.openConsole(name), () => drv.domainStats(name)];
      for (const op of ops) {
        await assert.rejects(op(), (e: unknown) => e instanceof DomainNotFoundError && e.domainName === name);
      }
    });

    test('autostart: off by default, set and cleared, kept across a redefine', async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      assert.equal(await drv.getAutostart(spec.name), false);
      await drv.setAutostart(spec.name, true);
      assert.equal(await drv.getAutostart(spec.name), true);
      await drv.defineDomain(spec);
      assert.equal(await drv.getAutostart(spec.name), true);
      await drv.setAutostart(spec.name, false);
      assert.equal(await drv.getAutostart(spec.name), false);
      await drv.undefineDomain(spec.name);
      await assert.rejects(drv.setAutostart(spec.name, true), DomainNotFoundError);
    });

    test('define, redefine, list, undefine', async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await drv.defineDomain(spec);
      const found = await drv.findDomain(spec.name);
      assert.deepEqual({ ...found, reason: 0 }, { name: spec.name, uuid: spec.uuid.toLowerCase(), state: 'shutoff', reason: 0 });
      assert.ok((await drv.listDomains()).some((d) => d.name === spec.name));
      await sawEvent(spec.name, 'defined');
      await drv.undefineDomain(spec.name);
      assert.equal(await drv.findDomain(spec.name), undefined);
      await sawEvent(spec.name, 'undefined');
    });

    test('virtual networks: define, reservations replaced exactly, start (where allowed), remove', async () => {
      const name = `${prefix}net`;
      const bridge = `obt${process.pid % 100000}${counter++}`.slice(0, 15);
      const spec = { name, bridge, gateway: '10.251.7.1', prefix: 24, dhcp: { kind: 'reserved' as const }, hosts: [{ mac: '52:54:00:00:07:01', ip: '10.251.7.10', name: 'a' }] };
      try {
        await drv.networks.define(spec);
        assert.deepEqual(await drv.networks.find(name), { name, active: false, bridge });
        const next = [{ mac: '52:54:00:00:07:02', ip: '10.251.7.11' }, { mac: '52:54:00:00:07:01', ip: '10.251.7.12', name: 'a' }];
        await drv.networks.setHosts(name, next);
        const byMac = (hosts: { mac: string }[]) => [...hosts].sort((x, y) => x.mac.localeCompare(y.mac));
        assert.deepEqual(byMac(await drv.networks.hosts(name)), byMac(next));
        if (opts.networksStart) {
          await drv.networks.start(name);
          await drv.networks.start(name);
          assert.equal((await drv.networks.find(name))?.active, true);
          await drv.networks.setHosts(name, [next[0]]);
          assert.deepEqual(await drv.networks.hosts(name), [next[0]], 'changed live');
          assert.equal((await drv.networks.find(name))?.active, true, 'without a restart');
        }
      } finally {
        await drv.networks.remove(name);
      }
      assert.equal(await drv.networks.find(name), undefined);
      await drv.networks.remove(name);
    });

    test('the onebox metadata names the instance and its owning installation', async () => {
      const owned = { ...fresh(), owner: 'obx_contract0000' };
      await drv.defineDomain(owned);
      assert.deepEqual(await drv.domainOwner(owned.name), { instanceId: owned.instanceId, owner: 'obx_contract0000' });
      const legacy = fresh();
      await drv.defineDomain(legacy);
      assert.deepEqual(await drv.domainOwner(legacy.name), { instanceId: legacy.instanceId }, 'a domain from before owners were recorded');
      await drv.undefineDomain(owned.name);
      await drv.undefineDomain(legacy.name);
      await assert.rejects(drv.domainOwner(owned.name), DomainNotFoundError);
    });

    test('lifecycle: start, suspend, resume, reset, reboot, destroy with events and state errors', async () => {
      const spec = fresh();
      const state = async () => (await drv.findDomain(spec.name))?.state;
      await drv.defineDomain(spec);
      await assert.rejects(drv.destroy(spec.name), DomainStateError);
      await drv.start(spec.name);
      assert.equal(await state(), 'running');
      await sawEvent(spec.name, 'started');
      await assert.rejects(drv.start(spec.name), DomainStateError);
      await assert.rejects(drv.undefineDomain(spec.name), DomainStateError);
      await drv.suspend(spec.name);
      assert.equal(await state(), 'paused');
      await sawEvent(spec.name, 'suspended');
      await drv.resume(spec.name);
      assert.equal(await state(), 'running');
      await sawEvent(spec.name, 'resumed');
      await drv.reset(spec.name);
      await drv.reboot(spec.name);
      assert.equal(await state(), 'running');
      await drv.destroy(spec.name);
      assert.equal(await state(), 'shutoff');
      await sawEvent(spec.name, 'stopped');
      await assert.rejects(drv.suspend(spec.name), DomainStateError);
      await drv.undefineDomain(spec.name);
    });

    test('shutdown goes through ACPI and fails on a stopped domain', async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await assert.rejects(drv.shutdown(spec.name), DomainStateError);
      await drv.start(spec.name);
      await drv.shutdown(spec.name);
      if (opts.shutdownStops) {
        assert.equal((await drv.findDomain(spec.name))?.state, 'shutoff');
      } else {
        await drv.destroy(spec.name);
      }
      await drv.undefineDomain(spec.name);
    });

    test('vCPUs and memory: in the definition when stopped, live up to the maximums while running, refusals change nothing', async () => {
      const spec: DomainSpec = { ...fresh(), vcpus: 1, maxVcpus: 2, memoryMiB: 64, maxMemoryMiB: 128 };
      const { name } = spec;
      await drv.defineDomain(spec);
      assert.deepEqual(await drv.domainResources(name, 'config'), { vcpus: 1, maxVcpus: 2, memoryMiB: 64, maxMemoryMiB: 128 });
      // Stopped: the definition changes; live changes are a state error; above the maximum is refused.
      await drv.setResources(name, { vcpus: 2, memoryMiB: 96 }, { live: false, config: true });
      assert.deepEqual(await drv.domainResources(name, 'config'), { vcpus: 2, maxVcpus: 2, memoryMiB: 96, maxMemoryMiB: 128 });
      assert.deepEqual(await drv.domainResources(name, 'live'), { vcpus: 2, maxVcpus: 2, memoryMiB: 96, maxMemoryMiB: 128 }, 'a stopped domain is its definition');
      await assert.rejects(drv.setResources(name, { vcpus: 1 }, { live: true, config: false }), DomainStateError);
      await assert.rejects(drv.setResources(name, { vcpus: 3 }, { live: false, config: true }), ResourceChangeRefusedError);
      await assert.rejects(drv.setResources(name, { memoryMiB: 129 }, { live: false, config: true }), ResourceChangeRefusedError);
      assert.deepEqual(await drv.domainResources(name, 'config'), { vcpus: 2, maxVcpus: 2, memoryMiB: 96, maxMemoryMiB: 128 });
      await drv.setResources(name, { vcpus: 1, memoryMiB: 64 }, { live: false, config: true });
      // Running: a vCPU is plugged in live; the definition keeps its own value.
      await drv.start(name);
      assert.equal((await drv.domainResources(name, 'live')).vcpus, 1);
      await drv.setResources(name, { vcpus: 2 }, { live: true, config: false });
      assert.equal((await drv.domainResources(name, 'live')).vcpus, 2);
      assert.equal((await drv.domainStats(name)).vcpus, 2);
      assert.equal((await drv.domainResources(name, 'config')).vcpus, 1, 'a live-only change leaves the definition');
      await assert.rejects(drv.setResources(name, { vcpus: 3 }, { live: true, config: false }), ResourceChangeRefusedError);
      await assert.rejects(drv.setResources(name, { memoryMiB: 256 }, { live: true, config: false }), ResourceChangeRefusedError);
      assert.equal((await drv.domainResources(name, 'live')).vcpus, 2, 'a refused change leaves the running domain as it was');
      // Memory through the balloon, live and in the definition at once.
      await drv.setResources(name, { memoryMiB: 100 }, { live: true, config: true });
      assert.equal((await drv.domainResources(name, 'config')).memoryMiB, 100);
      const live = await drv.domainResources(name, 'live');
      assert.equal(live.maxMemoryMiB, 128);
      if (opts.liveMemoryFollows) assert.equal(live.memoryMiB, 100);
      else assert.ok(live.memoryMiB >= 100 && live.memoryMiB <= 128, `a guest without a balloon driver keeps between the target and the maximum: ${live.memoryMiB}`);
      await drv.destroy(name);
      assert.deepEqual(await drv.domainResources(name, 'live'), { vcpus: 1, maxVcpus: 2, memoryMiB: 100, maxMemoryMiB: 128 }, 'stopped again: the definition');
      await drv.undefineDomain(name);
      await assert.rejects(drv.setResources(name, { vcpus: 1 }, { live: false, config: true }), DomainNotFoundError);
      await assert.rejects(drv.domainResources(name, 'config'), DomainNotFoundError);
    });

    test('QoS: in the definition when stopped, live while running (the definition keeps its own), lifted when left out', { skip: opts.qosSkip }, async () => {
      const limits = { cpuShares: 2048, disk: { readBytesSec: 4194304, writeBytesSec: 2097152, readIops: 300, writeIops: 100 }, net: { inKiBps: 800, outKiBps: 400 } };
      const spec: DomainSpec = { ...fresh(), qos: { cpuShares: 512, disk: { writeBytesSec: 1048576 } } };
      const { name } = spec;
      // Network limits live on NICs: a domain without one keeps none (the harness may give none).
      const held = spec.nics.length ? limits : { cpuShares: limits.cpuShares, disk: limits.disk };
      await drv.defineDomain(spec);
      assert.deepEqual(await drv.domainQos(name, 'config'), { cpuShares: 512, disk: { writeBytesSec: 1048576 } }, 'the definition holds the spec\'s QoS');
      await assert.rejects(drv.setQos(name, limits, { live: true, config: false }), DomainStateError);
      await drv.setQos(name, limits, { live: false, config: true });
      assert.deepEqual(await drv.domainQos(name, 'config'), held);
      await drv.start(name);
      assert.deepEqual(await drv.domainQos(name, 'live'), held, 'the running domain starts with its definition\'s QoS');
      await drv.setQos(name, { disk: { writeBytesSec: 1048576 } }, { live: true, config: false });
      assert.deepEqual(await drv.domainQos(name, 'live'), { disk: { writeBytesSec: 1048576 } }, 'live: the weight back to the default, other limits lifted');
      assert.deepEqual(await drv.domainQos(name, 'config'), held, 'a live-only change leaves the definition');
      await drv.setQos(name, {}, { live: true, config: true });
      assert.deepEqual(await drv.domainQos(name, 'live'), {});
      assert.deepEqual(await drv.domainQos(name, 'config'), {});
      await drv.destroy(name);
      await drv.undefineDomain(name);
      await assert.rejects(drv.setQos(name, {}, { live: false, config: true }), DomainNotFoundError);
    });

    test('disks: added to and removed from the definition when stopped, hot-plugged when running, grown online; refusals change nothing', { skip: typeof opts.disks === 'string' && opts.disks }, async () => {
      if (typeof opts.disks === 'string') return;
      const { extraDisk, liveDetach, blockResize } = opts.disks;
      const spec = fresh();
      const { name } = spec;
      const targets = async (which: 'live' | 'config') => (await drv.domainDisks(name, which)).map((d) => d.target);
      await drv.defineDomain(spec);
      assert.deepEqual(await targets('config'), ['vda']);
      const vdb = { path: extraDisk(name, 1), format: 'qcow2' as const, target: 'vdb' };
      await assert.rejects(drv.attachDisk(name, vdb, { live: true, config: true }), DomainStateError);
      await drv.attachDisk(name, vdb, { live: false, config: true });
      assert.deepEqual(await drv.domainDisks(name, 'config'), [{ target: 'vda', path: spec.disks[0].path }, { target: 'vdb', path: vdb.path }]);
      await assert.rejects(drv.attachDisk(name, vdb, { live: false, config: true }), DiskChangeRefusedError, 'a target already used');
      await assert.rejects(drv.blockResize(name, 'vda', 128 * 1024 ** 2), DomainStateError);
      await drv.detachDisk(name, 'vdb', { live: false, config: true });
      assert.deepEqual(await targets('config'), ['vda']);
      await assert.rejects(drv.detachDisk(name, 'vdb', { live: false, config: true }), DiskChangeRefusedError, 'a disk that is not there');
      await drv.start(name);
      const vdc = { path: extraDisk(name, 2), format: 'qcow2' as const, target: 'vdc' };
      await drv.attachDisk(name, vdc, { live: true, config: true });
      assert.deepEqual(await targets('live'), ['vda', 'vdc']);
      assert.deepEqual(await targets('config'), ['vda', 'vdc']);
      if (blockResize) await drv.blockResize(name, 'vdc', 128 * 1024 ** 2);
      await assert.rejects(drv.blockResize(name, 'vdx', 128 * 1024 ** 2), DiskChangeRefusedError);
      if (liveDetach) {
        await drv.detachDisk(name, 'vdc', { live: true, config: true });
        assert.deepEqual(await targets('live'), ['vda']);
        assert.deepEqual(await targets('config'), ['vda']);
      } else {
        await assert.rejects(drv.detachDisk(name, 'vdc', { live: true, config: true }), DiskChangeRefusedError);
        assert.deepEqual(await targets('config'), ['vda', 'vdc'], 'a refused unplug leaves the definition');
      }
      await drv.destroy(name);
      await drv.undefineDomain(name);
      await assert.rejects(drv.domainDisks(name, 'config'), DomainNotFoundError);
    });

    test('snapshots: a running domain switches disks to overlays at once; a quiesce without a guest agent is refused; block commit, block pull and active commit merge the chain', { skip: (typeof opts.snapshots === 'string' && opts.snapshots) || (opts.snapshots === undefined && 'not configured') }, async () => {
      if (typeof opts.snapshots !== 'object') return;
      const { overlay, chainOf } = opts.snapshots;
      const spec = fresh();
      const { name } = spec;
      const base = spec.disks[0].path;
      const livePath = async () => (await drv.domainDisks(name, 'live'))[0].path;
      await drv.defineDomain(spec);
      const o1 = overlay(name, 1, base);
      await assert.rejects(drv.snapshotDisks(name, [{ target: 'vda', path: o1 }], false), DomainStateError, 'stopped: refused');
      assert.equal(await drv.guestAgentConnected(name), false, 'stopped: no agent channel');
      await drv.start(name);
      assert.equal(await drv.guestAgentConnected(name), false, 'running, no agent in the guest: the channel is not connected');
      await assert.rejects(drv.snapshotDisks(name, [{ target: 'vda', path: o1 }], true), DiskChangeRefusedError, 'no guest agent to freeze the filesystems');
      assert.equal(await livePath(), base, 'a refused snapshot changes nothing');
      await drv.snapshotDisks(name, [{ target: 'vda', path: o1 }], false);
      assert.equal(await livePath(), o1);
      assert.equal((await drv.domainDisks(name, 'config'))[0].path, o1, 'the definition follows: a later boot (autostart) runs on the overlay, never on the frozen file');
      const o2 = overlay(name, 2, o1);
      await drv.snapshotDisks(name, [{ target: 'vda', path: o2 }], false);
      assert.equal(await livePath(), o2);
      if (chainOf) assert.deepEqual(chainOf(o2), [o1, base]);
      await assert.rejects(drv.blockCommit(name, 'vda', o2, o1), DiskChangeRefusedError, 'the active file is not committed by an intermediate commit');
      let seen = 0;
      await drv.blockCommit(name, 'vda', o1, base, (f) => (seen = f));
      assert.equal(await livePath(), o2);
      if (chainOf) assert.deepEqual(chainOf(o2), [base], 'o1 is out of the chain');
      assert.ok(seen >= 0 && seen <= 1);
      await drv.blockPull(name, 'vda', undefined);
      assert.equal(await livePath(), o2);
      if (chainOf) assert.deepEqual(chainOf(o2), [], 'everything pulled into the active file');
      await assert.rejects(drv.blockPull(name, 'vdx', undefined), DiskChangeRefusedError);
      const o3 = overlay(name, 3, o2);
      await drv.snapshotDisks(name, [{ target: 'vda', path: o3 }], false);
      assert.equal(await livePath(), o3);
      await drv.commitActive(name, 'vda', o2);
      assert.equal(await livePath(), o2, 'an active commit pivots back onto the base');
      if (chainOf) assert.deepEqual(chainOf(o2), [], 'o3 is out of the chain');
      await assert.rejects(drv.commitActive(name, 'vdx', o2), DiskChangeRefusedError);
      await drv.destroy(name);
      await drv.undefineDomain(name);
    });

    test('an unsubscribed listener hears nothing more', async () => {
      const spec = fresh();
      const mine: DomainLifecycleEvent[] = [];
      const off = drv.onLifecycle((e) => mine.push(e));
      await drv.defineDomain(spec);
      await until(() => mine.some((e) => e.name === spec.name), timeout, 'the defined event');
      off();
      const seen = mine.length;
      await drv.undefineDomain(spec.name);
      await sawEvent(spec.name, 'undefined');
      assert.equal(mine.length, seen);
    });

    test('CD-ROM insert and eject, stopped and running', { skip: !opts.supportsCdrom && 'the driver does not implement device updates' }, async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await drv.changeCdrom(spec.name, spec.cdrom.target, opts.mediaPath);
      await drv.changeCdrom(spec.name, spec.cdrom.target, undefined);
      await drv.start(spec.name);
      await drv.changeCdrom(spec.name, spec.cdrom.target, opts.mediaPath);
      await drv.changeCdrom(spec.name, spec.cdrom.target, undefined);
      await drv.destroy(spec.name);
      await drv.undefineDomain(spec.name);
    });

    test('VNC of a running domain speaks RFB; DomainStateError when stopped', { skip: !opts.supportsVnc && 'the driver has no graphics' }, async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await assert.rejects(drv.openVnc(spec.name), DomainStateError);
      await drv.start(spec.name);
      const vnc = await drv.openVnc(spec.name);
      const banner = await new Promise<string>((resolve, reject) => {
        vnc.once('data', (d: Buffer) => resolve(d.toString('latin1')));
        vnc.once('error', reject);
      });
      vnc.destroy();
      assert.match(banner, /^RFB 003\.00\d\n/);
      await drv.destroy(spec.name);
      await drv.undefineDomain(spec.name);
    });

    test('domainStats: CPU time grows while running, counters are zero when stopped', async () => {
      const spec = fresh();
      const zeros = { cpuTimeNs: 0, diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 };
      const counters = (s: DomainStats) => ({ cpuTimeNs: s.cpuTimeNs, diskReadBytes: s.diskReadBytes, diskWriteBytes: s.diskWriteBytes, netRxBytes: s.netRxBytes, netTxBytes: s.netTxBytes });
      await drv.defineDomain(spec);
      const stopped = await drv.domainStats(spec.name);
      assert.deepEqual(counters(stopped), zeros);
      assert.deepEqual({ vcpus: stopped.vcpus, memoryMiB: stopped.memoryMiB }, { vcpus: spec.vcpus, memoryMiB: spec.memoryMiB });
      await drv.start(spec.name);
      const a = await drv.domainStats(spec.name);
      await new Promise((r) => setTimeout(r, 1000));
      const b = await drv.domainStats(spec.name);
      assert.ok(a.cpuTimeNs > 0, `cpuTimeNs ${a.cpuTimeNs} should be positive while running`);
      assert.ok(b.cpuTimeNs > a.cpuTimeNs, `cpuTimeNs should grow: ${a.cpuTimeNs} then ${b.cpuTimeNs}`);
      assert.ok(b.sampledAt >= a.sampledAt + 900, `samples 1 s apart: ${a.sampledAt} then ${b.sampledAt}`);
      assert.equal(b.vcpus, spec.vcpus);
      await drv.destroy(spec.name);
      assert.deepEqual(counters(await drv.domainStats(spec.name)), zeros);
      await drv.undefineDomain(spec.name);
    });

    test('allDomainStats: one record per running domain, none for a stopped one, counters grow', async () => {
      const running = fresh();
      const stopped = fresh();
      await drv.defineDomain(running);
      await drv.defineDomain(stopped);
      await drv.start(running.name);
      const first = (await drv.allDomainStats()).find((r) => r.name === running.name);
      await new Promise((r) => setTimeout(r, 1000));
      const all = await drv.allDomainStats();
      const second = all.find((r) => r.name === running.name);
      assert.ok(first && second, `a record for ${running.name} in ${JSON.stringify(all.map((r) => r.name))}`);
      assert.equal(all.some((r) => r.name === stopped.name), false, 'no record for the stopped domain');
      assert.equal(second.vcpus, running.vcpus);
      assert.ok(second.cpuTimeNs > first.cpuTimeNs, `cpuTimeNs should grow: ${first.cpuTimeNs} then ${second.cpuTimeNs}`);
      assert.ok(second.memoryMiB > 0 && second.diskReadOps >= 0 && second.diskWriteOps >= 0);
      await drv.destroy(running.name);
      assert.equal((await drv.allDomainStats()).some((r) => r.name === running.name), false);
      await drv.undefineDomain(running.name);
      await drv.undefineDomain(stopped.name);
    });

    test('guest interfaces: DomainStateError when stopped, GuestAgentUnavailableError while no agent answers', async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await assert.rejects(drv.guestInterfaces(spec.name), DomainStateError);
      await drv.start(spec.name);
      if (opts.agentAbsenceReported) await assert.rejects(drv.guestInterfaces(spec.name), GuestAgentUnavailableError);
      await drv.destroy(spec.name);
      await assert.rejects(drv.guestInterfaces(`${prefix}missing`), DomainNotFoundError);
      await drv.undefineDomain(spec.name);
    });

    test('guest system, password and agent shutdown: DomainStateError when stopped, GuestAgentUnavailableError while no agent answers', async () => {
      const spec = fresh();
      await drv.defineDomain(spec);
      await assert.rejects(drv.guestSystemInfo(spec.name), DomainStateError);
      await assert.rejects(drv.setGuestPassword(spec.name, 'root', 'Secret-123'), DomainStateError);
      await assert.rejects(drv.shutdownByAgent(spec.name), DomainStateError);
      await drv.start(spec.name);
      if (opts.agentAbsenceReported) {
        await assert.rejects(drv.guestSystemInfo(spec.name), GuestAgentUnavailableError);
        await assert.rejects(drv.setGuestPassword(spec.name, 'root', 'Secret-123'), GuestAgentUnavailableError);
        await assert.rejects(drv.shutdownByAgent(spec.name), GuestAgentUnavailableError);
        assert.equal((await drv.findDomain(spec.name))?.state, 'running');
      }
      await drv.destroy(spec.name);
      await assert.rejects(drv.guestSystemInfo(`${prefix}missing`), DomainNotFoundError);
      await assert.rejects(drv.setGuestPassword(`${prefix}missing`, 'root', 'Secret-123'), DomainNotFoundError);
      await drv.undefineDomain(spec.name);
    });

    consoleContractTests(() => drv, fresh, opts.console);
  });
}

/** Destroys and undefines every domain whose name starts with `prefix`; throws when listing fails. */
async function removeDomains(drv: HypervisorDriver, prefix: string): Promise<void> {
  for (const d of await drv.listDomains()) {
    if (!d.name.startsWith(prefix)) continue;
    if (d.state !== 'shutoff') await drv.destroy(d.name).catch(() => undefined);
    await drv.undefineDomain(d.name).catch(() => undefined);
  }
  const left = (await drv.listDomains()).filter((d) => d.name.startsWith(prefix)).map((d) => d.name);
  if (left.length > 0) throw new Error(`test domains still defined after cleanup: ${left.join(', ')}`);
}

/** A small TCG spec for contract tests; the caller supplies an existing disk image path. */
export function contractSpec(name: string, uuid: string, diskPath: string, serialLogPath: string): DomainSpec {
  return {
    name,
    uuid,
    title: `contract ${name}`,
    instanceId: name,
    accel: 'tcg',
    cpu: { kind: 'named', model: 'qemu64' },
    vcpus: 1,
    memoryMiB: 64,
    disks: [{ path: diskPath, format: 'qcow2', target: 'vda', bootOrder: 1 }],
    cdrom: { target: 'sda' },
    nics: [],
    vnc: { listen: '127.0.0.1', password: 'secret12' },
    serialLogPath,
  };
}
