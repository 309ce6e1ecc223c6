/**
 * The serial flood scenario shared by test/system/serial-flood.test.ts and
 * bench/serial-flood-rss.ts: a mini guest writes random bytes to its serial port as fast as
 * it can while a console client reads the first bytes and then nothing more.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { WebSocket } from 'ws';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import { type Json, type OneboxServer, waitFor } from './onebox-server.js';

/** The command typed on the guest's root shell (ttyS0): an endless stream of random bytes. */
export const FLOOD_COMMAND = 'cat /dev/urandom > /dev/ttyS0';

/** Resident memory of a process in MiB (VmRSS from /proc). */
export function rssMiB(pid: number): number {
  const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib / 1024;
}

/** A running flood: the instance and the console client that stopped reading. */
export interface Flood {
  instanceId: string;
  /** Bytes the client read before it stopped reading. */
  received: number;
  /** Closes the console client. */
  close(): void;
}

/** Uploads the mini image and starts a 128 MiB instance from it; resolves once its shell is up. */
export async function startMiniInstance(server: OneboxServer, name: string): Promise<string> {
  const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream });
  const res = await server.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true } });
  const body = (await res.clone().json()) as Json;
  if (res.status !== 202) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(body)}`);
  const id = body.instance.id as string;
  const op = await server.waitOperation(res);
  if (op.state !== 'succeeded') throw new Error(`creating ${name} failed: ${JSON.stringify(op)}`);
  await server.waitConsole(id, MINI_GUEST_READY);
  return id;
}

/**
 * Opens the serial console of `instanceId`, types the flood command, reads until `readFirst`
 * bytes arrived (proof the flood runs), then stops reading the socket for good.
 */
export async function startFlood(server: OneboxServer, instanceId: string, readFirst = 256 * 1024): Promise<Flood> {
  const ticket = await server.json('POST', `/instances/${instanceId}/console-tokens`, { json: { kind: 'serial' } });
  const ws = new WebSocket(server.wsUrl(ticket.path), server.wsOptions());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => undefined);
  const flood: Flood = { instanceId, received: 0, close: () => ws.terminate() };
  ws.on('message', (data: Buffer) => {
    flood.received += data.length;
    if (flood.received >= readFirst) ws.pause();
  });
  ws.send(Buffer.from(`\n${FLOOD_COMMAND}\n`));
  await waitFor(`${readFirst} bytes of flood on the serial console`, 60_000, async () => flood.received >= readFirst, 100);
  return flood;
}
