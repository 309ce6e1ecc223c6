/**
 * Test support: a private, unprivileged libvirtd (session mode, run as `nobody` with its own
 * XDG directories) whose socket no other process uses. Tests open `test:///default` on it
 * and may kill and restart it to exercise reconnects. Never used by product code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A running private daemon. */
export interface PrivateLibvirtd {
  /** Unix socket of the daemon. */
  socketPath: string;
  /** Kills the daemon (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the daemon again (after kill) on the same socket. */
  restart(): Promise<void>;
  /** Kills the daemon and removes its directories. */
  stop(): Promise<void>;
}

const NOBODY_UID = 65534;

/** Whether a private daemon can run here (libvirtd binary present, running as root for runuser). */
export function canRunPrivateLibvirtd(): boolean {
  return existsSync('/usr/sbin/libvirtd') && userInfo().uid === 0;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Starts libvirtd as `nobody` in a fresh temporary directory and waits for its socket. */
export async function startPrivateLibvirtd(): Promise<PrivateLibvirtd> {
  const base = mkdtempSync(join(tmpdir(), 'onebox-libvirtd-'));
  const dirs = ['run', 'config', 'cache', 'home'].map((d) => join(base, d));
  for (const d of [base, ...dirs]) {
    mkdirSync(d, { recursive: true });
    chownSync(d, NOBODY_UID, NOBODY_UID);
  }
  const [run, config, cache, home] = dirs;
  const socketPath = join(run, 'libvirt', 'libvirt-sock');
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    rmSync(socketPath, { force: true });
    stderr = '';
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_RUNTIME_DIR: run, XDG_CONFIG_HOME: config, XDG_CACHE_HOME: cache, HOME: home };
    const proc = spawn('runuser', ['-u', 'nobody', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'libvirtd', '--timeout', '120'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child = proc;
    try {
      await waitFor(() => existsSync(socketPath) || proc.exitCode !== null, 10_000, `private libvirtd socket ${socketPath}`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
    if (proc.exitCode !== null) throw new Error(`private libvirtd exited with code ${proc.exitCode}: ${stderr.trim()}`);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    // Kill libvirtd itself (runuser's child, by pid) hard, like a crash; runuser then exits.
    for (const pid of childPids(proc.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };

  await start();
  return {
    socketPath,
    kill,
    restart: start,
    stop: async () => {
      await kill();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
