/**
 * Changing an instance after create (PATCH): name, description and autostart at any time; cores
 * and memory in the definition when stopped (the maximums rise with them), and live when running
 * (vCPU hot-plug, the balloon) up to the maximums fixed at create. Every check runs before the
 * first change; the hypervisor changes run under a reverter and the row is written last, in a
 * transaction that checks name and capacity again, so a refusal leaves the database and the
 * domain as they were. QoS changes live too (weight, iotune, bandwidth). A new name reaches the guest's hostname only when cloud-init next runs.
 */
import { and, eq, ne } from 'drizzle-orm';
import type { HostAgent } from '../../cluster/host-agent.js';
import type { Db } from '../../db/client.js';
import { instances } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { Reverter, RevertError } from '../../lib/reverter.js';
import { canDo, statesAllowing } from '../../shared/instance-states.js';
import type { UpdateInstanceInput } from '../../shared/schemas.js';
import type { Actor } from '../actor.js';
import { callAgent, toAppError } from '../agent-errors.js';
import type { AuditService } from '../audit.js';
import { hostCandidates } from '../host-candidates.js';
import type { HostsService } from '../hosts.js';
import type { PoolsService } from '../pools.js';
import { placeInstance } from '../scheduler.js';
import type { InstanceRuntime } from './runtime.js';
import { domainQosOf } from './qos.js';
import { maximumsOf } from './spec.js';
import { STICKY_ERRORS, type Instance, type InstanceStore } from './store.js';

/** What modifying needs. */
export interface ModifyDeps {
  db: Db;
  store: InstanceStore;
  runtime: InstanceRuntime;
  hosts: Pick<HostsService, 'isOnline' | 'factsOf'>;
  pools: PoolsService;
  audit: AuditService;
}

/** The fields a PATCH may change, as stored. */
type Changes = Partial<Pick<Instance, 'name' | 'cores' | 'memoryMiB' | 'autostart' | 'description' | 'qos'>>;

/** Changes instances. */
export class InstanceModifier {
  constructor(private readonly deps: ModifyDeps) {}

  /** Applies the request (only what differs from the row); returns the updated instance and notes for the user. */
  async update(idOrName: string, input: UpdateInstanceInput, actor: Actor): Promise<{ instance: Instance; notes: string[] }> {
    const { store } = this.deps;
    // Checked before waiting for the lock too: a deletion holds it until the instance is gone.
    const id = checked(store.get(idOrName)).id;
    return store.withLock(id, async () => {
      const row = checked(store.get(id));
      const changes = changesOf(row, input);
      if (Object.keys(changes).length === 0) return { instance: row, notes: [] };
      const live = row.state === 'running' || row.state === 'paused';
      if (live) refuseAboveMaximums(row, changes);
      this.refuseTakenName(row, changes);
      this.refuseOverCapacity(row, changes);
      await this.apply(row, changes, live);
      for (const [field, value] of Object.entries(changes))
        this.deps.audit.record(actor, 'update', 'instance', row.id, field === 'description' ? 'description changed' : field === 'qos' ? `qos: ${JSON.stringify(value)}` : `${field}: ${String(row[field as keyof Changes])} → ${String(value)}`);
      return { instance: store.get(id), notes: this.notesOn(row, changes) };
    });
  }

  /** What a user should know beyond the new values: the guest's hostname does not follow a rename at once. */
  private notesOn(row: Instance, changes: Changes): string[] {
    if (changes.name === undefined) return [];
    if (this.deps.runtime.seedOf(row))
      return [`The guest keeps its hostname '${row.name}' until cloud-init runs again (its seed now says '${changes.name}'); change it inside the guest to have it now.`];
    return [`The guest's hostname is not managed by onebox (the instance has no cloud-init seed); change it inside the guest.`];
  }

