/**
 * One server per data directory: a lock file naming the holder's pid and its start time (from
 * /proc, so a recycled pid is not mistaken for the holder). A lock whose process is gone — killed,
 * crashed, the machine rebooted — is stale and taken over. Node has no flock(2); this is the
 * pid-file scheme, with the file created by link(2) so two starters cannot both create it.
 * (Two starters taking over the same stale lock within the same instant could both win; a
 * holder in another pid namespace looks dead. Neither happens with one host's service manager.)
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AppError } from './errors.js';

/** The data directory is in use by another live process. */
export class LockedError extends AppError {
  constructor(
    readonly holderPid: number,
    what: string,
  ) {
    super('data_dir_locked', `Another onebox (pid ${holderPid}) is already serving ${what}; stop it first, or give this one another --data-dir.`);
  }
}

interface Holder {
  pid: number;
  /** Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  start: string;
}

/** Start time of a process, or undefined when it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof parsed.pid === 'number' && typeof parsed.start === 'string' ? { pid: parsed.pid, start: parsed.start } : undefined;
  } catch {
    return undefined;
  }
}

const isAlive = (h: Holder) => processStartTime(h.pid) === h.start;

/** A held lock. */
export interface PidLock {
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/**
 * Takes the lock at `file` for this process, or throws LockedError naming the live holder.
 * `what` names the locked thing in the message (the data directory).
 */
export function acquirePidLock(file: string, what: string): PidLock {
  const me: Holder = { pid: process.pid, start: processStartTime(process.pid) ?? String(Date.now()) };
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(me) + '\n', { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file); // atomic: fails when the lock exists
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw err;
      }
      const holder = readHolder(file);
      if (holder && holder.pid !== process.pid && isAlive(holder)) throw new LockedError(holder.pid, what);
      // Stale (or half-written by a starter that died): remove it and try again.
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  } finally {
    unlinkSync(tmp);
  }
  return {
    release() {
      const holder = readHolder(file);
      if (holder?.pid === me.pid && holder.start === me.start) unlinkSync(file);
    },
  };
}
