/**
 * The controller's file library: uploaded disk images and ISOs. Uploads are streamed into a
 * temporary file while their SHA-256 is computed (never buffered whole), bounded by a size
 * limit and a free-space reserve, then moved into place atomically. Hosts get the files as
 * streams through their agent; nothing outside this module touches these directories.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256OfFile } from '../lib/file-hash.js';
import { newId } from '../lib/ids.js';
import type { StorageCapacity } from './driver.js';
import { FileMissingError, NoSpaceError, TooLargeError, TransferInterruptedError } from '../lib/storage-errors.js';
import { readHead, sniffFormat, type ImageInspector, type VolumeInfo } from './inspector.js';
import { parseOvf, parseTarHeader, SNIFF_BYTES, sniffImport, type DiskSource, type OvfSummary, type TarEntry } from './import-format.js';
import { checkUrl, fetchToFile, type FetchOptions } from './url-fetch.js';
import { basename } from 'node:path';

/** The two shelves of the library. */
export type LibraryShelf = 'images' | 'media';

/** A received file waiting to be accepted or discarded. */
export interface ReceivedFile {
  /** Opaque handle (the temporary file's name). */
  token: string;
  sizeBytes: number;
  sha256: string;
}

/** A received file whose SHA-256 is still being computed: enough to read and check it. */
export type UnhashedFile = Omit<ReceivedFile, 'sha256'>;

/** Limits of one upload. */
export interface ReceiveLimits {
  /** Refuse files larger than this. */
  maxBytes: number;
  /** Stop before the filesystem's free space falls under this. */
  reserveBytes: number;
}

/** A file opened for reading. */
export interface LibraryFile {
  stream: Readable;
  sizeBytes: number;
}

const CHECK_SPACE_EVERY = 64 * 1024 * 1024;
/**
 * Bytes a receive buffers between the network and the file: the 16 KiB chunks of a TLS socket
 * gather while a write is in flight and go out in one writev, instead of one thread-pool write
 * per chunk (which halved upload throughput). Bounded, so memory stays flat whatever the size.
 */
const WRITE_BUFFER_BYTES = 1024 * 1024;
const MAX_OVF_BYTES = 1024 * 1024;

/** Where a received file's disk is, or why it has none; see {@link FileLibrary.locateDisk}. */
export type LocatedDisk = { kind: 'disk'; source: DiskSource; ovf?: OvfSummary; container?: 'ova' } | { kind: 'refused'; sentence: string };

/** Image and ISO files of the controller. */
export class FileLibrary {
  constructor(
    private readonly root: string,
    private readonly inspector: ImageInspector,
  ) {}

  private get uploadsDir(): string {
    return join(this.root, 'uploads');
  }

  /** Creates the directories (0700: images may hold secrets of their owners). */
  async init(): Promise<void> {
    for (const dir of [this.uploadsDir, join(this.root, 'images'), join(this.root, 'media')]) await mkdir(dir, { recursive: true, mode: 0o700 });
  }

  /** Free space on the library's filesystem. */
  async capacity(): Promise<StorageCapacity> {
    const fs = await statfs(this.root);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  }

