/**
 * A small NFSv3 client over ONC RPC (TCP, AUTH_SYS as root): what a host without a kernel NFS
 * client needs beside QEMU's NFS driver — free space (FSSTAT), directories (MKDIR, READDIR) and
 * deleting files (REMOVE, RMDIR). Ports come from the server's rpcbind. Only what onebox uses.
 */
import { connect, type Socket } from 'node:net';

/** An NFS server answered with an error status, or could not be reached. */
export class NfsError extends Error {
  constructor(
    message: string,
    /** The NFSv3 status (2 = no such file, 17 = exists, 66 = not empty, …); undefined for transport errors. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NfsError';
  }
}

const NFS3_STATUS: Record<number, string> = {
  1: 'not owner', 2: 'no such file or directory', 5: 'I/O error', 13: 'permission denied', 17: 'file exists', 20: 'not a directory',
  21: 'is a directory', 28: 'no space left', 30: 'read-only file system', 66: 'directory not empty', 70: 'stale file handle',
};

const PORTMAP = 100000;
const MOUNT = 100005;
const NFS = 100003;

/** XDR writer. */
class XdrWriter {
  private readonly parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  opaque(data: Buffer): this {
    this.u32(data.length);
    this.parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
    return this;
  }
  fixed(data: Buffer): this {
    this.parts.push(data);
    return this;
  }
  string(s: string): this {
    return this.opaque(Buffer.from(s, 'utf8'));
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** XDR reader. */
class XdrReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  opaque(): Buffer {
    const n = this.u32();
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n + ((4 - (n % 4)) % 4);
    return v;
  }
  /** A fixed 8-byte field (a cookie verifier). */
  fixed8(): Buffer {
    const v = Buffer.from(this.buf.subarray(this.off, this.off + 8));
    this.off += 8;
    return v;
  }
  skip(n: number): void {
    this.off += n;
  }
  string(): string {
    return this.opaque().toString('utf8');
  }
  /** post_op_attr: a flag, then 84 bytes of fattr3. */
  postOpAttr(): void {
    if (this.u32()) this.skip(84);
  }
}

/** One TCP connection carrying RPC calls in order (record marking, one call at a time). */
class RpcConnection {
  private xid = Math.floor(Math.random() * 0xffffffff);
  private pending: { resolve: (r: XdrReader) => void; reject: (e: Error) => void; xid: number } | undefined;
  private buffered = Buffer.alloc(0);
  private fragments: Buffer[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly where: string,
  ) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new NfsError(`NFS server ${where}: ${err.message}`)));
    socket.on('close', () => this.fail(new NfsError(`NFS server ${where} closed the connection`)));
  }

  static open(host: string, port: number, timeoutMs: number): Promise<RpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new NfsError(`NFS server ${host}:${port} did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcConnection(socket, `${host}:${port}`));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new NfsError(`cannot reach NFS server ${host}:${port}: ${err.message}`));
      });
    });
  }

  call(prog: number, vers: number, proc: number, args: Buffer, timeoutMs = 15_000): Promise<XdrReader> {
    if (this.pending) throw new Error('one RPC call at a time');
    const xid = (this.xid = (this.xid + 1) >>> 0);
    const cred = new XdrWriter().u32(0).string('onebox').u32(0).u32(0).u32(0).done(); // AUTH_SYS: root, no extra groups
    const body = new XdrWriter().u32(xid).u32(0).u32(2).u32(prog).u32(vers).u32(proc).u32(1).opaque(cred).u32(0).u32(0).fixed(args).done();
    const mark = Buffer.alloc(4);
    mark.writeUInt32BE((0x80000000 | body.length) >>> 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new NfsError(`NFS server ${this.where} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      this.pending = {
        xid,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(Buffer.concat([mark, body]));
    });
  }

  close(): void {
    this.pending = undefined;
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const mark = this.buffered.readUInt32BE(0);
      const len = mark & 0x7fffffff;
      if (this.buffered.length < 4 + len) return;
      this.fragments.push(this.buffered.subarray(4, 4 + len));
      this.buffered = this.buffered.subarray(4 + len);
      if (mark & 0x80000000) {
        const record = Buffer.concat(this.fragments);
        this.fragments = [];
        this.onRecord(record);
      }
    }
  }

  private onRecord(record: Buffer): void {
    const r = new XdrReader(record);
    const xid = r.u32();
    if (!this.pending || xid !== this.pending.xid) return;
    const p = this.pending;
    this.pending = undefined;
    if (r.u32() !== 1) return p.reject(new NfsError(`NFS server ${this.where} sent a malformed reply`));
    if (r.u32() !== 0) return p.reject(new NfsError(`NFS server ${this.where} denied the call (AUTH_SYS refused)`));
    r.u32();
    r.opaque(); // verifier
    const accept = r.u32();
    if (accept !== 0) return p.reject(new NfsError(`NFS server ${this.where} did not accept the call (RPC status ${accept}: program or version unavailable)`));
    p.resolve(r);
  }
}

