/**
 * Moving an instance to another host of its pool. The target is checked as the scheduler checks
 * a placement (online, enabled, same pool, capacity, networks), and the instance's claim reserved
 * there in the same transaction (migration-reservations.ts) until the move is recorded or given
 * up, so concurrent creates cannot over-book it. The instance is held meanwhile (start, modify,
 * delete: 409 instance_busy) and shows `migrating`. Both kinds take a cancel until the move is
 * recorded (cold: between steps and mid-copy; live: libvirt aborts the job).
 *
 * Stopped (cold): files on a shared pool stay where they are; files of a local pool are copied
 * through the controller into the target's incoming directory (counted, SHA-256 compared),
 * committed there (backing files re-pointed, the image brought over first), the domain defined
 * on the target, the new host recorded; only then is the source's domain undefined and its files
 * deleted. Any failure before the record leaves the instance whole on the source and discards
 * the copy; what a cut-off one left on a target (an incoming directory, committed files, a
 * defined domain) is removed by the next migration there or when that host attaches, never on
 * the host the database places the instance on. Running (live): handed to live-migration.ts.
 */
import type { Readable } from 'node:stream';
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { measuredStream } from '../../lib/measured-stream.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import { hostCandidates, type HostLoad } from '../host-candidates.js';
import type { HostCandidate } from '../scheduler.js';
import type { HostsService } from '../hosts.js';
import type { ImagesService } from '../images.js';
import { liveMigrate } from '../live-migration.js';
import { assertPlaced, copyPlan, isShared, migrationTargets, pickMigrationTarget, type CopyPlan } from '../migration-plan.js';
import type { MigrationTarget } from '../../shared/migration.js';
import type { Operation, OperationContext, OperationsService } from '../operations.js';
import type { PoolsService } from '../pools.js';
import type { StoragePoolsService } from '../storage-pools.js';
import { MigrationReservations } from './migration-reservations.js';
import { missingNetworksByHost } from './placement-networks.js';
import type { InstanceRuntime } from './runtime.js';
import { dataDisksOf, guestDisksOf } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

/** What migrating needs. */
export interface MigrateDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  hosts: HostsService;
  pools: PoolsService;
  storagePools: StoragePoolsService;
  images: ImagesService;
  operations: OperationsService;
  audit: AuditService;
  loadOf?: (hostId: string) => HostLoad | undefined;
}

/** Where to move an instance, and whether it may move running. */
export interface MigrateInput {
  hostId: string;
  live?: boolean;
}

const isLive = (row: Instance) => row.state === 'running' || row.state === 'paused';
const MiB = 1024 ** 2;

/** The refusal of a cold migration that was cancelled before the move was recorded. */
const cancelError = (row: Instance) => new AppError('migration_cancelled', `The migration of instance '${row.name}' was cancelled; it stays stopped on its host.`);

/** Throws migration_cancelled once someone cancelled the migration (or onebox is shutting down). */
function cancelled(signal: AbortSignal, row: Instance): void {
  if (signal.aborted) throw cancelError(row);
}

/** Migrates instances between hosts. */
export class InstanceMigrator {
  private readonly reservations: MigrationReservations;

  constructor(private readonly deps: MigrateDeps) {
    this.reservations = new MigrationReservations(deps.db);
  }

  /** Checks and holds the instance, then moves it in an operation (202) that takes a cancel. */
  async migrate(idOrName: string, input: MigrateInput, actor: Actor, opts: { parentId?: string } = {}): Promise<Operation> {
    const { row, work } = await this.prepare(idOrName, input, actor);
    return this.deps.operations.start('instance.migrate', { type: 'instance', id: row.id }, actor, work, { ...opts, cancellable: true });
  }

  /** Start-up: drops the target reservations of migrations the last shutdown cut off (their operations are marked failed). Returns how many. */
  releaseInterrupted(): number {
    return this.reservations.releaseAll();
  }

