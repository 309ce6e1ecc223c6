/** Instances as the API sees them: list, get, create, delete and the console log; the work is in the sibling modules. */
import type { Readable } from 'node:stream';
import type { CreateInstanceInput } from '../../shared/schemas.js';
import type { Page } from '../../lib/paging.js';
import type { VisibleScope } from '../rbac.js';
import type { InstanceListFilter, PageQuery } from '../../shared/lists.js';
import type { Actor } from '../actor.js';
import { callAgent } from '../agent-errors.js';
import { AppError, notFound } from '../../lib/errors.js';
import { StampedCache } from '../../db/stamped-cache.js';
import type { NicRequest, UpdateInstanceInput } from '../../shared/instances.js';
import type { AuditService } from '../audit.js';
import type { Operation } from '../operations.js';
import type { PoolsService } from '../pools.js';
import type { NicRow } from './nics.js';
import type { InstanceCreator } from './create.js';
import type { InstanceDeleter } from './delete.js';
import type { InstanceModifier } from './modify.js';
import type { InstanceDisks } from './disks.js';
import type { AddDiskInput, GrowDiskInput, InstanceDisk } from '../../shared/disks.js';
import type { InstanceRuntime } from './runtime.js';
import type { Instance, InstanceStore } from './store.js';

/** How many list pages {@link InstancesService.pageView} keeps (a page holds up to 1,000 instances). */
const PAGE_VIEWS_KEPT = 100;

/** At most this much of the serial console log is returned. */
export const CONSOLE_LOG_MAX_BYTES = 1024 * 1024;

/** An instance with its NICs in order, as reading it shows them. */
export interface InstanceView {
  readonly row: Readonly<Instance>;
  readonly nics: readonly NicRow[];
}

/** The instance catalogue. */
export class InstancesService {
  private readonly views: StampedCache<string, InstanceView>;
  private readonly pageViews: StampedCache<string, Page<InstanceView>>;

  constructor(
    private readonly store: InstanceStore,
    private readonly runtime: InstanceRuntime,
    private readonly creator: InstanceCreator,
    private readonly deleter: InstanceDeleter,
    private readonly modifier: InstanceModifier,
    private readonly disks: InstanceDisks,
    private readonly pools: PoolsService,
    private readonly audit: AuditService,
  ) {
    this.views = new StampedCache(store.db);
    this.pageViews = new StampedCache(store.db, PAGE_VIEWS_KEPT);
  }

  /** The NICs of an instance, in order. */
  nicsOf(instanceId: string): NicRow[] {
    return this.runtime.deps.nics.list(instanceId);
  }

  /** The NICs of several instances (one query), by instance id. */
  nicsOfMany(instanceIds: string[]): Map<string, NicRow[]> {
    return this.runtime.deps.nics.listMany(instanceIds);
  }

  /** One page of the instance list, filtered (see InstanceStore.page). */
  page(filter: InstanceListFilter, page: PageQuery, visible?: VisibleScope): Page<Instance> {
    return this.store.page(filter, page, visible);
  }

  /** One page of the list with each instance's NICs, kept in memory until the next write as {@link view} is. */
  pageView(filter: InstanceListFilter, page: PageQuery, visible?: VisibleScope): Page<InstanceView> {
    return this.pageViews.get(JSON.stringify([filter, page, visible]), () => {
      const rows = this.store.page(filter, page, visible);
      const nics = this.nicsOfMany(rows.items.map((r) => r.id));
      const items = Object.freeze(rows.items.map((row) => frozenView(row, nics.get(row.id) ?? [])));
      return Object.freeze({ items: items as InstanceView[], nextCursor: rows.nextCursor });
    })!;
  }

  /** Adds a NIC to a stopped instance (an address from its pool's address pool when on that network). */
  async addNic(idOrName: string, request: NicRequest, actor: Actor): Promise<NicRow> {
    return this.changeNics(idOrName, actor, 'add_nic', (row) => this.runtime.deps.nics.insertOne(row.id, this.pools.get(row.poolId), request));
  }