/** Size and free space of an export (FSSTAT). */
export interface NfsSpace {
  totalBytes: number;
  freeBytes: number;
}

/**
 * A session on one NFS export: MOUNT gives the root handle, then paths (relative to the export,
 * `a/b`) are looked up a component at a time. Close it when done.
 */
export class NfsSession {
  private constructor(
    private readonly nfs: RpcConnection,
    private readonly root: Buffer,
  ) {}

  /** Mounts `exportPath` of `server` (rpcbind tells the MOUNT and NFS ports); NfsError with the reason on failure. */
  static async open(server: string, exportPath: string, timeoutMs = 10_000): Promise<NfsSession> {
    const portmap = await RpcConnection.open(server, 111, timeoutMs);
    let mountPort: number;
    let nfsPort: number;
    try {
      const getport = async (prog: number, vers: number) => (await portmap.call(PORTMAP, 2, 3, new XdrWriter().u32(prog).u32(vers).u32(6).u32(0).done(), timeoutMs)).u32();
      mountPort = await getport(MOUNT, 3);
      nfsPort = await getport(NFS, 3);
    } finally {
      portmap.close();
    }
    if (!mountPort) throw new NfsError(`NFS server ${server} has no NFSv3 MOUNT service registered with rpcbind`);
    if (!nfsPort) throw new NfsError(`NFS server ${server} has no NFSv3 service registered with rpcbind`);
    const mount = await RpcConnection.open(server, mountPort, timeoutMs);
    let root: Buffer;
    try {
      const r = await mount.call(MOUNT, 3, 1, new XdrWriter().string(exportPath).done(), timeoutMs);
      const status = r.u32();
      if (status !== 0) throw new NfsError(`NFS server ${server} refused to mount '${exportPath}': ${status === 2 ? 'no such export' : status === 13 ? 'permission denied' : `MOUNT status ${status}`}`, status);
      root = Buffer.from(r.opaque());
    } finally {
      mount.close();
    }
    return new NfsSession(await RpcConnection.open(server, nfsPort, timeoutMs), root);
  }

  close(): void {
    this.nfs.close();
  }

  /** Total and available bytes of the export's filesystem. */
  async fsstat(): Promise<NfsSpace> {
    const r = await this.nfs.call(NFS, 3, 18, new XdrWriter().opaque(this.root).done());
    this.check(r.u32(), 'FSSTAT', '/');
    r.postOpAttr();
    const total = r.u64();
    r.u64(); // free, including what only root may use
    const avail = r.u64();
    return { totalBytes: Number(total), freeBytes: Number(avail) };
  }

  /** The handle of a path, or undefined when it does not exist. */
  async lookup(path: string): Promise<Buffer | undefined> {
    let fh: Buffer = this.root;
    for (const name of components(path)) {
      const r = await this.nfs.call(NFS, 3, 3, new XdrWriter().opaque(fh).string(name).done());
      const status = r.u32();
      if (status === 2) return undefined;
      this.check(status, 'LOOKUP', path);
      fh = Buffer.from(r.opaque());
    }
    return fh;
  }

