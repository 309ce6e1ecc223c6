/**
 * libvirt streams against a canned daemon on a real unix socket: data both ways in chunks,
 * our finish and the daemon's confirmation, the daemon's EOF, stream errors, a refused
 * opening call, a dropped connection, and a reader that falls behind (the socket of a
 * dedicated connection pauses; elsewhere data beyond the cap is dropped).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { DomainStateError, HypervisorError, HypervisorUnavailableError } from '../errors.js';
import { LibvirtConnection } from './connection.js';
import { MessageStatus, MessageType, type Packet, PacketSplitter, encodePacket } from './packet.js';
import { remoteProgram, xdrSchema } from './protocol.generated.js';
import { type LibvirtStream, MAX_READ_BUFFER, READ_HIGH_WATER, STREAM_CHUNK_MAX } from './stream.js';
import { SchemaCodecs } from './xdr-schema.js';
import { XdrWriter } from './xdr.js';

const codecs = new SchemaCodecs(xdrSchema);
const P = remoteProgram.procedures;
const dir = mkdtempSync(join(tmpdir(), 'onebox-stream-'));
const DOM = { name: 'vm1', uuid: Buffer.alloc(16), id: 1 };

function remoteError(code: number, message: string): Buffer {
  const w = new XdrWriter();
  codecs.named('remote_error').enc(w, { code, domain: 10, message, level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null });
  return w.finish();
}

/** What the canned daemon does when the console opens; it records every stream packet. */
let onOpen: (s: Socket, p: Packet) => void;
const streamPackets: Packet[] = [];
let sockets: Socket[] = [];
let server: Server;
const path = join(dir, 'canned.sock');

function send(s: Socket, p: Packet, type: number, status: number, payload: Buffer): void {
  if (!s.destroyed) s.write(encodePacket({ ...p, type, status }, payload));
}

function onPacket(s: Socket, p: Packet): void {
  if (p.type === MessageType.STREAM) {
    streamPackets.push(p);
    if (p.status === MessageStatus.OK) send(s, p, MessageType.STREAM, MessageStatus.OK, Buffer.alloc(0)); // confirm our finish
    if (p.status === MessageStatus.CONTINUE) send(s, p, MessageType.STREAM, MessageStatus.CONTINUE, Buffer.from(p.payload.toString().toUpperCase()));
    return;
  }
  if (p.procedure === P.AUTH_LIST) {
    const w = new XdrWriter();
    codecs.named('remote_auth_list_ret').enc(w, { types: [0] });
    return send(s, p, MessageType.REPLY, MessageStatus.OK, w.finish());
  }
  if (p.procedure === P.CONNECT_SUPPORTS_FEATURE) return send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.from([0, 0, 0, 1]));
  if (p.procedure === P.DOMAIN_OPEN_CONSOLE) return onOpen(s, p);
  send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
}

/** Collects everything read until the stream ends or closes. */
function collect(stream: Duplex): { text: () => string; closed: Promise<Error | undefined> } {
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  const closed = new Promise<Error | undefined>((resolve) => {
    stream.on('error', (e) => resolve(e));
    stream.on('close', () => resolve(undefined));
  });
  return { text: () => text, closed };
}

