/**
 * LibvirtConnection against a canned-reply server speaking libvirt's framing over a real
 * unix socket: error decoding, pipelining, events, keepalive answers and death detection,
 * fail-fast while down, reconnect, call deadlines, the in-flight cap, bounded close, and
 * packets that cannot be decoded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { DomainNotFoundError, DomainStateError, HypervisorError, HypervisorTimeoutError, HypervisorUnavailableError } from '../errors.js';
import { LibvirtConnection } from './connection.js';
import { DomainLifecycleEvents } from './domain-events.js';
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
  /** Procedures never answered, not even during the handshake (e.g. CONNECT_CLOSE). */
  readonly holdProcedures = new Set<number>();
  /** Calls received and not yet answered right now, and the most there ever were. */
  inProgress = 0;
  maxInProgress = 0;
  answerPings = true;
  connections = 0;

  constructor(private readonly handler: (p: Packet, s: Socket) => Reply) {
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
    if (p.type !== MessageType.CALL) return;
    this.inProgress++;
    this.maxInProgress = Math.max(this.maxInProgress, this.inProgress);
    const reply = this.holdProcedures.has(p.procedure) ? 'hold' : (handshake[p.procedure] ?? this.handler(p, s));
    if (reply === 'hold') return;
    if (reply.delayMs) setTimeout(() => this.answer(s, p, reply), reply.delayMs);
    else this.answer(s, p, reply);
  }

  /** Answers call `p` (also later, for a held call). */
  answer(s: Socket, p: Packet, reply: Exclude<Reply, 'hold'>): void {
    this.inProgress--;
    const out = { ...p, type: MessageType.REPLY };
    if (reply.error) this.send(s, { ...out, status: MessageStatus.ERROR }, xdr('remote_error', { code: reply.error.code, domain: 10, message: reply.error.message, level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null }));
    else this.send(s, { ...out, status: MessageStatus.OK }, reply.ret ? xdr(reply.ret[0], reply.ret[1]) : Buffer.alloc(0));
  }

  close(): Promise<void> {
    this.sockets.forEach((s) => s.destroy());
    return new Promise((r) => this.server.close(() => r()));
  }
}

