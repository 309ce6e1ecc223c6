/**
 * LibvirtConnection against a canned-reply server speaking libvirt's framing over a real
 * unix socket: error decoding, pipelining, events, keepalive answers and death detection,
 * fail-fast while down, and reconnect.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DomainNotFoundError, DomainStateError, HypervisorError, HypervisorUnavailableError } from '../errors.js';
import { LibvirtConnection } from './connection.js';
import { MessageStatus, MessageType, type Packet, PacketSplitter, encodePacket } from './packet.js';
import { KEEPALIVE_PROGRAM, remoteProgram, xdrSchema } from './protocol.generated.js';
import { SchemaCodecs } from './xdr-schema.js';
import { XdrWriter } from './xdr.js';

const codecs = new SchemaCodecs(xdrSchema);
const P = remoteProgram.procedures;
const dir = mkdtempSync(join(tmpdir(), 'onebox-canned-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Reply = { ret?: [string, unknown]; error?: { code: number; message: string }; delayMs?: number } | 'hold';

function xdr(type: string, value: unknown): Buffer {
  const w = new XdrWriter();
  codecs.named(type).enc(w, value);
  return w.finish();
}

/** A canned libvirtd: answers the handshake, then whatever `handler` says. */
class CannedServer {
  readonly path = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  readonly server: Server;
  readonly sockets: Socket[] = [];
  readonly received: Packet[] = [];
  answerPings = true;
  connections = 0;

  constructor(private readonly handler: (p: Packet) => Reply) {
    this.server = createServer((s) => {
      this.connections++;
      this.sockets.push(s);
      const splitter = new PacketSplitter();
      s.on('data', (d: Buffer) => splitter.push(d).forEach((p) => this.onPacket(s, p)));
      s.on('error', () => {});
    });
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, r));
  }

  send(s: Socket, p: Omit<Packet, 'payload'>, payload: Buffer): void {
    if (!s.destroyed) s.write(encodePacket(p, payload));
  }

  private onPacket(s: Socket, p: Packet): void {
    this.received.push(p);
    if (p.program === KEEPALIVE_PROGRAM) {
      if (p.procedure === 1 && this.answerPings) this.send(s, { ...p, procedure: 2 }, Buffer.alloc(0));
      return;
    }
    const handshake: Record<number, Reply> = {
      [P.AUTH_LIST]: { ret: ['remote_auth_list_ret', { types: [0] }] },
      [P.CONNECT_SUPPORTS_FEATURE]: { ret: ['remote_connect_supports_feature_ret', { supported: 1 }] },
      [P.CONNECT_OPEN]: {},
      [P.CONNECT_CLOSE]: {},
    };
    const reply = handshake[p.procedure] ?? this.handler(p);
    if (reply === 'hold') return;
    const out = { ...p, type: MessageType.REPLY };
    const write = () =>
      reply.error
        ? this.send(s, { ...out, status: MessageStatus.ERROR }, xdr('remote_error', { code: reply.error.code, domain: 10, message: reply.error.message, level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null }))
        : this.send(s, { ...out, status: MessageStatus.OK }, reply.ret ? xdr(reply.ret[0], reply.ret[1]) : Buffer.alloc(0));
    if (reply.delayMs) setTimeout(write, reply.delayMs);
    else write();
  }

  close(): Promise<void> {
    this.sockets.forEach((s) => s.destroy());
    return new Promise((r) => this.server.close(() => r()));
  }
}

const version = (v: number): Exclude<Reply, 'hold'> => ({ ret: ['remote_connect_get_version_ret', { hv_ver: BigInt(v) }] });