describe('libvirt streams (canned daemon)', () => {
  let conn: LibvirtConnection;
  before(async () => {
    server = createServer((s) => {
      sockets.push(s);
      const splitter = new PacketSplitter();
      s.on('data', (d: Buffer) => splitter.push(d).forEach((p) => onPacket(s, p)));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(path, r));
  });
  beforeEach(async () => {
    streamPackets.length = 0;
    sockets = [];
    onOpen = (s, p) => send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
    conn = await LibvirtConnection.open({ socketPath: path, keepalive: false, reconnect: false });
  });
  afterEach(() => conn.close());
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (c = conn) => c.openStream('DOMAIN_OPEN_CONSOLE', { dom: DOM, dev_name: null, flags: 3 });

  /** Makes the daemon send `count` CONTINUE packets of `size` bytes (packet i filled with i % 256) right after the open reply. */
  function flood(count: number, size: number): { daemon: () => Socket } {
    let daemon: Socket | undefined;
    onOpen = (s, p) => {
      daemon = s;
      send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
      for (let i = 0; i < count; i++) send(s, p, MessageType.STREAM, MessageStatus.CONTINUE, Buffer.alloc(size, i % 256));
    };
    return { daemon: () => daemon as Socket };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), `timed out waiting for ${what}`);
  }

  test('data flows both ways; big writes are split; end() finishes and the confirmation ends reading', async () => {
    onOpen = (s, p) => {
      send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
      send(s, p, MessageType.STREAM, MessageStatus.CONTINUE, Buffer.from('login: '));
    };
    const stream = await open();
    const got = collect(stream);
    stream.write('abc');
    stream.end(Buffer.alloc(STREAM_CHUNK_MAX + 10, 'x'));
    assert.equal(await got.closed, undefined);
    assert.equal(got.text(), `login: ABC${'X'.repeat(STREAM_CHUNK_MAX + 10)}`);
    assert.deepEqual(streamPackets.map((p) => [p.status, p.payload.length]), [[2, 3], [2, STREAM_CHUNK_MAX], [2, 10], [0, 0]]);
    assert.ok(streamPackets.every((p) => p.procedure === P.DOMAIN_OPEN_CONSOLE && p.serial === streamPackets[0].serial));
  });

  test("the daemon's EOF ends reading and is answered with our finish", async () => {
    onOpen = (s, p) => {
      send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
      send(s, p, MessageType.STREAM, MessageStatus.CONTINUE, Buffer.from('bye'));
      send(s, p, MessageType.STREAM, MessageStatus.OK, Buffer.alloc(0));
    };
    const got = collect(await open());
    assert.equal(await got.closed, undefined);
    assert.equal(got.text(), 'bye');
    for (let i = 0; i < 100 && streamPackets.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(streamPackets.map((p) => p.status), [MessageStatus.OK]);
  });

  test('a stream error from the daemon fails the stream with its message', async () => {
    onOpen = (s, p) => {
      send(s, p, MessageType.REPLY, MessageStatus.OK, Buffer.alloc(0));
      send(s, p, MessageType.STREAM, MessageStatus.ERROR, remoteError(1, 'stream had I/O failure'));
    };
    const got = collect(await open());
    const err = await got.closed;
    assert.ok(err instanceof HypervisorError && /I\/O failure/.test(err.message));
  });

  test('a refused opening call rejects with the typed error and sends no stream packets', async () => {
    onOpen = (s, p) => send(s, p, MessageType.REPLY, MessageStatus.ERROR, remoteError(55, 'domain is not running'));
    await assert.rejects(open(), DomainStateError);
    assert.equal(streamPackets.length, 0);
  });

  test('a dropped connection fails the stream with HypervisorUnavailableError', async () => {
    const got = collect(await open());
    for (const s of sockets) s.destroy();
    assert.ok((await got.closed) instanceof HypervisorUnavailableError);
  });

  test('a reader that stops reading pauses the socket of a dedicated connection; reading again gets everything in order', async () => {
    const packets = 64;
    const size = 64 * 1024;
    const { daemon } = flood(packets, size);
    const dedicated = await LibvirtConnection.open({ socketPath: path, keepalive: false, reconnect: false, streamBackpressure: true });
    try {
      const stream = await open(dedicated);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(stream.readableLength <= READ_HIGH_WATER + 256 * 1024, `${stream.readableLength} bytes buffered unread`);
      assert.ok(daemon().writableLength > 0, 'the daemon cannot send the rest: the client stopped reading its socket');
      const seen: number[] = [];
      let total = 0;
      stream.on('data', (b: Buffer) => {
        total += b.length;
        for (let i = 0; i < b.length; i += size / 4) seen.push(b[i]);
      });
      await until(() => total === packets * size, 'every byte');
      assert.deepEqual([...new Set(seen)], Array.from({ length: packets }, (_, i) => i % 256), 'in order');
      assert.equal((stream as LibvirtStream).droppedBytes, 0);
      stream.destroy();
    } finally {
      await dedicated.close();
    }
  });

  test('on a shared connection a reader far behind loses what is beyond the cap instead of growing memory', async () => {
    const packets = 40;
    flood(packets, STREAM_CHUNK_MAX);
    const stream = (await open()) as LibvirtStream;
    await until(() => stream.readableLength + stream.droppedBytes === packets * STREAM_CHUNK_MAX, 'the whole flood to arrive');
    assert.ok(stream.readableLength <= MAX_READ_BUFFER, `${stream.readableLength} bytes buffered unread`);
    assert.ok(stream.droppedBytes >= packets * STREAM_CHUNK_MAX - MAX_READ_BUFFER);
    stream.destroy();
  });
});
