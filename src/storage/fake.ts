/**
 * FakeStorageDriver: volumes in memory with qemu-img's answers (format, sizes, backing file),
 * for fast tests with no qemu-img. Imported files are really copied (seed ISOs are read back
 * by tests). The storage contract suite keeps it honest against the directory driver.
 */
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertVolumeName, type DiskFormat, type ProgressFn, type StorageCapacity, type StorageDriver, type VolumeInfo } from './driver.js';
import { StorageError, VolumeExistsError, VolumeNotFoundError } from '../lib/storage-errors.js';
import { buildQcow2Header } from './qcow2-header.js';

/** In-memory storage pool. */
export class FakeStorageDriver implements StorageDriver {
  readonly kind = 'fake';
  private readonly volumes = new Map<string, VolumeInfo>();
  private failures = new Map<string, Error>();
  private readonly gates = new Map<string, Promise<void>>();

  constructor(
    private readonly root: string,
    private capacityValue: StorageCapacity = { totalBytes: 1024 ** 4, freeBytes: 512 * 1024 ** 3 },
  ) {}

  async activate(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async capacity(): Promise<StorageCapacity> {
    return { ...this.capacityValue };
  }

  pathOf(volume: string): string {
    assertVolumeName(volume);
    return join(this.root, volume);
  }

  async exists(volume: string): Promise<boolean> {
    return this.volumes.has(volume);
  }

  async createBlank(volume: string, sizeBytes: number): Promise<void> {
    this.add(volume, { format: 'qcow2', virtualSizeBytes: sizeBytes, actualSizeBytes: 196_608 });
  }

  async createLinkedClone(volume: string, backingPath: string, _backingFormat: DiskFormat, sizeBytes: number): Promise<void> {
    this.add(volume, { format: 'qcow2', virtualSizeBytes: sizeBytes, actualSizeBytes: 196_608, backingFile: backingPath });
  }

  async createOverlay(volume: string, backingVolume: string): Promise<void> {
    const { virtualSizeBytes } = await this.info(backingVolume);
    this.add(volume, { format: 'qcow2', virtualSizeBytes, actualSizeBytes: 196_608, backingFile: this.pathOf(backingVolume), backingFormat: 'qcow2' });
  }

  async createFullCopy(volume: string, sourcePath: string, _sourceFormat: DiskFormat, sizeBytes: number, onProgress?: ProgressFn): Promise<void> {
    const { size } = await stat(sourcePath); // a missing source fails as qemu-img would
    this.failIfAsked('createFullCopy', volume);
    onProgress?.(0.5);
    onProgress?.(1);
    this.add(volume, { format: 'qcow2', virtualSizeBytes: Math.max(sizeBytes, size), actualSizeBytes: size });
  }

  async importFile(volume: string, localPath: string): Promise<void> {
    const path = this.pathOf(volume);
    await mkdir(dirname(path), { recursive: true });
    await copyFile(localPath, path);
    await rm(localPath, { force: true });
    const { size } = await stat(path);
    this.volumes.set(volume, { format: 'raw', virtualSizeBytes: size, actualSizeBytes: size });
  }

  async info(volume: string): Promise<VolumeInfo> {
    const info = this.volumes.get(volume);
    if (!info) throw new VolumeNotFoundError(volume);
    return { ...info };
  }

  async resize(volume: string, sizeBytes: number): Promise<void> {
    const info = await this.info(volume);
    if (sizeBytes < info.virtualSizeBytes) throw new StorageError(`volume '${volume}' cannot shrink from ${info.virtualSizeBytes} to ${sizeBytes} bytes`);
    this.volumes.set(volume, { ...info, virtualSizeBytes: sizeBytes });
  }

  /** Writes a small valid qcow2 header (the size of the volume) as the flattened image, with progress. */
  async exportFlat(volume: string, destPath: string, onProgress?: ProgressFn): Promise<void> {
    const info = await this.info(volume);
    await this.passGate('exportFlat', volume);
    this.failIfAsked('exportFlat', volume);
    onProgress?.(0.5);
    await writeFile(destPath, buildQcow2Header({ virtualSizeBytes: info.virtualSizeBytes }), { flag: 'wx', mode: 0o600 });
    onProgress?.(1);
  }

  /** Keeps format, size and backing file; the allocation shrinks to what a rewrite would keep (here: half). */
  async compact(volume: string, onProgress?: ProgressFn): Promise<void> {
    const info = await this.info(volume);
    await this.passGate('compact', volume);
    this.failIfAsked('compact', volume);
    onProgress?.(0.5);
    this.volumes.set(volume, { ...info, actualSizeBytes: Math.ceil(info.actualSizeBytes / 2) });
    onProgress?.(1);
  }

  /** The copy has the source's sizes; its backing file is `backing` (the source's chain below it is flattened). */
  async copy(volume: string, sourceVolume: string, backing: { path: string; format: DiskFormat } | undefined, onProgress?: ProgressFn): Promise<void> {
    const info = await this.info(sourceVolume);
    await this.passGate('copy', sourceVolume); // keyed by the source: the copy's name is not known before
    this.failIfAsked('copy', sourceVolume);
    onProgress?.(0.5);
    this.add(volume, { format: 'qcow2', virtualSizeBytes: info.virtualSizeBytes, actualSizeBytes: info.actualSizeBytes, ...(backing ? { backingFile: backing.path, backingFormat: backing.format } : {}) });
    onProgress?.(1);
  }

  async replace(volume: string, replacement: string): Promise<void> {
    const info = await this.info(replacement);
    assertVolumeName(volume);
    this.volumes.set(volume, info);
    this.volumes.delete(replacement);
  }

  async rebase(volume: string, backingPath: string | undefined, _backingFormat: DiskFormat): Promise<void> {
    const info = await this.info(volume);
    this.failIfAsked('rebase', volume);
    const { backingFile: _old, ...rest } = info;
    this.volumes.set(volume, backingPath === undefined ? rest : { ...rest, backingFile: backingPath });
  }

  async delete(volume: string): Promise<void> {
    assertVolumeName(volume);
    this.volumes.delete(volume);
  }

  async deleteGroup(group: string): Promise<void> {
    for (const name of [...this.volumes.keys()]) if (name.startsWith(`${group}/`)) this.volumes.delete(name);
    await rm(join(this.root, group), { recursive: true, force: true });
  }

  /** Test hook: the next `method` call for `volume` fails with `error`. */
  failNext(method: 'createFullCopy' | 'exportFlat' | 'compact' | 'rebase' | 'copy', volume: string, error: Error): void {
    this.failures.set(`${method}:${volume}`, error);
  }

  /** Test hook: the next `method` call for `volume` waits until the returned function is called. */
  holdNext(method: 'exportFlat' | 'compact' | 'copy', volume: string): () => void {
    let open!: () => void;
    this.gates.set(`${method}:${volume}`, new Promise<void>((resolve) => (open = resolve)));
    return () => open();
  }

  private async passGate(method: string, volume: string): Promise<void> {
    const gate = this.gates.get(`${method}:${volume}`);
    if (!gate) return;
    this.gates.delete(`${method}:${volume}`);
    await gate;
  }

  /**
   * Test hook: what QEMU does to the files of this pool when a block job ends: a pull leaves the
   * active file on `basePath`; a commit rebases the file that sat on `topPath` onto `basePath`.
   */
  async emulateBlockJob(job: { kind: 'pull'; activePath: string; basePath: string | undefined } | { kind: 'commit'; topPath: string; basePath: string }): Promise<void> {
    const at = (pred: (v: string, info: VolumeInfo) => boolean) => [...this.volumes.entries()].find(([v, info]) => pred(v, info))?.[0];
    const volume = job.kind === 'pull' ? at((v) => this.pathOf(v) === job.activePath) : at((_v, info) => info.backingFile === job.topPath);
    if (volume) await this.rebase(volume, job.basePath, 'qcow2');
  }

  /** Test hook: changes what capacity() reports. */
  setCapacity(capacity: StorageCapacity): void {
    this.capacityValue = capacity;
  }

  /** Test hook: names of every volume. */
  list(): string[] {
    return [...this.volumes.keys()].sort();
  }

  private failIfAsked(method: string, volume: string): void {
    const err = this.failures.get(`${method}:${volume}`);
    if (!err) return;
    this.failures.delete(`${method}:${volume}`);
    throw err;
  }

  private add(volume: string, info: VolumeInfo): void {
    assertVolumeName(volume);
    if (this.volumes.has(volume)) throw new VolumeExistsError(volume);
    this.volumes.set(volume, info);
  }
}