  private async apply(row: Instance, changes: Changes, live: boolean): Promise<void> {
    const { runtime, db } = this.deps;
    const agent = runtime.agentFor(row);
    const max = maximumsOf(row);
    // Stopped, cores and memory may go above the maximums: those rise with them.
    const next: Instance = { ...row, ...changes, maxCores: Math.max(max.maxCores, changes.cores ?? 0), maxMemoryMiB: Math.max(max.maxMemoryMiB, changes.memoryMiB ?? 0) };
    await Reverter.run<void>(async (reverter) => {
      if (live) await this.changeLive(agent, row, changes, reverter);
      if (changes.name !== undefined) await this.rewriteSeed(agent, row, next, reverter);
      if (Object.keys(changes).some((k) => k !== 'description')) {
        await runtime.define(agent, next);
        reverter.add('restore the definition', () => runtime.define(agent, row));
      }
      db.transaction((tx) => {
        this.refuseTakenName(row, changes, tx as unknown as Db);
        this.refuseOverCapacity(row, changes, tx as unknown as Db);
        this.deps.store.update(row.id, { ...changes, maxCores: next.maxCores, maxMemoryMiB: next.maxMemoryMiB });
      });
    }).catch((err: unknown) => {
      if (!(err instanceof RevertError)) throw err;
      // The stored instance is unchanged; the hypervisor may not be (e.g. a vCPU the guest would not give back).
      throw new AppError('change_incomplete', `Changing instance '${row.name}' failed and could not be fully undone (${err.failedSteps.join(', ')}); onebox still shows the old values, the running guest may differ until it restarts. Cause: ${toAppErrorText(err.original, row.name)}`);
    });
  }

  /** vCPUs, then memory, of the running domain; each undone if a later step fails. */
  private async changeLive(agent: HostAgent, row: Instance, changes: Changes, reverter: Reverter): Promise<void> {
    const live = { live: true, config: false };
    if (changes.cores !== undefined) {
      await callAgent(row.name, () => agent.domains.setResources(row.domainName, { vcpus: changes.cores }, live));
      reverter.add('restore the vCPUs', () => agent.domains.setResources(row.domainName, { vcpus: row.cores }, live));
    }
    if (changes.memoryMiB !== undefined) {
      await callAgent(row.name, () => agent.domains.setResources(row.domainName, { memoryMiB: changes.memoryMiB }, live));
      reverter.add('restore the memory', () => agent.domains.setResources(row.domainName, { memoryMiB: row.memoryMiB }, live));
    }
    if (changes.qos !== undefined) {
      await callAgent(row.name, () => agent.domains.setQos(row.domainName, domainQosOf(changes.qos), live));
      reverter.add('restore the QoS', () => agent.domains.setQos(row.domainName, domainQosOf(row.qos), live));
    }
  }

  /** The seed carries the hostname: the new name is what cloud-init reads at its next run. */
  private async rewriteSeed(agent: HostAgent, row: Instance, next: Instance, reverter: Reverter): Promise<void> {
    const { runtime } = this.deps;
    const seed = runtime.seedOf(next);
    const before = runtime.seedOf(row);
    if (!seed || !before) return;
    const pool = runtime.poolOf(row);
    await callAgent(row.name, () => agent.seeds.write(row.id, pool, seed));
    reverter.add('restore the seed', () => agent.seeds.write(row.id, pool, before));
  }

  private refuseTakenName(row: Instance, changes: Changes, db = this.deps.db): void {
    if (changes.name === undefined) return;
    const taken = db.select({ id: instances.id }).from(instances).where(and(eq(instances.poolId, row.poolId), eq(instances.name, changes.name), ne(instances.id, row.id))).get();
    if (taken) throw new AppError('instance_name_taken', `An instance named '${changes.name}' already exists in pool '${this.deps.pools.get(row.poolId).name}'.`, [{ field: 'name', message: 'Taken in this pool.' }]);
  }

