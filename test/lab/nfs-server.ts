/**
 * A userspace NFS server for system tests: nfs-ganesha (VFS backend) and rpcbind inside a network
 * namespace the test creates (`ob-nfs-<hex>`) and a private mount namespace (their sockets and
 * state directories are tmpfs there), exporting a temp directory with No_Root_Squash over NFSv3
 * and v4. A veth pair joins it to the root namespace on 10.<n>.77.0/30 so that onebox, qemu-img
 * and QEMU (the machine's libvirtd) reach it at `address`; nothing else is routed.
 *
 *   const nfs = await startNfsServer();   // in before()
 *   nfs.address, nfs.exportPath            // the export's files are on this machine at exportPath
 *   await nfs.close();                     // in after(): kills the servers, deletes namespace and dirs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/lib/exec.js';
import { command, type Missing } from '../require-system.js';

/** A running NFS server. */
export interface NfsServer {
  /** Its address (inside its namespace), reachable from the root namespace. */
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

/** Starts the server; throws (after cleaning up) when it does not listen within 30 s. */
export async function startNfsServer(): Promise<NfsServer> {
  const ns = `ob-nfs-${randomBytes(3).toString('hex')}`;
  const n = randomInt(100, 250);
  const [hostEnd, nsEnd] = [`obnfs${randomBytes(3).toString('hex')}`, 'nfs0'];
  const [rootAddress, address] = [`10.${n}.77.1`, `10.${n}.77.2`];
  const dir = await mkdtemp(join(tmpdir(), 'onebox-nfs-'));
  const exportPath = join(dir, 'export');
  await mkdir(exportPath);
  await chmod(dir, 0o755);
  await chmod(exportPath, 0o755);
  const conf = join(dir, 'ganesha.conf');
  const logPath = join(dir, 'ganesha.log');
  await writeFile(conf, ganeshaConf(exportPath));
  // Inside the private mount namespace: tmpfs over rpcbind's and ganesha's state, then both daemons.
  const script = [
    'set -e',
    'for d in /run/rpcbind /var/lib/nfs /run/ganesha; do mkdir -p $d; mount -t tmpfs tmpfs $d; done',
    'mkdir -p /var/lib/nfs/ganesha',
    'rpcbind -w',
    `exec ganesha.nfsd -F -f ${conf} -L ${logPath} -p ${join(dir, 'ganesha.pid')}`,
  ].join('\n');
  await writeFile(join(dir, 'start.sh'), script);
  let child: ChildProcess | undefined;
  const close = async () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Whatever is left in the namespace (rpcbind) goes with it.
    const pids = await run(['ip', 'netns', 'pids', ns]).then((r) => r.stdout.split('\n').filter(Boolean), () => []);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await run(['ip', 'link', 'del', hostEnd]).catch(() => undefined);
    await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run(['ip', 'netns', 'add', ns]);
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    await run(['ip', 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd, 'netns', ns]);
    await run(['ip', 'addr', 'add', `${rootAddress}/30`, 'dev', hostEnd]);
    await run(['ip', 'link', 'set', hostEnd, 'up']);
    await run(['ip', '-n', ns, 'addr', 'add', `${address}/30`, 'dev', nsEnd]);
    await run(['ip', '-n', ns, 'link', 'set', nsEnd, 'up']);
    child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', join(dir, 'start.sh')], { detached: true, stdio: 'ignore' });
    child.unref();
    const deadline = Date.now() + 30_000;
    while (!(await listening(address, 2049)) || !(await listening(address, 111))) {
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

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
