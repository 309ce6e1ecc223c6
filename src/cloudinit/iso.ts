/**
 * Writes a NoCloud seed as an ISO 9660 image labelled `cidata` (Joliet + Rock Ridge, so the
 * guest sees the real file names) with genisoimage.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import type { SeedFiles } from './seed.js';

/** Volume label cloud-init's NoCloud datasource looks for. */
export const SEED_LABEL = 'cidata';

/** File names on the seed volume, as cloud-init expects them. */
const NAMES: Record<keyof SeedFiles, string> = { metaData: 'meta-data', userData: 'user-data', networkConfig: 'network-config' };

/**
 * Writes `files` into a temporary directory inside `dir` (which must exist; use one on the
 * same filesystem as `outPath`), builds the ISO at `outPath` atomically and removes the
 * temporary files. An existing `outPath` is replaced.
 */
export async function writeSeedIso(dir: string, files: SeedFiles, outPath: string): Promise<void> {
  const staging = await mkdtemp(join(dir, '.seed-'));
  const partial = `${outPath}.partial`;
  try {
    const paths: string[] = [];
    for (const [key, name] of Object.entries(NAMES) as [keyof SeedFiles, string][]) {
      const content = files[key];
      if (content === undefined) continue;
      const path = join(staging, name);
      await writeFile(path, content, { mode: 0o600 });
      paths.push(path);
    }
    await run(['genisoimage', '-quiet', '-input-charset', 'utf-8', '-output', partial, '-volid', SEED_LABEL, '-joliet', '-rational-rock', ...paths], { timeoutMs: 30_000 });
    await rename(partial, outPath);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}
