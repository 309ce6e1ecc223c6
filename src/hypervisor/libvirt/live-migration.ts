/**
 * Live migration of a running domain, peer-to-peer: onebox asks the SOURCE libvirtd
 * (virDomainMigratePerform3Params with PEER2PEER) and that daemon opens the destination daemon
 * itself over the URI given (qemu+tls://…?pkipath=…, see migration-tls.ts), so onebox never
 * relays guest memory. QEMU's streams are TLS (VIR_MIGRATE_TLS). Local disks are copied by
 * block migration (NON_SHARED_DISK: the destination runs an NBD server the source mirrors into);
 * their destination files must exist already with the disk's virtual size (libvirt then skips
 * pre-creating them), which the host agent arranges. While the call runs, job statistics are
 * polled for progress; cancelling aborts the job, and libvirt resumes the guest on the source.
 */
import { HypervisorError, MigrationCancelledError, MigrationFailedError } from '../errors.js';
import type { LiveMigrationRequest, MigrationProgress, MigrationResult } from '../types.js';
export type { LiveMigrationRequest, MigrationProgress, MigrationResult };
import type { LibvirtConnection } from './connection.js';
import { typedParamNumber } from './domain-stats.js';
import type { RemoteNonnullDomain, RemoteTypedParam } from './protocol.generated.js';

// virDomainMigrateFlags (libvirt-domain.h, stable ABI).
const VIR_MIGRATE_LIVE = 1;
const VIR_MIGRATE_PEER2PEER = 2;
const VIR_MIGRATE_PERSIST_DEST = 8;
const VIR_MIGRATE_UNDEFINE_SOURCE = 16;
const VIR_MIGRATE_NON_SHARED_DISK = 64;
const VIR_MIGRATE_ABORT_ON_ERROR = 4096;
const VIR_MIGRATE_AUTO_CONVERGE = 8192;
const VIR_MIGRATE_TLS = 65536;
/** virDomainGetJobStats: the statistics of the job that just completed. */
const VIR_DOMAIN_JOB_STATS_COMPLETED = 1;
/** virDomainJobType: no job runs. */
const VIR_DOMAIN_JOB_NONE = 0;
const VIR_ERR_OPERATION_ABORTED = 78;
/** How often progress is asked. */
const POLL_MS = 300;
/** A migration may take long (a big disk over a slow link); cancel is the way to stop it sooner. */
const PERFORM_DEADLINE_MS = 6 * 3600_000;

/** The flags for `request`. */
export function migrationFlags(request: LiveMigrationRequest): number {
  let flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE | VIR_MIGRATE_ABORT_ON_ERROR | VIR_MIGRATE_AUTO_CONVERGE;
  if (request.tls !== false) flags |= VIR_MIGRATE_TLS;
  if (request.copyDisks.length > 0) flags |= VIR_MIGRATE_NON_SHARED_DISK;
  return flags;
}

/** The typed parameters for `request`: the destination XML and, one entry each, the disks to copy. */
export function migrationParams(request: LiveMigrationRequest): RemoteTypedParam[] {
  const params: RemoteTypedParam[] = [];
  if (request.destinationXml !== undefined) params.push({ field: 'destination_xml', value: { type: 7, s: request.destinationXml } });
  for (const target of request.copyDisks) params.push({ field: 'migrate_disks', value: { type: 7, s: target } });
  return params;
}

/** A numeric typed parameter by name, or undefined. */
function numberParam(params: RemoteTypedParam[], field: string): number | undefined {
  const p = params.find((q) => q.field === field);
  return p === undefined ? undefined : typedParamNumber(p);
}

/** Progress from a running job's statistics, or undefined while libvirt has no totals yet. */
export function progressOf(params: RemoteTypedParam[]): MigrationProgress | undefined {
  const total = numberParam(params, 'data_total');
  const processed = numberParam(params, 'data_processed');
  if (total === undefined || processed === undefined || total <= 0) return undefined;
  return { processedBytes: Math.min(processed, total), totalBytes: total };
}

/**
 * Migrates the running domain `dom` (on the daemon behind `source`) to the destination and
 * resolves once it runs there (persistent) and is gone from the source. `onProgress` receives
 * the job's byte counts as they grow; `signal` cancels (MigrationCancelledError); any other
 * failure is a MigrationFailedError. In both cases the domain still runs on the source.
 */
