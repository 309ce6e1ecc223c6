/**
 * A userspace NFS server for system tests: nfs-ganesha (VFS backend) and rpcbind inside a lab
 * network namespace the caller created (e.g. a lab's outside namespace, reached from its host
 * namespace over the lab's veth) and a private mount namespace of their own, where a tmpfs over
 * /run and /var/lib/nfs takes their sockets and state: nothing is written outside `dir`, and no
 * interface is added anywhere. Exports a directory with No_Root_Squash over NFSv3 and v4.
 *
 *   const nfs = await startNfsServer({ ns: lab.outNs, address: lab.outAddress, dir: lab.dir });
 *   nfs.address, nfs.exportPath            // the export's files are on this machine at exportPath
 *   await nfs.close();                     // in after(): kills the servers (by process group), deletes its files
 *
 * A test killed mid-way leaves the servers inside the lab's namespace and their files inside the
 * lab's directory: the lab's orphan sweep (lab-cleanup.ts) removes both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/lib/exec.js';
import { command, type Missing } from '../require-system.js';

/** A running NFS server. */
export interface NfsServer {
  /** Its address inside its namespace (what the lab's other namespaces reach it at). */
  readonly address: string;
  /** The exported directory (the same path on the server and on this machine). */
  readonly exportPath: string;
  /** ganesha's log, for failure messages. */
  readonly logPath: string;
  close(): Promise<void>;
}

/** What the NFS lab needs (packages nfs-ganesha, nfs-ganesha-vfs, rpcbind, qemu-block-extra). */
export function nfsRequirements(): Missing[] {
  return [command('ganesha.nfsd', ['-v'], 'nfs-ganesha', 'any'), command('rpcbind', ['-h'], 'rpcbind', 'any'), command('unshare', ['--version'], 'util-linux')];
}

const ganeshaConf = (exportPath: string) => `
NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
  Export_Id = 1; Path = ${exportPath}; Pseudo = ${exportPath}; Access_Type = RW; Squash = No_Root_Squash;
  Protocols = 3, 4; Transports = TCP; SecType = sys; FSAL { Name = VFS; }
}
LOG { Default_Log_Level = WARN; }
`;

/** Where the server runs: an existing network namespace, its address there, and a directory for its files. */
export interface NfsPlace {
  ns: string;
  address: string;
  /** The export and the server's files go in a new directory under this one. */
  dir: string;
}

/** The script run in the server's private mount namespace: tmpfs over the daemons' state, then both daemons in one process group. */
export function nfsStartScript(conf: string, logPath: string, pidPath: string): string {
  return [
    'set -e',
    // /run as a whole (not /run/ganesha): a mkdir there would be made in the real /run before the mount hides it.
    'mount -t tmpfs tmpfs /run',
    'mkdir -p /run/rpcbind /run/ganesha',
    'if [ -d /var/lib/nfs ]; then mount -t tmpfs tmpfs /var/lib/nfs; else mount -t tmpfs tmpfs /var/lib; mkdir /var/lib/nfs; fi',
    'mkdir -p /var/lib/nfs/ganesha',
    // -f: rpcbind stays in the foreground, in this process group (its daemon mode would start a session of its own).
    'rpcbind -f -w &',
    `exec ganesha.nfsd -F -f ${conf} -L ${logPath} -p ${pidPath}`,
  ].join('\n');
}

/** Starts the server in `place`; throws (after cleaning up) when it does not listen within 30 s. */
export async function startNfsServer(place: NfsPlace): Promise<NfsServer> {
  const { ns, address } = place;
  const dir = await mkdtemp(join(place.dir, 'nfs-'));
  const exportPath = join(dir, 'export');
  await mkdir(exportPath);
  await chmod(dir, 0o755);
  await chmod(exportPath, 0o755);
  const conf = join(dir, 'ganesha.conf');
  const logPath = join(dir, 'ganesha.log');
  await writeFile(conf, ganeshaConf(exportPath));
  await writeFile(join(dir, 'start.sh'), nfsStartScript(conf, logPath, join(dir, 'ganesha.pid')));
  let child: ChildProcess | undefined;
  const close = async () => {
    // The shell, rpcbind and ganesha share the child's process group; the namespace is the lab's, not ours to delete.
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', join(dir, 'start.sh')], { detached: true, stdio: 'ignore' });
    child.unref();
    child.once('exit', () => undefined);
    const deadline = Date.now() + 30_000;
    while (!(await listeningIn(ns, address, 2049)) || !(await listeningIn(ns, address, 111))) {
      if (Date.now() > deadline) throw new Error(`nfs-ganesha did not listen on ${address}:2049 within 30 s (log: ${logPath})`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // ganesha listens before its grace period and exports are ready: give it a moment more.
    await new Promise((r) => setTimeout(r, 1500));
  } catch (err) {
    await close();
    throw err;
  }
  return { address, exportPath, logPath, close };
}

/** Whether something accepts TCP connections on host:port inside `ns` (a listening socket in `ss`). */
async function listeningIn(ns: string, host: string, port: number): Promise<boolean> {
  const r = await run(['ip', 'netns', 'exec', ns, 'ss', '-Htln', `sport = :${port}`]).catch(() => ({ stdout: '' }));
  return r.stdout.split('\n').some((line) => line.includes(`${host}:${port}`) || line.includes(`*:${port}`) || line.includes(`0.0.0.0:${port}`) || line.includes(`[::]:${port}`));
}