  /**
   * The checks a migration passes before it starts (each a 4xx with its code), under the
   * instance's lock, the last of them reserving the target; then the instance is held and
   * `migrating` until the returned work ends, which releases what it did not use.
   */
  async prepare(idOrName: string, input: MigrateInput, actor: Actor): Promise<{ row: Instance; live: boolean; work: (ctx: OperationContext) => Promise<void> }> {
    const { store, hosts } = this.deps;
    const id = store.get(idOrName).id;
    const target = hosts.get(input.hostId);
    return store.withLock(id, async () => {
      const stored = store.get(id);
      if (stored.errorCode && STICKY_ERRORS.has(stored.errorCode)) throw new AppError('instance_needs_repair', `Cannot migrate instance '${stored.name}': ${stored.stateReason}`);
      if (target.id === stored.hostId) throw new AppError('migration_same_host', `Instance '${stored.name}' is already on host '${target.name}'; choose another host of its pool.`);
      const row = await this.deps.runtime.refreshState(stored);
      const live = isLive(row);
      if (live && input.live !== true)
        throw new AppError('instance_must_be_stopped', `Instance '${row.name}' is ${row.state}; stop it first to migrate it stopped, or move it running with live migration ("live": true).`);
      if (!live && row.state !== 'stopped') throw new AppError('invalid_instance_state', `Cannot migrate instance '${row.name}' while it is ${row.state} (only when stopped, or running with live migration).`);
      await this.reserveTarget(row, target.id);
      let release: () => void;
      try {
        release = store.hold(row.id, 'being migrated');
        store.setState(row.id, 'migrating', `to host ${target.name}`);
        this.deps.audit.record(actor, live ? 'migrate_live' : 'migrate', 'instance', row.id, `${row.name} to host ${target.name}`);
      } catch (err) {
        this.reservations.release(row.id); // no work will run to release it
        throw err;
      }
      const work = async (ctx: OperationContext) => {
        try {
          if (live) await this.moveLive(row, target.id, ctx);
          else await this.moveCold(row, target.id, ctx);
        } finally {
          // Moved: the reservation went with the record. Failed or cancelled: the target's room is free again.
          this.reservations.release(row.id);
          release();
          // Where it ended (target or source), the hypervisor says what it is now.
          const now = store.find(row.id);
          if (now?.state === 'migrating') await this.deps.runtime.refreshState(store.setState(row.id, row.state)).catch(() => undefined);
        }
      };
      return { row, live, work };
    });
  }

  /**
   * A host attached: what a migration cut off before recording the move left there for an
   * instance recorded on another host (its real files are on that host) — a domain defined but
   * not running, undefined; files committed into a local pool, deleted. Instances migrating right
   * now, and any with a running domain here, are left alone. Returns the instance ids.
   */
  async sweepLeftovers(hostId: string): Promise<string[]> {
    const agent = this.deps.runtime.deps.agents.find(hostId);
    if (!agent) return [];
    const swept: string[] = [];
    for (const { id } of this.deps.store.list().filter((r) => r.hostId !== hostId)) {
      if (await this.sweepOne(id, hostId, agent)) swept.push(id);
    }
    return swept;
  }