const version = (v: number): Exclude<Reply, 'hold'> => ({ ret: ['remote_connect_get_version_ret', { hv_ver: BigInt(v) }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** How long `p` took to reject with HypervisorTimeoutError. */
async function timeoutAfter(p: Promise<unknown>, check: (e: HypervisorTimeoutError) => boolean = () => true): Promise<number> {
  // The monotonic clock, as the timers use: the wall clock of a loaded VM stepped by 20 ms and a deadline of 100 ms measured 79.
  const t = performance.now();
  await assert.rejects(p, (e: unknown) => e instanceof HypervisorTimeoutError && check(e));
  return performance.now() - t;
}

const lifecycleHeader = { program: remoteProgram.program, version: 1, procedure: P.DOMAIN_EVENT_CALLBACK_LIFECYCLE, type: MessageType.MESSAGE, serial: 0, status: 0 };
const lifecycleEvent = (callbackID: number, name: string) =>
  xdr('remote_domain_event_callback_lifecycle_msg', { callbackID, msg: { dom: { name, uuid: Buffer.alloc(16, 1), id: 3 }, event: 2, detail: 0 } });
const registered = (callbackID: number): Exclude<Reply, 'hold'> => ({ ret: ['remote_connect_domain_event_callback_register_any_ret', { callbackID }] });
const DOM = { name: 'vm1', uuid: Buffer.alloc(16), id: 1 };

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

describe('LibvirtConnection deadlines, in-flight cap and bounded close (canned server)', () => {
  // A failed assertion must not leave a server listening (the test process would never exit).
  const opened: Array<{ srv: CannedServer; conn: LibvirtConnection }> = [];
  const track = (srv: CannedServer, conn: LibvirtConnection) => (opened.push({ srv, conn }), conn);
  afterEach(async () => {
    for (const { srv, conn } of opened.splice(0)) {
      await conn.close();
      await srv.close();
    }
  });

  test('a call libvirtd never answers fails with HypervisorTimeoutError at its deadline; the late reply is dropped and frees the slot', { timeout: 10_000 }, async () => {
    const held: Array<{ s: Socket; p: Packet }> = [];
    const srv = new CannedServer((p, s) => {
      if (p.procedure !== P.CONNECT_GET_HOSTNAME) return version(7);
      held.push({ s, p });
      return 'hold';
    });
    await srv.listen();
    const conn = track(srv, await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, maxInFlight: 2, deadlines: { defaultMs: 100 } }));
    const waited = await timeoutAfter(conn.call('CONNECT_GET_HOSTNAME'), (e) => e.timeoutMs === 100 && !e.queued && e.message === 'libvirtd did not answer CONNECT_GET_HOSTNAME within 100 ms; it may still complete on the host');
    assert.ok(waited >= 95 && waited < 1000, `rejected after ${waited} ms`);
    // libvirtd is still working on the abandoned call, so it keeps its slot; with the other slot
    // taken too, the next call waits ...
    const second = conn.call('CONNECT_GET_HOSTNAME', { timeoutMs: 5000 }).catch((e: unknown) => e);
    const next = conn.call('CONNECT_GET_VERSION', { timeoutMs: 5000 });
    await sleep(50);
    assert.equal(srv.received.filter((p) => p.procedure === P.CONNECT_GET_VERSION).length, 0, 'the next call is queued, not sent');
    // ... until the late reply comes: it is dropped quietly and the slot is free again.
    srv.answer(held[0].s, held[0].p, { ret: ['remote_connect_get_hostname_ret', { hostname: 'late' }] });
    assert.equal((await next).hv_ver, 7n);
    srv.answer(held[1].s, held[1].p, { ret: ['remote_connect_get_hostname_ret', { hostname: 'second' }] });
    assert.deepEqual(await second, { hostname: 'second' }, 'the late reply did not answer the next call on the same procedure');
  });

  test('slow procedures get the longer deadline, a per-call timeout overrides both, a queued call times out too', { timeout: 10_000 }, async () => {
    const srv = new CannedServer(() => 'hold');
    await srv.listen();
    const conn = track(srv, await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, maxInFlight: 3, deadlines: { defaultMs: 80, slowMs: 400 } }));
    const [ordinary, slow, explicit, queued] = await Promise.all([
      timeoutAfter(conn.call('DOMAIN_GET_STATE', { dom: DOM, flags: 0 }), (e) => /^libvirtd did not answer DOMAIN_GET_STATE of domain 'vm1' within 80 ms/.test(e.message)),
      timeoutAfter(conn.call('DOMAIN_DESTROY', { dom: DOM }), (e) => e.timeoutMs === 400),
      timeoutAfter(conn.call('DOMAIN_CREATE', { dom: DOM }, { timeoutMs: 20 }), (e) => e.timeoutMs === 20),
      timeoutAfter(conn.call('CONNECT_GET_VERSION'), (e) => e.queued && /every request slot of the connection stayed busy/.test(e.message)),
    ]);
    assert.ok(explicit < 75, `per-call 20 ms took ${explicit} ms`);
    assert.ok(ordinary >= 75 && ordinary < 350, `default 80 ms took ${ordinary} ms`);
    assert.ok(slow >= 395, `slow 400 ms took ${slow} ms`);
    assert.ok(queued >= 75 && queued < 350, `queued call took ${queued} ms`);
  });

  test("at most 4 calls are outstanding (below libvirtd's max_client_requests of 5); the rest are sent in call order", async () => {
    let n = 0;
    const srv = new CannedServer(() => ({ ...version(++n), delayMs: 15 }));
    await srv.listen();
    const conn = track(srv, await LibvirtConnection.open({ socketPath: srv.path, keepalive: false }));
    const results = await Promise.all(Array.from({ length: 12 }, () => conn.call('CONNECT_GET_VERSION')));
    assert.deepEqual(results.map((r) => r.hv_ver), Array.from({ length: 12 }, (_, i) => BigInt(i + 1)), 'sent (and so numbered by the server) in FIFO order');
    assert.equal(srv.maxInProgress, 4);
  });

  test('a connection whose every slot is held by calls that timed out is recycled', { timeout: 10_000 }, async () => {
    const srv = new CannedServer((p) => (p.procedure === P.CONNECT_GET_HOSTNAME ? 'hold' : version(5)));
    await srv.listen();
    const lines: string[] = [];
    const conn = track(srv, await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, maxInFlight: 2, deadlines: { defaultMs: 50 }, reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, log: (l) => lines.push(l) }));
    await Promise.all([timeoutAfter(conn.call('CONNECT_GET_HOSTNAME')), timeoutAfter(conn.call('CONNECT_GET_HOSTNAME'))]);
    await until(() => srv.connections >= 2 && conn.state === 'open', 'the reconnect');
    assert.ok(lines.some((l) => /left 2 calls unanswered past their deadlines/.test(l)), lines.join('\n'));
    assert.equal((await conn.call('CONNECT_GET_VERSION')).hv_ver, 5n);
  });

  test('close() and event deregistration give up after the close deadline when libvirtd does not answer', { timeout: 10_000 }, async () => {
    const srv = new CannedServer((p) => (p.procedure === P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY ? registered(1) : {}));
    srv.holdProcedures.add(P.CONNECT_CLOSE);
    srv.holdProcedures.add(P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY);
    await srv.listen();
    const conn = track(srv, await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, deadlines: { closeMs: 100 } }));
    const events = await DomainLifecycleEvents.start(conn);
    const t = Date.now();
    await events.stop();
    await conn.close();
    const took = Date.now() - t;
    assert.ok(took >= 190 && took < 2000, `closing took ${took} ms`);
    assert.ok(srv.received.some((p) => p.procedure === P.CONNECT_CLOSE) && srv.received.some((p) => p.procedure === P.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY));
  });
});

