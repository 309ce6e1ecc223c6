/**
 * Tearing labs down, synchronously (so it also works from a process 'exit' hook): kill every
 * process inside a lab's namespaces by pid, delete the namespaces. And the owner files in
 * /run/onebox-lab/ that let the next createLab() remove the labs of a test process that died
 * without its hooks (SIGKILL): a lab whose owner no longer runs is swept; nothing else is touched.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';

/** Where the owner files live (one `<lab name>.json` per lab). */
export const LAB_OWNERS_DIR = process.env.ONEBOX_LAB_DIR ?? '/run/onebox-lab';

/** What an owner file records: the test process that made the lab, its namespaces and its directories. */
interface LabOwner {
  pid: number;
  /** Start time of the owner (field 22 of /proc/<pid>/stat), so a reused pid is not mistaken for it. */
  startTime: string;
  namespaces: string[];
  /** Temporary directories of the lab (its own, its libvirtds'), all `onebox-*` under the temporary directory. */
  dirs: string[];
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Start time of `pid`, or undefined when it does not run (zombies count as gone). */
function startTimeOf(pid: number): string | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** Whether the network namespace `ns` exists (as an `ip netns` name). */
export function namespaceExists(ns: string): boolean {
  return existsSync(join('/run/netns', ns));
}

/** Pids of the processes inside `ns` (`ip netns pids`). */
function pidsInNamespace(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** Kills (SIGKILL, by pid) every process inside `ns` and waits up to 10 s for them to go; returns the pids still alive. */
export function killNamespaceProcesses(ns: string): number[] {
  let pids: number[] = [];
  for (let round = 0; round < 3; round++) {
    // A second round catches children forked while the first was being killed.
    pids = pidsInNamespace(ns);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (pids.some((p) => startTimeOf(p) !== undefined) && Date.now() < deadline) sleepSync(20);
    if (pids.length === 0) break;
  }
  return pids.filter((p) => startTimeOf(p) !== undefined);
}

/** Kills what runs inside each namespace, then deletes it; returns what could not be cleaned (empty when all went). */
export function destroyNamespaces(namespaces: string[]): string[] {
  const problems: string[] = [];
  for (const ns of namespaces) {
    if (!namespaceExists(ns)) continue;
    const left = killNamespaceProcesses(ns);
    if (left.length > 0) problems.push(`processes ${left.join(', ')} in ${ns} did not exit`);
    const r = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
  }
  return problems;
}

const ownerFile = (lab: string) => join(LAB_OWNERS_DIR, `${lab}.json`);

/** Records this process as the owner of lab `name` (again when its directories change). */
export function recordOwner(name: string, namespaces: string[], dirs: string[]): void {
  mkdirSync(LAB_OWNERS_DIR, { recursive: true });
  const owner: LabOwner = { pid: process.pid, startTime: startTimeOf(process.pid) ?? '', namespaces, dirs };
  writeFileSync(ownerFile(name), JSON.stringify(owner));
}

/** Removes the lab's directories; only `onebox-*` directories right under the temporary directory, whatever the file says. */
export function removeLabDirs(dirs: string[]): void {
  for (const dir of dirs) {
    const path = resolve(dir);
    if (path.startsWith(`${resolve(tmpdir())}${sep}onebox-`) && !path.slice(resolve(tmpdir()).length + 1).includes(sep)) rmSync(path, { recursive: true, force: true });
  }
}

/** Forgets the owner file of lab `name`. */
export function forgetOwner(name: string): void {
  rmSync(ownerFile(name), { force: true });
}

/** The pid of the live process owning lab `name`, if any. */
export function liveOwner(name: string): number | undefined {
  const owner = readOwner(ownerFile(name));
  return owner && startTimeOf(owner.pid) === owner.startTime ? owner.pid : undefined;
}

function readOwner(file: string): LabOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabOwner;
  } catch {
    return undefined;
  }
}

/** Destroys every lab whose owner process is gone (it died without running its exit hook); returns their names. */
export function sweepOrphanLabs(): string[] {
  if (!existsSync(LAB_OWNERS_DIR)) return [];
  const swept: string[] = [];
  for (const file of readdirSync(LAB_OWNERS_DIR).filter((f) => f.endsWith('.json'))) {
    const name = file.slice(0, -'.json'.length);
    const owner = readOwner(join(LAB_OWNERS_DIR, file));
    if (owner && startTimeOf(owner.pid) === owner.startTime) continue;
    if (owner && destroyNamespaces(owner.namespaces).length > 0) continue;
    removeLabDirs(owner?.dirs ?? []);
    forgetOwner(name);
    swept.push(name);
  }
  return swept;
}