  /** Makes a directory and its parents (mode 0755); existing ones are fine. */
  async mkdirp(path: string): Promise<void> {
    let fh: Buffer = this.root;
    for (const name of components(path)) {
      const found = await this.nfs.call(NFS, 3, 3, new XdrWriter().opaque(fh).string(name).done());
      const status = found.u32();
      if (status === 0) {
        fh = Buffer.from(found.opaque());
        continue;
      }
      if (status !== 2) this.check(status, 'LOOKUP', path);
      // sattr3: mode 0755, no uid/gid/size change, times left to the server.
      const sattr = new XdrWriter().u32(1).u32(0o755).u32(0).u32(0).u32(0).u32(0).u32(0).done();
      const r = await this.nfs.call(NFS, 3, 9, new XdrWriter().opaque(fh).string(name).fixed(sattr).done());
      const made = r.u32();
      if (made === 17) continue; // made meanwhile: look it up again on the next round
      this.check(made, 'MKDIR', path);
      if (!r.u32()) throw new NfsError(`NFS MKDIR of '${path}' returned no handle`);
      fh = Buffer.from(r.opaque());
    }
  }

  /** Names in a directory (without . and ..); empty when it does not exist. */
  async list(path: string): Promise<string[]> {
    const dir = await this.lookup(path);
    if (!dir) return [];
    const names: string[] = [];
    let cookie = 0n;
    let verifier: Buffer = Buffer.alloc(8);
    for (;;) {
      const r = await this.nfs.call(NFS, 3, 16, new XdrWriter().opaque(dir).u64(cookie).fixed(verifier).u32(32_768).done());
      this.check(r.u32(), 'READDIR', path);
      r.postOpAttr();
      verifier = r.fixed8();
      while (r.u32()) {
        r.u64(); // fileid
        const name = r.string();
        cookie = r.u64();
        if (name !== '.' && name !== '..') names.push(name);
      }
      if (r.u32()) return names;
    }
  }

  /** Renames a file (replacing what `to` names); both paths relative to the export. */
  async rename(from: string, to: string): Promise<void> {
    const [a, b] = [components(from), components(to)];
    const [an, bn] = [a.pop(), b.pop()];
    const [ad, bd] = [await this.lookup(a.join('/')), await this.lookup(b.join('/'))];
    if (an === undefined || bn === undefined || !ad || !bd) throw new NfsError(`NFS RENAME of '${from}' to '${to}' failed: no such file or directory`, 2);
    this.check((await this.nfs.call(NFS, 3, 14, new XdrWriter().opaque(ad).string(an).opaque(bd).string(bn).done())).u32(), 'RENAME', from);
  }

  /** Deletes a file; a missing one is fine. */
  async remove(path: string): Promise<void> {
    await this.unlink(path, 12, 'REMOVE');
  }

  /** Deletes a directory with the files in it (one level deep: onebox keeps no deeper trees); a missing one is fine. */
  async removeTree(path: string): Promise<void> {
    for (const name of await this.list(path)) {
      const child = `${path}/${name}`;
      await this.unlink(child, 12, 'REMOVE').catch(async (err: unknown) => {
        if (err instanceof NfsError && (err.status === 21 || err.status === 1)) await this.removeTree(child);
        else throw err;
      });
    }
    await this.unlink(path, 13, 'RMDIR');
  }

  private async unlink(path: string, proc: number, what: string): Promise<void> {
    const parts = components(path);
    const name = parts.pop();
    if (name === undefined) throw new NfsError(`refusing to ${what} the export's root`);
    const dir = await this.lookup(parts.join('/'));
    if (!dir) return;
    const status = (await this.nfs.call(NFS, 3, proc, new XdrWriter().opaque(dir).string(name).done())).u32();
    if (status !== 2) this.check(status, what, path);
  }

  private check(status: number, what: string, path: string): void {
    if (status !== 0) throw new NfsError(`NFS ${what} of '${path}' failed: ${NFS3_STATUS[status] ?? `status ${status}`}`, status);
  }
}

/** The components of a path relative to the export ('' = the root); `..` and empty names are refused. */
function components(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new NfsError(`invalid NFS path '${path}'`);
  return parts;
}

/** Runs `fn` on a session of the export, closing it afterwards. */
export async function withNfs<T>(server: string, exportPath: string, fn: (s: NfsSession) => Promise<T>): Promise<T> {
  const session = await NfsSession.open(server, exportPath);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