describe('LibvirtConnection with a canned server', () => {
  test('decodes remote_error into typed errors carrying code, domain and message', async () => {
    const srv = new CannedServer((p) => {
      if (p.procedure === P.DOMAIN_LOOKUP_BY_NAME) return { error: { code: 42, message: "Domain not found: no domain with matching name 'vm9'" } };
      if (p.procedure === P.DOMAIN_CREATE) return { error: { code: 55, message: 'Requested operation is not valid: domain is already running' } };
      return { error: { code: 1, message: 'internal error: boom' } };
    });
    await srv.listen();
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false });
    await assert.rejects(conn.call('DOMAIN_LOOKUP_BY_NAME', { name: 'vm9' }), (e: unknown) => e instanceof DomainNotFoundError && e.domainName === 'vm9' && e.libvirtCode === 42 && e.libvirtDomain === 10);
    const dom = { name: 'vm1', uuid: Buffer.alloc(16), id: 1 };
    await assert.rejects(conn.call('DOMAIN_CREATE', { dom }), (e: unknown) => e instanceof DomainStateError && /already running/.test(e.message));
    await assert.rejects(conn.call('CONNECT_GET_HOSTNAME'), (e: unknown) => e instanceof HypervisorError && e.libvirtCode === 1 && e.message === 'internal error: boom');
    await conn.close();
    await srv.close();
  });

  test('pipelines calls and matches out-of-order replies by serial', async () => {
    let n = 0;
    const srv = new CannedServer(() => {
      n++;
      return { ...version(n), delayMs: 60 - n * 15 }; // later calls answer first
    });
    await srv.listen();
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false });
    const results = await Promise.all([1, 2, 3].map(() => conn.call('CONNECT_GET_VERSION')));
    assert.deepEqual(results.map((r) => r.hv_ver), [1n, 2n, 3n]);
    await conn.close();
    await srv.close();
  });

  test('delivers async event messages to listeners', async () => {
    const srv = new CannedServer(() => ({}));
    await srv.listen();
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false });
    const got = new Promise((resolve) => conn.onMessage('DOMAIN_EVENT_CALLBACK_LIFECYCLE', resolve));
    const body = { callbackID: 7, msg: { dom: { name: 'vm1', uuid: Buffer.alloc(16, 1), id: 3 }, event: 2, detail: 0 } };
    srv.send(srv.sockets[0], { program: remoteProgram.program, version: 1, procedure: P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, type: MessageType.MESSAGE, serial: 0, status: 0 }, xdr('remote_domain_event_callback_lifecycle_msg', body));
    assert.deepEqual(await got, body);
    await conn.close();
    await srv.close();
  });

  test('answers the daemon\'s keepalive PING with a PONG', async () => {
    const srv = new CannedServer(() => ({}));
    await srv.listen();
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false });
    srv.send(srv.sockets[0], { program: KEEPALIVE_PROGRAM, version: 1, procedure: 1, type: MessageType.MESSAGE, serial: 0, status: 0 }, Buffer.alloc(0));
    const deadline = Date.now() + 2000;
    while (!srv.received.some((p) => p.program === KEEPALIVE_PROGRAM && p.procedure === 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(srv.received.some((p) => p.program === KEEPALIVE_PROGRAM && p.procedure === 2), 'a PONG arrived');
    await conn.close();
    await srv.close();
  });

  test('declares a silent daemon dead, fails pending and new calls fast, then reconnects', async () => {
    const srv = new CannedServer((p) => (p.procedure === P.CONNECT_GET_HOSTNAME ? 'hold' : version(9)));
    srv.answerPings = false;
    await srv.listen();
    const lines: string[] = [];
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: { intervalMs: 40, count: 3 }, reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, log: (l) => lines.push(l) });
    let hooks = 0;
    conn.onReconnect(async () => void hooks++);
    const started = Date.now();
    await assert.rejects(conn.call('CONNECT_GET_HOSTNAME'), (e: unknown) => e instanceof HypervisorUnavailableError && /did not answer keepalive pings/.test(e.message));
    assert.ok(Date.now() - started < 1000, 'death is detected within a few intervals');
    assert.ok(srv.received.some((p) => p.program === KEEPALIVE_PROGRAM && p.procedure === 1), 'the client pinged');
    srv.answerPings = true;
    if (conn.state === 'down') {
      const t = Date.now();
      await assert.rejects(conn.call('CONNECT_GET_VERSION'), HypervisorUnavailableError);
      assert.ok(Date.now() - t < 50, 'calls while down fail fast');
    }
    const deadline = Date.now() + 3000;
    while ((conn.state !== 'open' || hooks === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(conn.state, 'open');
    assert.equal(hooks, 1);
    assert.equal((await conn.call('CONNECT_GET_VERSION')).hv_ver, 9n);
    assert.ok(srv.connections >= 2);
    await conn.close();
    await assert.rejects(conn.call('CONNECT_GET_VERSION'), /was closed/);
    await srv.close();
  });

  test('an unreachable socket is a HypervisorUnavailableError naming it', async () => {
    const path = join(dir, 'nobody-listens.sock');
    await assert.rejects(LibvirtConnection.open({ socketPath: path }), (e: unknown) => e instanceof HypervisorUnavailableError && e.message.includes(path));
  });
});