export async function migrateLive(
  source: LibvirtConnection,
  dom: RemoteNonnullDomain,
  request: LiveMigrationRequest,
  onProgress?: (progress: MigrationProgress) => void,
  signal?: AbortSignal,
): Promise<MigrationResult> {
  if (signal?.aborted) throw new MigrationCancelledError(`migration of domain '${dom.name}' was cancelled before it started`);
  if (request.maxDowntimeMs !== undefined) await source.call('DOMAIN_MIGRATE_SET_MAX_DOWNTIME', { dom, downtime: BigInt(request.maxDowntimeMs), flags: 0 });
  const started = Date.now();
  let done = false;
  let cancelled = false;
  const abort = () => {
    cancelled = true;
    // A job that already ended has nothing to abort; the perform call's own outcome then stands.
    source.call('DOMAIN_ABORT_JOB', { dom }).catch(() => undefined);
  };
  signal?.addEventListener('abort', abort, { once: true });
  const perform = source.call(
    'DOMAIN_MIGRATE_PERFORM3_PARAMS',
    { dom, dconnuri: request.destinationUri, params: migrationParams(request), cookie_in: Buffer.alloc(0), flags: migrationFlags(request) },
    { timeoutMs: PERFORM_DEADLINE_MS },
  );
  const poll = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (done) return;
      const stats = await source.call('DOMAIN_GET_JOB_STATS', { dom, flags: 0 }).catch(() => undefined);
      if (!stats || stats.type === VIR_DOMAIN_JOB_NONE || done) continue;
      const progress = progressOf(stats.params);
      if (progress) onProgress?.(progress);
    }
  })();
  try {
    await perform;
  } catch (err) {
    if (cancelled || (err instanceof HypervisorError && err.libvirtCode === VIR_ERR_OPERATION_ABORTED)) {
      throw new MigrationCancelledError(`migration of domain '${dom.name}' was cancelled; it keeps running where it was`, VIR_ERR_OPERATION_ABORTED);
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new MigrationFailedError(`migration of domain '${dom.name}' failed: ${message}`, err instanceof HypervisorError ? err.libvirtCode : undefined);
  } finally {
    done = true;
    signal?.removeEventListener('abort', abort);
    await poll;
  }
  return { elapsedMs: Date.now() - started };
}

/** The switch-over pause of the migration that just completed, from the destination daemon's statistics (undefined when it keeps none). */
export async function completedDowntimeMs(destination: LibvirtConnection, domainName: string): Promise<number | undefined> {
  try {
    const { dom } = await destination.call('DOMAIN_LOOKUP_BY_NAME', { name: domainName });
    const stats = await destination.call('DOMAIN_GET_JOB_STATS', { dom, flags: VIR_DOMAIN_JOB_STATS_COMPLETED });
    return numberParam(stats.params, 'downtime');
  } catch {
    return undefined;
  }
}

/** VIR_DOMAIN_XML_MIGRATABLE: the live XML without what only this host's daemon may set. */
const VIR_DOMAIN_XML_MIGRATABLE = 8;

/**
 * The running domain's XML for the destination: its migratable live definition with every file
 * path under `fromDir` moved under `toDir` (disks, seed, console socket and log), for hosts whose
 * data directories differ. Only quoted attribute values that start with the directory change.
 */
export async function destinationXmlOf(source: LibvirtConnection, dom: RemoteNonnullDomain, fromDir: string, toDir: string): Promise<string> {
  const { xml } = await source.call('DOMAIN_GET_XML_DESC', { dom, flags: VIR_DOMAIN_XML_MIGRATABLE });
  return rewritePaths(xml, fromDir, toDir);
}

/** `xml` with each quoted value starting with `fromDir/` moved under `toDir`. */
export function rewritePaths(xml: string, fromDir: string, toDir: string): string {
  const from = fromDir.replace(/\/+$/, '');
  const to = toDir.replace(/\/+$/, '');
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return xml.replace(new RegExp(`(['"])${escaped}/`, 'g'), (_m, quote: string) => `${quote}${to}/`);
}
