/**
 * Embedded assets: files packed into the single executable (Node SEA `assets`), such as the
 * SPA under `ui/...` and native addons. Outside a SEA (tsx, or `node bundle/server.cjs`) the
 * UI keys fall back to the built `bundle/ui` folder on disk, so dev runs serve the same files.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as sea from 'node:sea';
import { fileURLToPath } from 'node:url';

const UI_PREFIX = 'ui/';
const SAFE_KEY = /^[A-Za-z0-9._\-/@+]+$/;

/** True when running as the packed single executable. */
export function isSingleExecutable(): boolean {
  return sea.isSea();
}

/**
 * An embedded asset as a Buffer that shares the executable's mapped memory (no copy; do not
 * mutate it), or undefined when the key is not embedded.
 */
export function readSeaAsset(key: string): Buffer | undefined {
  if (!sea.isSea()) return undefined;
  try {
    const raw = sea.getRawAsset(key);
    return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
  } catch {
    return undefined;
  }
}

/**
 * The `bundle/` directory when running `node bundle/server.cjs` (not the executable), else
 * undefined. build.mjs defines import.meta.url as the bundle file's URL.
 */
export function bundleDir(): string | undefined {
  if (isSingleExecutable()) return undefined;
  const here = fileURLToPath(import.meta.url);
  return basename(here) === 'server.cjs' ? dirname(here) : undefined;
}

/** Directory holding the built SPA when not running as the single executable. */
export function devUiDir(): string {
  if (process.env.ONEBOX_UI_DIR) return resolve(process.env.ONEBOX_UI_DIR);
  // Beside bundle/server.cjs, or, under tsx, bundle/ui relative to this file in src/lib/.
  const bundled = bundleDir();
  return bundled ? join(bundled, 'ui') : fileURLToPath(new URL('../../bundle/ui', import.meta.url));
}

/**
 * An embedded file by key (`ui/index.html`, `ui/chunks/x-HASH.js`, `better_sqlite3.node`), or
 * undefined when there is none. Keys with `..` segments or odd characters are refused.
 */
export function readEmbeddedAsset(key: string): Buffer | undefined {
  if (!isSafeKey(key)) return undefined;
  if (isSingleExecutable()) return readSeaAsset(key);
  if (!key.startsWith(UI_PREFIX)) return undefined;
  try {
    return readFileSync(join(devUiDir(), key.slice(UI_PREFIX.length)));
  } catch {
    return undefined;
  }
}

function isSafeKey(key: string): boolean {
  if (!SAFE_KEY.test(key) || key.startsWith('/')) return false;
  return key.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
