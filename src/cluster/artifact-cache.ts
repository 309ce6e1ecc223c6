/**
 * A host's copies of library files (images and ISOs): fetched once through a stream from the
 * controller (or hard-linked when the controller is on the same machine), verified by
 * SHA-256 and kept. Concurrent requests for the same file share one transfer.
 */
import { createWriteStream } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { newId } from '../lib/ids.js';
import { measuredStream } from '../lib/measured-stream.js';
import type { ProgressFn } from '../storage/driver.js';
import { ChecksumMismatchError, TransferInterruptedError } from '../lib/storage-errors.js';
import type { ArtifactRef, ArtifactSource } from './agent-types.js';
import type { HostPaths } from './host-paths.js';

/** The artifact copies of one host. */
export class ArtifactCache {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly paths: HostPaths) {}

  /** The host path of the artifact (whether or not it is there yet). */
  pathOf(ref: ArtifactRef): string {
    return this.paths.artifact(ref.shelf, ref.fileName);
  }

  /** True when the host holds a complete copy (same size as the library's). */
  async has(ref: ArtifactRef): Promise<boolean> {
    return stat(this.pathOf(ref)).then(
      (st) => st.size === ref.sizeBytes,
      () => false,
    );
  }

  /** Fetches the artifact unless the host already has it. */
  async ensure(ref: ArtifactRef, source: ArtifactSource, onProgress?: ProgressFn): Promise<void> {
    const key = `${ref.shelf}/${ref.fileName}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const task = this.fetch(ref, source, onProgress).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    return task;
  }

  async remove(ref: ArtifactRef): Promise<void> {
    await rm(this.pathOf(ref), { force: true });
  }

  private async fetch(ref: ArtifactRef, source: ArtifactSource, onProgress?: ProgressFn): Promise<void> {
    if (await this.has(ref)) return;
    const target = this.pathOf(ref);
    await mkdir(this.paths.artifactDir(ref.shelf), { recursive: true, mode: 0o700 });
    await rm(target, { force: true }); // a stale copy of another size
    // Same machine as the library: a hard link is instant and costs no space. The library checked the hash at upload.
    if (source.localPath && (await link(source.localPath, target).then(() => true, () => false))) {
      if (await this.has(ref)) return;
      await rm(target, { force: true });
    }
    await mkdir(this.paths.tmpDir, { recursive: true, mode: 0o700 });
    const partial = join(this.paths.tmpDir, `${newId('art')}.part`);
    const measure = measuredStream(() => ref.sizeBytes > 0 && onProgress?.(Math.min(1, measure.bytes() / ref.sizeBytes)));
    const input = await source.open(); // its own errors (a file missing in the library) pass unchanged
    try {
      await pipeline(input, measure.stream, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      const actual = measure.sha256();
      if (actual !== ref.sha256) throw new ChecksumMismatchError(ref.sha256, actual);
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      if (err instanceof ChecksumMismatchError) throw err;
      throw new TransferInterruptedError(measure.bytes(), err instanceof Error ? err.message : String(err));
    }
  }
}
