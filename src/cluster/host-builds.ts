/**
 * Images being built on a host: a system disk flattened into the host's scratch space
 * (`tmp/bld_….qcow2`), read by the controller, then deleted. A build cut off by a restart
 * leaves only such a file, and the host removes those when it starts.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileMissingError } from '../lib/storage-errors.js';
import type { HostPaths } from './host-paths.js';

/** The image files a host is building or has built. */
export class HostBuilds {
  constructor(private readonly paths: HostPaths) {}

  /** The path of a build's file (in the scratch directory, which is made here). */
  async prepare(buildId: string): Promise<string> {
    await mkdir(this.paths.tmpDir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(buildId);
    await rm(path, { force: true });
    return path;
  }

  /** Size of a finished build. */
  async size(buildId: string): Promise<number> {
    return (await stat(this.pathOf(buildId))).size;
  }

  /** Reads a finished build; FileMissingError when there is none. */
  async open(buildId: string): Promise<Readable> {
    const path = this.pathOf(buildId);
    await stat(path).catch(() => {
      throw new FileMissingError(`there is no built image '${buildId}' on this host`);
    });
    return createReadStream(path);
  }

  async discard(buildId: string): Promise<void> {
    await rm(this.pathOf(buildId), { force: true });
  }

  /** At start: removes the files of builds a restart cut off; returns their names. */
  async sweep(): Promise<string[]> {
    const names = (await readdir(this.paths.tmpDir).catch(() => [])).filter((n) => /^bld_[0-9a-z]+\.qcow2$/.test(n));
    for (const name of names) await rm(join(this.paths.tmpDir, name), { force: true });
    return names;
  }

  private pathOf(buildId: string): string {
    if (!/^bld_[0-9a-z]+$/.test(buildId)) throw new Error(`invalid build id '${buildId}'`);
    return join(this.paths.tmpDir, `${buildId}.qcow2`);
  }
}