  /** Removes a NIC from a stopped instance; its address goes back to the pool. */
  async removeNic(idOrName: string, nicId: string, actor: Actor): Promise<NicRow> {
    return this.changeNics(idOrName, actor, 'remove_nic', (row) => this.runtime.deps.nics.delete(row.id, nicId));
  }

  private async changeNics(idOrName: string, actor: Actor, action: string, change: (row: Instance) => NicRow): Promise<NicRow> {
    const id = this.store.get(idOrName).id;
    return this.store.withLock(id, async () => {
      const row = this.store.get(id);
      if (row.state !== 'stopped') throw new AppError('instance_must_be_stopped', `Stop instance '${row.name}' before changing its NICs (it is ${row.state}).`);
      const agent = this.runtime.agentFor(row);
      const nic = change(row);
      await this.runtime.syncNetworks(row.name, [nic.networkId]);
      await this.runtime.define(agent, row);
      this.audit.record(actor, action, 'instance', row.id, `${nic.mac} ${nic.address ?? ''}`.trim());
      return nic;
    });
  }

  list(): Instance[] {
    return this.store.list();
  }

  get(idOrName: string): Instance {
    return this.store.get(idOrName);
  }

  /**
   * The instance and its NICs to show, kept in memory until the next write to the database
   * (GET /instances/:id is what pages and scripts poll). Shared between callers, so frozen.
   */
  view(idOrName: string): InstanceView {
    const view = this.views.get(idOrName, (key) => {
      const row = this.store.find(key);
      return row && frozenView(row, this.nicsOf(row.id));
    });
    if (!view) throw notFound('instance', idOrName);
    return view;
  }

  create(input: CreateInstanceInput, actor: Actor): Promise<{ instance: Instance; operation: Operation }> {
    return this.creator.create(input, actor);
  }

  /** Changes name, cores, memory, autostart or description (cores and memory live up to the maximums when running). */
  update(idOrName: string, input: UpdateInstanceInput, actor: Actor): Promise<{ instance: Instance; notes: string[] }> {
    return this.modifier.update(idOrName, input, actor);
  }

  /** The instance's disks (system first) with their sizes on the host. */
  disksOf(idOrName: string): Promise<InstanceDisk[]> {
    return this.disks.list(idOrName);
  }

  /** Adds a blank data disk (hot-plugged when running). */
  addDisk(idOrName: string, input: AddDiskInput, actor: Actor): Promise<InstanceDisk> {
    return this.disks.add(idOrName, input, actor);
  }

  /** Grows a disk (online when running). */
  growDisk(idOrName: string, diskId: string, input: GrowDiskInput, actor: Actor): Promise<InstanceDisk> {
    return this.disks.grow(idOrName, diskId, input, actor);
  }

  /** Removes a data disk and deletes its volume (hot-unplugged first when running). */
  removeDisk(idOrName: string, diskId: string, actor: Actor): Promise<void> {
    return this.disks.remove(idOrName, diskId, actor);
  }

  delete(idOrName: string, actor: Actor): Operation {
    return this.deleter.delete(idOrName, actor);
  }

  /** The end of what the guest wrote to its serial console (at most 1 MiB). */
  async consoleLog(idOrName: string): Promise<Readable> {
    const row = this.store.get(idOrName);
    const agent = this.runtime.agentFor(row);
    return callAgent(row.name, () => agent.consoles.log(row.id, CONSOLE_LOG_MAX_BYTES));
  }
}

/** A view shared between callers: frozen, so a caller that tries to change it fails at once. */
function frozenView(row: Instance, nics: NicRow[]): InstanceView {
  return Object.freeze({ row: Object.freeze(row), nics: Object.freeze(nics.map((n) => Object.freeze(n))) });
}