  /** Streams `body` into a temporary file; on any failure the partial file is removed. */
  async receive(body: Readable, limits: ReceiveLimits): Promise<ReceivedFile> {
    const token = `${newId('upl')}.part`;
    const path = join(this.uploadsDir, token);
    const hash = createHash('sha256');
    let sizeBytes = 0;
    let nextSpaceCheck = 0;
    const free = async () => (await this.capacity()).freeBytes;
    const measure = new Transform({
      highWaterMark: WRITE_BUFFER_BYTES,
      transform: (chunk: Buffer, _enc, done: TransformCallback) => {
        sizeBytes += chunk.length;
        if (sizeBytes > limits.maxBytes) return done(new TooLargeError(limits.maxBytes));
        hash.update(chunk);
        if (sizeBytes < nextSpaceCheck) return done(null, chunk);
        nextSpaceCheck = sizeBytes + CHECK_SPACE_EVERY;
        free().then(
          (bytes) => done(bytes - CHECK_SPACE_EVERY < limits.reserveBytes ? new NoSpaceError(`free space would fall under the reserve after ${sizeBytes} bytes`) : null, chunk),
          (err: Error) => done(err),
        );
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: WRITE_BUFFER_BYTES }));
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof TooLargeError || err instanceof NoSpaceError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new NoSpaceError(`the disk is full after ${sizeBytes} bytes`);
      throw new TransferInterruptedError(sizeBytes, err instanceof Error ? err.message : String(err));
    }
    return { token, sizeBytes, sha256: hash.digest('hex') };
  }

  /** Downloads a URL into a temporary file (resumed with Range requests when the connection drops); see {@link fetchToFile}. */
  async receiveUrl(url: URL, opts: Omit<FetchOptions, 'path'>): Promise<ReceivedFile> {
    const token = `${newId('upl')}.part`;
    const path = join(this.uploadsDir, token);
    try {
      const { sizeBytes, sha256 } = await fetchToFile(url, { ...opts, path });
      return { token, sizeBytes, sha256 };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  /** `length` bytes of a received file from `offset` (fewer at its end). */
  async readReceived(file: ReceivedFile, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.tempPath(file), 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /** The members of a received tar (an OVA), read header by header without unpacking; undefined when it is not a valid tar. */
  async tarEntries(file: ReceivedFile): Promise<TarEntry[] | undefined> {
    const entries: TarEntry[] = [];
    for (let at = 0; at + 512 <= file.sizeBytes && entries.length < 1000; ) {
      const parsed = parseTarHeader(await this.readReceived(file, at, 512), at);
      if (parsed === 'end') return entries;
      if (parsed === 'invalid' || parsed.next > file.sizeBytes + 512) return undefined;
      if (parsed.type === '0' || parsed.type === '7') entries.push(parsed.entry);
      at = parsed.next;
    }
    return entries;
  }

  /** Throws UrlFetchError('bad_url' | 'address_not_allowed') for a URL an import must not fetch (checked again at every connection). */
  checkImportUrl(url: URL, allowPrivate: boolean): void {
    checkUrl(url, allowPrivate);
  }

  /**
   * Where the disk of a received file is, from its own bytes: the file itself (qcow2, raw, vmdk,
   * vhdx, vdi) or, in an OVA, the first disk the OVF lists, read in place inside the tar.
   * `refused` carries the sentence saying what the file is instead.
   */
  async locateDisk(file: ReceivedFile): Promise<LocatedDisk> {
    const sniffed = sniffImport(await this.readReceived(file, 0, SNIFF_BYTES));
    if (sniffed.kind === 'refused') return { kind: 'refused', sentence: `The file is ${sniffed.what}` };
    if (sniffed.kind === 'disk') return { kind: 'disk', source: { path: this.tempPath(file), format: sniffed.format } };
    const entries = await this.tarEntries(file);
    if (!entries) return { kind: 'refused', sentence: 'The file starts like a tar (an OVA) but its entries cannot be read' };
    const ovfEntry = entries.find((e) => e.name.toLowerCase().endsWith('.ovf'));
    if (!ovfEntry) return { kind: 'refused', sentence: `The tar has no .ovf descriptor (${entries.length} entries), so it is not an OVA` };
    const ovf = parseOvf((await this.readReceived(file, ovfEntry.offset, Math.min(ovfEntry.size, MAX_OVF_BYTES))).toString('utf8'));
    const byName = (href: string) => entries.find((e) => basename(e.name) === basename(href));
    const disk = ovf.diskFiles.map(byName).find((e) => e !== undefined && e.size > 0) ?? entries.find((e) => /\.(vmdk|qcow2|img|raw|vhdx|vdi)$/i.test(e.name) && e.size > 0);
    if (!disk) return { kind: 'refused', sentence: 'The OVA holds no disk file' };
    const inner = sniffImport(await this.readReceived(file, disk.offset, Math.min(SNIFF_BYTES, disk.size)));
    if (inner.kind !== 'disk') return { kind: 'refused', sentence: `The OVA's disk '${basename(disk.name)}' is not a single-file disk image` };
    return { kind: 'disk', source: { path: this.tempPath(file), format: inner.format, range: { offset: disk.offset, size: disk.size } }, ovf, container: 'ova' };
  }

  /** What an imported disk is (format pinned). */
  async inspectSource(source: DiskSource): Promise<VolumeInfo> {
    return this.inspector.inspectSource(source);
  }

  /**
   * Converts an imported disk into a new received qcow2 file; the source stays. `verify` (the
   * caller's checks of the result, whose answer is returned beside the file) runs while the SHA-256 is computed: both only read the file,
   * so the import waits for the longer of the two instead of their sum.
   */
  async convertReceived<T>(source: DiskSource, onProgress: ((fraction: number) => void) | undefined, verify: (file: UnhashedFile) => Promise<T>, signal?: AbortSignal): Promise<{ file: ReceivedFile; verified: T }> {
    const token = `${newId('upl')}.part`;
    const path = join(this.uploadsDir, token);
    try {
      await this.inspector.convertToQcow2(source, path, onProgress, signal);
      const file = { token, sizeBytes: (await stat(path)).size };
      const [sha256, verified] = await Promise.all([sha256OfFile(path), verify(file)]);
      return { file: { ...file, sha256 }, verified };
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
  }

  /**
   * What a received disk image is; the format comes from its first bytes, never from a probe.
   * A raw file has no header, so its sizes come from the file itself: no qemu-img process (a
   * noticeable share of a small upload's time) for what `qemu-img info -f raw` would only restate.
   */
  async inspectImage(file: UnhashedFile): Promise<VolumeInfo> {
    const path = this.tempPath(file);
    const format = await sniffFormat(path);
    if (format === 'qcow2') return this.inspector.info(path, format);
    const { size, blocks } = await stat(path);
    return { format, virtualSizeBytes: size, actualSizeBytes: blocks * 512 };
  }

  /** Verifies a received qcow2. */
  async checkImage(file: UnhashedFile): Promise<void> {
    await this.inspector.check(this.tempPath(file));
  }

  /** True when the received file carries the ISO 9660 signature "CD001" at byte 32769. */
  async isIso9660(file: ReceivedFile): Promise<boolean> {
    const head = await readHead(this.tempPath(file), 32774);
    return head.length === 32774 && head.subarray(32769).toString('latin1') === 'CD001';
  }

  /** Moves a received file onto a shelf under `fileName`. */
  async accept(file: ReceivedFile, shelf: LibraryShelf, fileName: string): Promise<void> {
    await rename(this.tempPath(file), this.pathOf(shelf, fileName));
  }

  /** Forgets a received file that was not accepted. */
  async discard(file: ReceivedFile): Promise<void> {
    await rm(this.tempPath(file), { force: true });
  }

  /** Opens a file for reading; FileMissingError when it is gone. */
  async open(shelf: LibraryShelf, fileName: string): Promise<LibraryFile> {
    const path = this.pathOf(shelf, fileName);
    const size = await stat(path).then(
      (st) => st.size,
      () => {
        throw new FileMissingError(`${shelf}/${fileName} is missing from the library`);
      },
    );
    return { stream: createReadStream(path), sizeBytes: size };
  }

  /** A file's size; FileMissingError when it is gone. */
  async sizeOf(shelf: LibraryShelf, fileName: string): Promise<number> {
    return stat(this.pathOf(shelf, fileName)).then(
      (st) => st.size,
      () => {
        throw new FileMissingError(`${shelf}/${fileName} is missing from the library`);
      },
    );
  }

  /** Opens bytes `start`..`end` (inclusive) of a file; FileMissingError when it is gone. */
  async openRange(shelf: LibraryShelf, fileName: string, start: number, end: number): Promise<Readable> {
    const path = this.pathOf(shelf, fileName);
    await stat(path).catch(() => {
      throw new FileMissingError(`${shelf}/${fileName} is missing from the library`);
    });
    return createReadStream(path, { start, end });
  }

  /** The file's path on this machine, for a host agent on the same machine (a hard link instead of a copy). */
  localPath(shelf: LibraryShelf, fileName: string): string {
    return this.pathOf(shelf, fileName);
  }

  async remove(shelf: LibraryShelf, fileName: string): Promise<void> {
    await rm(this.pathOf(shelf, fileName), { force: true });
  }

  /** At start: removes partial uploads and files no row refers to; returns what it removed. */
  async sweep(keep: Record<LibraryShelf, Set<string>>): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.uploadsDir).catch(() => [])) {
      await rm(join(this.uploadsDir, name), { force: true, recursive: true });
      removed.push(`uploads/${name}`);
    }
    for (const shelf of ['images', 'media'] as const) {
      for (const name of await readdir(join(this.root, shelf)).catch(() => [])) {
        if (keep[shelf].has(name)) continue;
        await rm(join(this.root, shelf, name), { force: true, recursive: true });
        removed.push(`${shelf}/${name}`);
      }
    }
    return removed;
  }

  private tempPath(file: UnhashedFile): string {
    if (!/^upl_[0-9a-z]+\.part$/.test(file.token)) throw new Error(`invalid upload token '${file.token}'`);
    return join(this.uploadsDir, file.token);
  }

  private pathOf(shelf: LibraryShelf, fileName: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(fileName) || fileName.startsWith('.')) throw new Error(`invalid library file name '${fileName}'`);
    return join(this.root, shelf, fileName);
  }
}
