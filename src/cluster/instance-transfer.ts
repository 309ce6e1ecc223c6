/**
 * The host side of a cold migration's copy: listing and reading a stopped instance's files in a
 * local pool (source), and receiving them into `<instance dir>.incoming` (target), invisible to
 * everything else until a commit re-points their backing files at this host's paths and renames
 * the directory into place. An unfinished copy is only ever an `.incoming` directory: discarded
 * by the next attempt, by the controller's recovery, or by the sweep at the agent's start.
 * Shared (NFS) pools are never copied: the same files are re-attached on the target.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { run } from '../lib/exec.js';
import { measuredStream } from '../lib/measured-stream.js';
import { StorageError, TransferInterruptedError, VolumeExistsError } from '../lib/storage-errors.js';
import type { StorageDriver, StoragePoolSpec } from '../storage/driver.js';
import type { ArtifactRef, ArtifactSource, IncomingFile, InstanceFile } from './agent-types.js';
import type { HostPaths } from './host-paths.js';

const INCOMING = '.incoming';
/** The console log lives in the instance directory of the default pool but belongs to the host: never copied. */
const HOST_OWN_FILES = new Set(['serial.log']);
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Copies of instance files between hosts, one host's half. */
export class InstanceTransfer {
  constructor(
    private readonly paths: HostPaths,
    private readonly pool: (spec: StoragePoolSpec) => Promise<StorageDriver>,
    private readonly artifactPath: (ref: ArtifactRef) => Promise<string>,
  ) {}

  /** Every file of the instance (see VolumesApi.listInstanceFiles). */
  async list(id: string, spec: StoragePoolSpec): Promise<InstanceFile[]> {
    const { pool, dir } = await this.dirOf(id, spec);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files: InstanceFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || HOST_OWN_FILES.has(entry.name) || !SAFE_NAME.test(entry.name)) continue;
      const sizeBytes = (await stat(join(dir, entry.name))).size;
      const file: InstanceFile = { file: entry.name, sizeBytes };
      if (entry.name.endsWith('.qcow2')) {
        const backing = (await pool.info(`${id}/${entry.name}`)).backingFile;
        if (backing) file.backing = dirname(backing) === dir ? { kind: 'file', file: basename(backing) } : { kind: 'image', fileName: basename(backing) };
      }
      files.push(file);
    }
    return files.sort((a, b) => a.file.localeCompare(b.file));
  }

  /** The bytes of one file of the instance. */
  async open(id: string, spec: StoragePoolSpec, file: string): Promise<Readable> {
    const { dir } = await this.dirOf(id, spec);
    return createReadStream(join(dir, checkedName(file)));
  }

  /** Writes one file into the incoming directory; its size and SHA-256 as written. */
  async receive(id: string, spec: StoragePoolSpec, file: string, source: ArtifactSource): Promise<{ sizeBytes: number; sha256: string }> {
    const incoming = (await this.dirOf(id, spec)).dir + INCOMING;
    await mkdir(incoming, { recursive: true, mode: 0o711 });
    const target = join(incoming, checkedName(file));
    const measure = measuredStream();
    const input = await source.open();
    try {
      await pipeline(input, measure.stream, createWriteStream(target, { flags: 'w', mode: 0o600 }));
    } catch (err) {
      await rm(target, { force: true });
      throw new TransferInterruptedError(measure.bytes(), err instanceof Error ? err.message : String(err));
    }
    return { sizeBytes: measure.bytes(), sha256: measure.sha256() };
  }

  /** Re-points backing files at this host's paths, then moves the incoming directory into place. */
  async commit(id: string, spec: StoragePoolSpec, files: IncomingFile[]): Promise<void> {
    const { dir } = await this.dirOf(id, spec);
    const incoming = dir + INCOMING;
    for (const f of files) {
      if (!f.backing) continue;
      const backing = f.backing.kind === 'file' ? { path: join(dir, checkedName(f.backing.file)), format: 'qcow2' } : { path: await this.artifactPath(f.backing.ref), format: f.backing.ref.format ?? 'qcow2' };
      // Unsafe mode: only the name in the header changes; the data is the same bytes the source had on the same backing content.
      await run(['qemu-img', 'rebase', '-u', '-F', backing.format, '-b', backing.path, join(incoming, checkedName(f.file))], { timeoutMs: 60_000 });
    }
    await this.clearLeftovers(dir, id);
    await rename(incoming, dir);
    await chmod(dir, 0o711);
    // virtlogd writes the console log under the host's own instance directory (the same one for the default pool).
    await mkdir(this.paths.instanceDir(id), { recursive: true });
    await chmod(this.paths.instanceDir(id), 0o711);
  }

  /** Deletes the incoming directory of the instance. */
  async discard(id: string, spec: StoragePoolSpec): Promise<void> {
    await rm((await this.dirOf(id, spec)).dir + INCOMING, { recursive: true, force: true });
  }

  /** Removes every incoming directory of the default pool a killed migration left; call once at start. Returns the instance ids. */
  async sweep(): Promise<string[]> {
    const entries = await readdir(this.paths.instancesDir).catch(() => [] as string[]);
    const left = entries.filter((name) => name.endsWith(INCOMING));
    for (const name of left) await rm(join(this.paths.instancesDir, name), { recursive: true, force: true });
    return left.map((name) => name.slice(0, -INCOMING.length));
  }

  /** A directory that holds at most a console log from an earlier stay on this host may go; anything else is refused. */
  private async clearLeftovers(dir: string, id: string): Promise<void> {
    const present = await readdir(dir).catch(() => undefined);
    if (present === undefined) return;
    if (present.some((name) => !HOST_OWN_FILES.has(name))) throw new VolumeExistsError(`${id} (the instance already has files on this host)`);
    await rm(dir, { recursive: true, force: true });
  }

  /** The pool's driver and the instance's directory in it (local pools only). */
  private async dirOf(id: string, spec: StoragePoolSpec): Promise<{ pool: StorageDriver; dir: string }> {
    if (spec.kind !== 'local') throw new StorageError(`instance files on the shared storage pool ${spec.id} are not copied between hosts`);
    const pool = await this.pool(spec);
    return { pool, dir: dirname(pool.pathOf(`${checkedName(id)}/system.qcow2`)) };
  }
}

function checkedName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new StorageError(`invalid file name '${name}'`);
  return name;
}
