/**
 * The scheduler's in-memory copy of every host row with its claims (hosts left join
 * host_claims), so a placement among 1,000 hosts reads only what changed instead of 1,000 rows.
 *
 * Triggers tick `placement_clock` and stamp the host in `placement_changes` whenever a host's
 * schedulable fields or its claims change (migration 0021). Inside the placing transaction,
 * {@link CandidateCopy.rows} overlays the copy with the hosts stamped after the copy's version:
 * one indexed read of the few changed rows, which sees everything the transaction sees
 * (including its own writes), so claims are still read and recorded in one transaction.
 *
 * The copy itself only advances outside any transaction (a deferred catch-up on the next turn
 * of the event loop), so it never holds a row that a rollback later takes back: what a
 * transaction reads and then rolls back stays out of it.
 */
import type { Database, Statement } from 'better-sqlite3';

/** One host row with its claim. */
export interface ClaimRow {
  id: string;
  name: string;
  enabled: boolean | number;
  poolId: string | null;
  cpus: number;
  memoryMiB: number;
  cores: number | null;
  memory: number | null;
  disk: number | null;
}

/** A changed host: its id, and its row when it still exists. */
type ChangedRow = { changedId: string } & ({ [K in keyof ClaimRow]: ClaimRow[K] } | { [K in keyof ClaimRow]: null });

const COLUMNS = 'h.id, h.name, h.enabled, h.pool_id as poolId, h.cpus, h.memory_mib as memoryMiB, c.cores, c.memory_mib as memory, c.disk_bytes as disk';
const ALL_SQL = `select ${COLUMNS} from hosts h left join host_claims c on c.host_id = h.id`;
const CHANGED_SQL = `select s.host_id as changedId, ${COLUMNS} from placement_changes s left join hosts h on h.id = s.host_id left join host_claims c on c.host_id = s.host_id where s.version > ?`;
const CLOCK_SQL = 'select version from placement_clock where id = 1';

/** The copy of one connection's hosts and claims; get it with {@link candidateCopyOf}. */
export class CandidateCopy {
  /** The clock version the copy is current at; -1 before the first load. */
  private version = -1;
  private readonly hosts = new Map<string, ClaimRow>();
  private catchUpQueued = false;
  private readonly all: Statement<[], ClaimRow>;
  private readonly changed: Statement<[number], ChangedRow>;
  private readonly clock: Statement<[], number>;

  constructor(private readonly client: Database) {
    this.all = client.prepare<[], ClaimRow>(ALL_SQL);
    this.changed = client.prepare<[number], ChangedRow>(CHANGED_SQL);
    this.clock = client.prepare<[], number>(CLOCK_SQL).pluck();
  }

  /** Every host with its claim as the current transaction sees it (of `poolId` when given). */
  rows(poolId?: string): ClaimRow[] {
    this.queueCatchUp();
    if (this.version < 0) return this.inPool(this.all.all(), poolId);
    const changed = this.changed.all(this.version);
    if (!changed.length) return this.inPool(this.hosts.values(), poolId);
    const ids = new Set(changed.map((c) => c.changedId));
    const out: ClaimRow[] = [];
    for (const row of this.hosts.values()) if (!ids.has(row.id) && (poolId === undefined || row.poolId === poolId)) out.push(row);
    for (const c of changed) if (c.id !== null && (poolId === undefined || c.poolId === poolId)) out.push(claimRow(c));
    return out;
  }

  /** Brings the copy up to the committed state: everything on the first call, then the hosts stamped since. Outside any transaction only. */
  catchUp(): void {
    if (!this.client.open || this.client.inTransaction) return;
    this.client.transaction(() => {
      const version = this.clock.get() ?? 0;
      if (version === this.version) return;
      if (this.version < 0) {
        for (const row of this.all.all()) this.hosts.set(row.id, row);
      } else {
        for (const c of this.changed.all(this.version)) {
          if (c.id === null) this.hosts.delete(c.changedId);
          else this.hosts.set(c.id, claimRow(c));
        }
      }
      this.version = version;
    })();
  }

  private inPool(rows: Iterable<ClaimRow>, poolId: string | undefined): ClaimRow[] {
    const out: ClaimRow[] = [];
    for (const row of rows) if (poolId === undefined || row.poolId === poolId) out.push(row);
    return out;
  }

  /** Catches up on the next turn of the event loop, after the caller's transaction has committed or rolled back. */
  private queueCatchUp(): void {
    if (this.catchUpQueued) return;
    this.catchUpQueued = true;
    setImmediate(() => {
      this.catchUpQueued = false;
      if (this.client.inTransaction) this.queueCatchUp();
      else this.catchUp();
    }).unref();
  }
}

/** A changed row that still exists, as a {@link ClaimRow}. */
function claimRow(c: ChangedRow & { id: string }): ClaimRow {
  return { id: c.id, name: c.name, enabled: c.enabled, poolId: c.poolId, cpus: c.cpus, memoryMiB: c.memoryMiB, cores: c.cores, memory: c.memory, disk: c.disk };
}

const copies = new WeakMap<Database, CandidateCopy>();

/** The copy for a connection, made on first use. */
export function candidateCopyOf(client: Database): CandidateCopy {
  let copy = copies.get(client);
  if (!copy) copies.set(client, (copy = new CandidateCopy(client)));
  return copy;
}
