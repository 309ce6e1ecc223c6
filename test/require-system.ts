/**
 * What tests need from this machine (libvirtd, the bundle, chromium, genisoimage, …) and the
 * one place that decides what happens when something is missing: normally the test is skipped
 * with a reason naming it; with ONEBOX_REQUIRE_SYSTEM=1 (set by .ci/run) a failing test named
 * after what is missing takes its place, so a run cannot go green without the real proof.
 * Skips for what a driver cannot do (libvirt's test driver has no consoles) are not this: they
 * stay plain `skip` options.
 *
 *   describe('…', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => { … });
 *
 * Each probe returns undefined when the thing is there, else a phrase naming it and how to get it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

/** A probe's answer: undefined when present, else what is missing (and how to get it). */
export type Missing = string | undefined;

/** The repository root. */
const ROOT = resolve(import.meta.dirname, '..');
/** The executable under test (ONEBOX_BIN overrides, as in test/system/onebox-server.ts). */
const BUNDLE = process.env.ONEBOX_BIN ?? join(ROOT, 'bundle/onebox');
/** Where Debian's chromium lives (CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether ONEBOX_REQUIRE_SYSTEM asks for every system requirement to be present. */
export function systemRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ONEBOX_REQUIRE_SYSTEM === '1';
}

/**
 * The `skip` option for a test or suite needing the probed things: false when all are present;
 * otherwise a reason naming the missing ones — and, when the system is required, a failing test
 * registered in the same place that names them. Call it where tests are registered (module level
 * or inside a describe callback), never inside a running test.
 */
export function skipUnlessPresent(...probes: Missing[]): string | false {
  const missing = probes.filter((p): p is string => p !== undefined);
  if (missing.length === 0) return false;
  const reason = `missing: ${missing.join('; ')}`;
  if (systemRequired()) {
    test(`system requirement: ${missing.join('; ')}`, () => {
      throw new Error(`ONEBOX_REQUIRE_SYSTEM=1 but ${reason}`);
    });
  }
  return reason;
}

const memo = new Map<string, Missing>();
const once = (key: string, probe: () => Missing): Missing => {
  if (!memo.has(key)) memo.set(key, probe());
  return memo.get(key);
};

/** A command that must start and exit with `okStatus` when run with `args`; `pkg` is its Debian package. */
export function command(name: string, args: string[], pkg: string, okStatus: number | 'any' = 0): Missing {
  return once(`command ${name} ${args.join(' ')}`, () => {
    const r = spawnSync(name, args, { stdio: 'ignore', timeout: 10_000 });
    const ok = r.error === undefined && (okStatus === 'any' ? r.status !== null : r.status === okStatus);
    return ok ? undefined : `${name} (apt-get install ${pkg})`;
  });
}

/** The system libvirtd answering on qemu:///system. */
export function systemLibvirtd(): Missing {
  return once('system libvirtd', () => {
    const r = spawnSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore', timeout: 15_000 });
    return r.status === 0 ? undefined : 'the system libvirtd on qemu:///system (run scripts/start-libvirtd.sh)';
  });
}

/** What startPrivateLibvirtd needs: root and libvirtd's binary. */
export function privateLibvirtd(): Missing {
  if (userInfo().uid !== 0) return 'root, to run a private libvirtd';
  return existsSync('/usr/sbin/libvirtd') ? undefined : '/usr/sbin/libvirtd for a private libvirtd (apt-get install libvirt-daemon)';
}

/** The built executable. */
export function bundle(): Missing {
  return existsSync(BUNDLE) ? undefined : `${BUNDLE} (run \`node build.mjs\`)`;
}

/** Debian's chromium, for the browser test. */
export function chromiumBrowser(): Missing {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} (apt-get install chromium)`;
}

/** genisoimage and isoinfo (both from the genisoimage package). */
export function genisoimage(): Missing {
  return command('genisoimage', ['-version'], 'genisoimage') ?? command('isoinfo', ['-version'], 'genisoimage', 'any');
}