  /**
   * One instance of {@link sweepLeftovers}, under its lock and on its row read again there: a
   * migration to this host may have started since the list (held: busy, skipped) or ended with
   * the instance recorded here; either way its fresh copy on this host is not a leftover.
   */
  private async sweepOne(id: string, hostId: string, agent: HostAgent): Promise<boolean> {
    const { store } = this.deps;
    try {
      return await store.withLock(id, async () => {
        const row = store.find(id);
        if (!row || row.hostId === hostId || row.state === 'migrating') return false;
        const domain = await agent.domains.find(row.domainName).catch(() => undefined);
        if (domain && domain.state !== 'shutoff') return false;
        if (domain) {
          log.warn('removing the domain a cut-off migration left on a host', { host: hostId, instance: row.id });
          await agent.domains.undefine(row.domainName);
        }
        const copy = !isShared(this.deps.runtime.poolOf(row)) && (await this.removeStaleCopy(row, hostId, agent));
        return Boolean(domain) || copy;
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'instance_busy') return false; // a long task holds it (a migration): the next attach looks again
      throw err;
    }
  }

  /**
   * Deletes the files of `row` in its local pool on `hostId`, a host it does not live on: what a
   * migration cut off after its commit there (or mid-copy) left. Refuses the instance's own host.
   * Returns whether committed files were there.
   */
  private async removeStaleCopy(row: Instance, hostId: string, agent: HostAgent): Promise<boolean> {
    if (hostId === this.deps.store.get(row.id).hostId) throw new Error(`refusing to delete the files of instance ${row.id} on the host it lives on`);
    const pool = this.deps.runtime.poolOf(row);
    await callAgent(row.name, () => agent.volumes.discardInstanceFiles(row.id, pool));
    const files = await callAgent(row.name, () => agent.volumes.listInstanceFiles(row.id, pool));
    if (files.length === 0) return false;
    log.warn('deleting the copy a cut-off migration committed on a host the instance does not live on', { host: hostId, instance: row.id, files: files.map((f) => f.file) });
    await callAgent(row.name, () => agent.volumes.deleteInstance(row.id, pool));
    return true;
  }

  /** The best host of the instance's pool other than its own (evacuate without a target); the refusals host by host when none fits. */
  async chooseTarget(row: Instance): Promise<string> {
    return this.checkTarget(row, undefined);
  }

  /** Every host of the instance's pool with whether it may take the instance now and why not (what the Migrate dialog shows before anyone submits). */
  async targets(idOrName: string): Promise<MigrationTarget[]> {
    const row = this.deps.store.get(idOrName);
    const others = this.deps.hosts.list().filter((h) => h.poolId === row.poolId && h.id !== row.hostId).map((h) => h.id);
    return migrationTargets((await this.readCandidates(row, others))(), this.request(row), row.hostId);
  }

  /** Reads the candidates as the scheduler does and checks `targetHostId` (or picks one); throws migration_target_unfit (a named target) or no_host_available with each host's reasons. */
  private async checkTarget(row: Instance, targetHostId: string | undefined): Promise<string> {
    const { hosts } = this.deps;
    const poolHosts = hosts.list().filter((h) => h.poolId === row.poolId && h.id !== row.hostId).map((h) => h.id);
    const asked = targetHostId ? poolHosts.filter((h) => h === targetHostId) : poolHosts;
    const read = await this.readCandidates(row, asked);
    return this.fitOrThrow(row, read(), targetHostId);
  }

  /** Checks `targetHostId` as {@link checkTarget} does and reserves the instance's claim there in the same transaction: no create can take that room meanwhile. */
  private async reserveTarget(row: Instance, targetHostId: string): Promise<void> {
    const read = await this.readCandidates(row, [targetHostId]);
    this.deps.db.transaction(() => {
      this.reservations.reserve(row, this.fitOrThrow(row, read(), targetHostId));
    });
  }

  private fitOrThrow(row: Instance, candidates: HostCandidate[], targetHostId: string | undefined): string {
    const placement = pickMigrationTarget(candidates, this.request(row), row.hostId, targetHostId);
    return assertPlaced(placement, `instance '${row.name}' (${row.cores} cores, ${row.memoryMiB} MiB)`, this.deps.pools.get(row.poolId).name, targetHostId && this.deps.hosts.get(targetHostId).name);
  }

  /** The pool's hosts as the scheduler sees them: the storage and networks of the `fresh` ones read from the hosts now, then a reader of the claims to call inside the checking transaction. */
  private async readCandidates(row: Instance, fresh: string[]): Promise<() => HostCandidate[]> {
    const { hosts, db } = this.deps;
    const storage = this.deps.storagePools.specOf(row.storagePoolId);
    await hosts.refreshStorage(fresh, storage);
    const missingNetworks = await missingNetworksByHost(this.deps.runtime.deps.networks, hosts, fresh, this.deps.runtime.deps.nics.list(row.id).map((n) => n.networkId));
    return () => hostCandidates(db, hosts, storage.id, { poolId: row.poolId, loadOf: this.deps.loadOf, missingNetworks });
  }

  /** The instance's needs as a placement request; disks on a shared pool are already there and need no new space. */
  private request(row: Instance) {
    const pool = this.deps.pools.get(row.poolId);
    const shared = isShared(this.deps.storagePools.specOf(row.storagePoolId));
    const diskBytes = shared ? 0 : row.diskSizeBytes + dataDisksOf(row).reduce((n, d) => n + d.sizeBytes, 0);
    return { poolId: pool.id, cores: row.cores, memoryMiB: row.memoryMiB, diskBytes, cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit, diskOvercommit: pool.diskOvercommit, cpuLoadCeiling: pool.cpuLoadCeiling };
  }

  private targetAgent(row: Instance, targetHostId: string): HostAgent {
    const agent = this.deps.runtime.deps.agents.find(targetHostId);
    if (!agent || !agent.host.isOnline()) throw new AppError('host_offline', `The target host of instance '${row.name}' went offline; the instance stays where it was.`);
    return agent;
  }

  private async moveLive(row: Instance, targetHostId: string, ctx: OperationContext): Promise<void> {
    const source = this.deps.runtime.agentFor(row);
    const target = this.targetAgent(row, targetHostId);
    const { runtime, hosts } = this.deps;
    await liveMigrate({
      instance: row, pool: runtime.poolOf(row), disks: guestDisksOf(row), seed: runtime.seedOf(row),
      source: { hostId: row.hostId, agent: source }, target: { hostId: targetHostId, agent: target, address: hosts.get(targetHostId).address }, signal: ctx.signal,
      progress: (copied, total, message) => ctx.progress(total > 0 ? copied / total : 0, message),
    });
    // The guest runs on the target now: recorded there in place of the reservation, which kept the room since the check.
    this.reservations.recordMove(row.id, targetHostId);
    ctx.progress(1, isShared(runtime.poolOf(row)) ? 'Moved while running; its disks on shared storage stayed in place, only its memory was sent.' : 'Moved while running; its local disks were copied by block migration.');
  }

  private async moveCold(row: Instance, targetHostId: string, ctx: OperationContext): Promise<void> {
    const { runtime } = this.deps;
    const source = runtime.agentFor(row);
    const target = this.targetAgent(row, targetHostId);
    const pool = runtime.poolOf(row);
    const image = row.imageId ? this.deps.images.find(row.imageId) : undefined;
    const artifact = image && this.deps.images.artifact(image);
    ctx.progress(0, 'Listing the disk files');
    const files = isShared(pool) ? [] : await callAgent(row.name, () => source.volumes.listInstanceFiles(row.id, pool));
    const plan = copyPlan(row.name, pool, files, artifact?.ref);
    const done = { committed: false, defined: false };
    try {
      if (plan.copies) {
        await this.removeStaleCopy(row, targetHostId, target); // what a cut-off attempt left, committed or not
        if (plan.image && artifact) {
          cancelled(ctx.signal, row);
          ctx.progress(0, `Copying image '${image?.name}' to the target host`);
          await callAgent(row.name, () => target.volumes.ensureArtifact(artifact.ref, artifact.source));
        }
        await this.copyFiles(row, source, target, plan, ctx);
        cancelled(ctx.signal, row);
        ctx.progress(0.97, 'Finishing the copy on the target host');
        await callAgent(row.name, () => target.volumes.commitInstanceFiles(row.id, pool, plan.commit));
        done.committed = true;
      }
      cancelled(ctx.signal, row);
      ctx.progress(0.98, 'Defining the virtual machine on the target host');
      await runtime.syncNetworks(row.name, runtime.deps.nics.list(row.id).map((n) => n.networkId));
      await runtime.define(target, { ...row, hostId: targetHostId });
      done.defined = true;
      cancelled(ctx.signal, row); // the last point at which the instance stays where it was
      // The reservation held the room since the check: the record replaces it without checking again.
      this.reservations.recordMove(row.id, targetHostId);
    } catch (err) {
      await this.undoTarget(row, target, plan, done);
      throw err;
    }
    ctx.progress(0.99, 'Removing the instance from the source host');
    await this.cleanSource(row, source, plan);
    ctx.progress(1, plan.copies ? `Moved with ${(plan.totalBytes / MiB).toFixed(1)} MiB of disk files copied.` : 'Moved; its disks on shared storage were re-attached.');
  }

  /** Streams each file source → target, counting and hashing what was sent; the target's size and SHA-256 must match. A cancel cuts the stream (migration_cancelled). */
  private async copyFiles(row: Instance, source: HostAgent, target: HostAgent, plan: CopyPlan, ctx: OperationContext): Promise<void> {
    const pool = this.deps.runtime.poolOf(row);
    let copied = 0;
    const report = () => ctx.progress(plan.totalBytes > 0 ? (copied / plan.totalBytes) * 0.95 : 0.95, `Copied ${(copied / MiB).toFixed(1)} of ${(plan.totalBytes / MiB).toFixed(1)} MiB`);
    for (const file of plan.files) {
      cancelled(ctx.signal, row);
      const counter = measuredStream((bytes) => {
        copied += bytes;
        report();
      });
      let input: Readable | undefined;
      // Both ends go: the source's file (or the peer's response) would stay open on the source otherwise.
      const cut = () => {
        counter.stream.destroy(cancelError(row));
        input?.destroy();
      };
      const open = async (): Promise<Readable> => {
        input = await callAgent(row.name, () => source.volumes.openInstanceFile(row.id, pool, file.file));
        input.once('error', (err) => counter.stream.destroy(err));
        return input.pipe(counter.stream);
      };
      ctx.signal.addEventListener('abort', cut, { once: true });
      const written = await callAgent(row.name, () => target.volumes.receiveInstanceFile(row.id, pool, file.file, { open }))
        .catch((err: unknown) => {
          // However the receiving side words the cut stream, a cancel is what it was.
          throw ctx.signal.aborted ? cancelError(row) : err;
        })
        .finally(() => ctx.signal.removeEventListener('abort', cut));
      const sent = counter.bytes();
      const sha256 = counter.sha256();
      if (written.sizeBytes !== file.sizeBytes || sent !== file.sizeBytes || written.sha256 !== sha256)
        throw new AppError('transfer_failed', `Copying '${file.file}' of instance '${row.name}' to the target host went wrong (${file.sizeBytes} bytes listed, ${sent} sent, ${written.sizeBytes} written${written.sha256 === sha256 ? '' : ', checksums differ'}); the instance stays where it was.`);
    }
  }

  /** A failed move: the target forgets the definition and the copy (never the files of a shared pool). Failures here are logged; the next attempt and the target's next start clean up. */
  private async undoTarget(row: Instance, target: HostAgent, plan: CopyPlan, done: { committed: boolean; defined: boolean }): Promise<void> {
    const pool = this.deps.runtime.poolOf(row);
    if (done.defined) await target.domains.undefine(row.domainName).catch((err: unknown) => log.warn('undefining a cut-off migration on its target failed', { instance: row.id, error: String(err) }));
    if (!plan.copies) return;
    await target.volumes.discardInstanceFiles(row.id, pool).catch(() => undefined);
    // Once committed the copy sits in the instance directory; the new host was not recorded, so the source still has the real one.
    if (done.committed)
      await target.volumes.deleteInstance(row.id, pool).catch((err: unknown) => log.warn('removing a cut-off migration copy failed', { instance: row.id, error: String(err) }));
  }

  /** After the new host is recorded: the source forgets the domain and (local pools) deletes its files. Failures are logged, not fatal: the instance already runs from the target. */
  private async cleanSource(row: Instance, source: HostAgent, plan: CopyPlan): Promise<void> {
    try {
      await source.domains.undefine(row.domainName);
      if (plan.copies) await source.volumes.deleteInstance(row.id, this.deps.runtime.poolOf(row));
      else await source.volumes.deleteHostFiles(row.id); // disks on shared storage stay; the console log here goes
    } catch (err) {
      log.warn('cleaning the source host after a migration failed; the host sweeps it when it attaches again', { instance: row.id, error: String(err) });
    }
  }
}
