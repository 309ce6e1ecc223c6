/**
 * Native addons inside the single executable. A SEA cannot `require()` a `.node` file, so the
 * build embeds each addon as an asset; at start we write it once to
 * `<data-dir>/native/<sha256>/<name>` (temp file + rename, so concurrent starts never see a
 * half-written file; the data dir because /tmp may be mounted noexec) and `process.dlopen` it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options as BetterSqlite3Options } from 'better-sqlite3';
import { bundleDir, isSingleExecutable, readSeaAsset } from './embedded-assets.js';

/** Asset key (and file name) of better-sqlite3's addon in the executable. */
export const BETTER_SQLITE3_ASSET = 'better_sqlite3.node';

/** The exports object of a loaded addon. */
export type AddonExports = Record<string, unknown>;

/** Where an addon from the executable lives on disk, and its exports. */
export interface LoadedAddon {
  path: string;
  exports: AddonExports;
}

const loaded = new Map<string, LoadedAddon>();

/** Writes `bytes` to `<dataDir>/native/<sha256>/<fileName>` unless already there; returns the path. */
export function extractAddon(bytes: Uint8Array, fileName: string, dataDir: string): string {
  const digest = createHash('sha256').update(bytes).digest('hex');
  const dir = join(dataDir, 'native', digest);
  const path = join(dir, fileName);
  if (isSameFile(path, bytes)) return path;
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(temp, bytes, { mode: 0o755 });
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw new Error(`Cannot write native addon ${fileName} to ${dir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return path;
}

/** Loads an addon file with `process.dlopen`; the same path is loaded at most once per process. */
export function dlopenAddon(path: string): AddonExports {
  const cached = loaded.get(path);
  if (cached) return cached.exports;
  const mod: { exports: AddonExports } = { exports: {} };
  try {
    process.dlopen(mod, path);
  } catch (err) {
    throw new Error(
      `Cannot load native addon ${path} (is the data dir on a noexec mount?): ${errorMessage(err)}`,
      { cause: err },
    );
  }
  loaded.set(path, { path, exports: mod.exports });
  return mod.exports;
}

/**
 * Extracts and loads an embedded addon when running as the single executable; undefined
 * otherwise (plain node/tsx load addons through `require` as usual).
 */
export function loadEmbeddedAddon(assetKey: string, dataDir: string): LoadedAddon | undefined {
  if (!isSingleExecutable()) return undefined;
  const bytes = readSeaAsset(assetKey);
  if (!bytes) throw new Error(`The executable has no embedded asset ${assetKey}; rebuild it with build.mjs.`);
  const path = extractAddon(bytes, assetKey, dataDir);
  return { path, exports: dlopenAddon(path) };
}

/**
 * better-sqlite3's addon exports to pass as its `nativeBinding`: extracted from the single
 * executable; or the copy build.mjs puts beside `bundle/server.cjs` (bundled, better-sqlite3
 * looks for `prebuilds/linux-x64.node` beside its own files, which are gone); undefined under
 * tsx, where better-sqlite3 finds its own prebuilt addon.
 */
export function loadBetterSqlite3Addon(dataDir: string): AddonExports | undefined {
  if (isSingleExecutable()) return loadEmbeddedAddon(BETTER_SQLITE3_ASSET, dataDir)?.exports;
  const bundled = bundleDir();
  return bundled ? dlopenAddon(join(bundled, BETTER_SQLITE3_ASSET)) : undefined;
}

/**
 * Options to spread into `new Database(file, {...})`: `{ nativeBinding: <addon> }` inside the
 * executable, `{}` otherwise. better-sqlite3 accepts the addon object (lib/database.js), but
 * @types/better-sqlite3 only declares a path string, hence the one cast.
 */
export function betterSqlite3NativeOptions(dataDir: string): Pick<BetterSqlite3Options, 'nativeBinding'> {
  const addon = loadBetterSqlite3Addon(dataDir);
  return addon ? { nativeBinding: addon as unknown as string } : {};
}

function isSameFile(path: string, bytes: Uint8Array): boolean {
  try {
    // Renames are atomic, so a file here is complete; comparing ~2 MB also catches later damage.
    return statSync(path).size === bytes.byteLength && readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing was written there, or it cannot be removed; the original error matters more.
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
