/**
 * Walks every import in src/ and fails on an edge the layering forbids:
 * main → api → services → {cluster, hypervisor, network, storage, cloudinit, db} → lib.
 * Drivers never import services, api or db; the UI imports shared only. Services and the
 * API act on hosts only through HostAgent: no file system, sockets or processes of their
 * own, and no values from the drivers behind the agent (their types are fine).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = dirname(fileURLToPath(import.meta.url));

/** Which top-level folders each folder may import from (besides itself). */
const allowed: Record<string, string[]> = {
  lib: ['shared'],
  shared: [],
  db: ['lib', 'shared'],
  hypervisor: ['lib'],
  network: ['lib'],
  storage: ['lib'],
  cloudinit: ['lib'],
  cluster: ['lib', 'shared', 'hypervisor', 'network', 'storage', 'cloudinit'],
  services: ['lib', 'shared', 'db', 'cluster', 'hypervisor', 'network', 'storage', 'cloudinit'],
  api: ['lib', 'shared', 'services'],
  ui: ['shared'],
  cli: ['*'],
  '.': ['*'],
};

// Test scaffolding may wire real drivers together; production code may not.
const isTestOnly = (file: string) =>
  file.endsWith('.test.ts') || file.endsWith('test-harness.ts') || file.endsWith('-contract.ts') || file.endsWith('driver-contract-console.ts') || file.endsWith('/api/tests/fixtures.ts');

/** Node modules that reach the machine itself, and driver folders only the host agent may use. */
const HOST_ONLY_MODULES = ['node:fs', 'node:fs/promises', 'node:net', 'node:child_process', 'node:dgram'];
const DRIVER_FOLDERS = ['storage/', 'cloudinit/', 'hypervisor/libvirt/'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(e) ? [p] : [];
  });
}

const layerOf = (file: string) => {
  const rel = relative(src, file).split('/');
  return rel.length === 1 ? '.' : rel[0];
};

/** Value imports by which a service or route would touch the machine directly instead of through its HostAgent. */
function hostReach(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const [, typeOnly, target] = m;
    if (typeOnly) continue;
    const resolved = target.startsWith('.') ? relative(src, resolve(dirname(file), target)) : target;
    if (HOST_ONLY_MODULES.includes(target)) found.push(`${relative(src, file)} imports ${target}`);
    if (DRIVER_FOLDERS.some((d) => resolved.startsWith(d))) found.push(`${relative(src, file)} imports a value from ${resolved}`);
  }
  return found;
}

test('imports respect the layering', () => {
  const violations: string[] = [];
  for (const file of files(src)) {
    if (isTestOnly(file)) continue;
    const from = layerOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const to = layerOf(resolve(dirname(file), m[1]));
      if (to === from) continue;
      const ok = allowed[from]?.includes('*') || allowed[from]?.includes(to);
      if (!ok) violations.push(`${relative(src, file)} imports ${m[1]} (${from} → ${to})`);
    }
    if (from !== 'api' && from !== 'cli' && from !== '.' && /from\s+['"]hono/.test(text) && from !== 'ui')
      violations.push(`${relative(src, file)} imports hono outside the api layer`);
    if (from === 'services' || from === 'api') violations.push(...hostReach(file, text));
  }
  assert.deepEqual(violations, []);
});