  /**
   * Growing must fit the instance's own host under its pool's overcommit (the instance does not move).
   * Hosts are charged with instances' current cores and memory, not their maximums, on purpose:
   * a running instance reaches its maximum only through this check (under the instance lock, and
   * again in the transaction that writes the row, which SQLite serializes with creates), so the
   * current values are always what was admitted; reserving the maximums would hold back capacity
   * that a generous maxMemoryMiB (the balloon's ceiling) rarely uses.
   */
  private refuseOverCapacity(row: Instance, changes: Changes, db = this.deps.db): void {
    const cores = Math.max(0, (changes.cores ?? row.cores) - row.cores);
    const memoryMiB = Math.max(0, (changes.memoryMiB ?? row.memoryMiB) - row.memoryMiB);
    if (cores === 0 && memoryMiB === 0) return;
    const pool = this.deps.pools.get(row.poolId);
    const host = hostCandidates(db, this.deps.hosts, row.storagePoolId ?? '').find((h) => h.id === row.hostId);
    if (!host) return;
    // Only cores and memory count here: being disabled for new instances or short of disk does not stop a resize.
    const placement = placeInstance([{ ...host, online: true, enabled: true, poolId: pool.id, storageTotalBytes: undefined, freeDiskBytes: undefined }], {
      poolId: pool.id, cores, memoryMiB, diskBytes: 0, cpuOvercommit: pool.cpuOvercommit, memoryOvercommit: pool.memoryOvercommit, diskOvercommit: pool.diskOvercommit,
    });
    if (placement.hostId === undefined)
      throw new AppError('no_host_available', `No host in pool '${pool.name}' can take ${changes.cores ?? row.cores} cores and ${changes.memoryMiB ?? row.memoryMiB} MiB for instance '${row.name}' on its host: ${placement.reasons.join('; ')}.`);
  }
}

/** The sentence of an agent error as users would see it. */
function toAppErrorText(err: unknown, instanceName: string): string {
  const app = toAppError(err, instanceName);
  return app instanceof Error ? app.message : String(app);
}

function checked(row: Instance): Instance {
  if (row.errorCode && STICKY_ERRORS.has(row.errorCode)) throw new AppError('instance_needs_repair', `Instance '${row.name}' cannot be changed: ${row.stateReason}`);
  if (!canDo('modify', row.state))
    throw new AppError('invalid_instance_state', `Cannot change instance '${row.name}' while it is ${row.state} (only when ${statesAllowing('modify').join(' or ')}).`);
  return row;
}

/** The requested values that differ from the row. */
function changesOf(row: Instance, input: UpdateInstanceInput): Changes {
  const changes: Changes = {};
  for (const key of ['name', 'cores', 'memoryMiB', 'autostart', 'description'] as const) {
    const value = input[key];
    if (value !== undefined && value !== row[key]) Object.assign(changes, { [key]: value });
  }
  if (input.qos !== undefined && JSON.stringify(domainQosOf(input.qos)) !== JSON.stringify(domainQosOf(row.qos))) changes.qos = input.qos;
  return changes;
}

/** Running: cores and memory only up to the maximums the domain booted with. */
function refuseAboveMaximums(row: Instance, changes: Changes): void {
  const { maxCores, maxMemoryMiB } = maximumsOf(row);
  if (changes.cores !== undefined && changes.cores > maxCores)
    throw new AppError('instance_must_be_stopped', `Instance '${row.name}' is ${row.state} and can have at most ${maxCores} cores (the maximum set at create); stop it to give it ${changes.cores}.`, [{ field: 'cores', message: `At most ${maxCores} while running.` }]);
  if (changes.memoryMiB !== undefined && changes.memoryMiB > maxMemoryMiB)
    throw new AppError('instance_must_be_stopped', `Instance '${row.name}' is ${row.state} and can have at most ${maxMemoryMiB} MiB of memory (the maximum set at create); stop it to give it ${changes.memoryMiB} MiB.`, [{ field: 'memoryMiB', message: `At most ${maxMemoryMiB} MiB while running.` }]);
}