describe('LibvirtConnection events that go wrong (canned server)', () => {
  test('an event that cannot be decoded, or a listener that throws, is logged and dropped; nothing escapes', async () => {
    const srv = new CannedServer(() => version(3));
    await srv.listen();
    const lines: string[] = [];
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, log: (l) => lines.push(l) });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const got: number[] = [];
      conn.onMessage('DOMAIN_EVENT_CALLBACK_LIFECYCLE', () => {
        throw new Error('listener bug');
      });
      conn.onMessage('DOMAIN_EVENT_CALLBACK_LIFECYCLE', (m) => got.push(m.callbackID));
      srv.send(srv.sockets[0], lifecycleHeader, lifecycleEvent(1, 'vm1').subarray(0, 10)); // truncated: the decoder throws
      srv.send(srv.sockets[0], lifecycleHeader, lifecycleEvent(2, 'vm1'));
      await until(() => got.length > 0, 'the good event');
      assert.deepEqual(got, [2]);
      assert.equal((await conn.call('CONNECT_GET_VERSION')).hv_ver, 3n, 'the connection still works');
      assert.deepEqual(uncaught, []);
      assert.ok(lines.some((l) => /^dropped a libvirt DOMAIN_EVENT_CALLBACK_LIFECYCLE packet that could not be handled: /.test(l)), lines.join('\n'));
      assert.ok(lines.includes('a listener of libvirt DOMAIN_EVENT_CALLBACK_LIFECYCLE events threw: listener bug'), lines.join('\n'));
    } finally {
      process.off('uncaughtException', onUncaught);
      await conn.close();
      await srv.close();
    }
  });

  test('a failed event re-registration after a reconnect is retried until it succeeds', async () => {
    let registrations = 0;
    const srv = new CannedServer((p) => {
      if (p.procedure !== P.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY) return {};
      registrations++;
      return registrations === 2 ? { error: { code: 1, message: 'internal error: not yet' } } : registered(registrations);
    });
    await srv.listen();
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const conn = await LibvirtConnection.open({ socketPath: srv.path, keepalive: false, reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, log });
    const events = await DomainLifecycleEvents.start(conn, { retry: { initialDelayMs: 20, maxDelayMs: 100 }, log });
    const seen: string[] = [];
    events.subscribe((e) => seen.push(e.name));
    srv.sockets[0].destroy();
    await until(() => registrations >= 3, 'a third registration');
    srv.send(srv.sockets[srv.sockets.length - 1], lifecycleHeader, lifecycleEvent(3, 'vm-after'));
    await until(() => seen.length > 0, 'an event on the new registration');
    assert.deepEqual(seen, ['vm-after']);
    assert.ok(lines.includes('registering for domain lifecycle events failed (internal error: not yet); retrying in 20 ms'), lines.join('\n'));
    await events.stop();
    await conn.close();
    await srv.close();
  });
});
