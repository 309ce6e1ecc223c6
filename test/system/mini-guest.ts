/**
 * The steps most system tests start with, on a real executable: upload the mini test image,
 * boot an instance of it and wait for the guest's ready line; then call that instance's API and
 * read values the guest prints on its serial console.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { MINI_GUEST_READY, miniImagePath } from '../fixtures/mini-image.js';
import type { Json, OneboxServer } from './onebox-server.js';

/** Uploads the mini image (built and cached on first use) as an image; `query` adds fields such as `os=linux`. */
export async function uploadMiniImage(server: OneboxServer, query = 'name=mini'): Promise<Json> {
  const body = Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream;
  return server.json('POST', `/images?${query}`, { body, headers: { 'content-type': 'application/octet-stream' } });
}

/**
 * Creates `instance` (1 core and 128 MiB unless it says otherwise) started, asserts its create
 * operation succeeded and waits until the guest printed its ready line. Returns the instance.
 */
export async function bootMiniGuest(server: OneboxServer, instance: Json, readyTimeoutMs?: number): Promise<Json> {
  const res = await server.call('POST', '/instances', { json: { cores: 1, memoryMiB: 128, start: true, ...instance } });
  const inst = ((await res.clone().json()) as Json).instance;
  assert.ok(inst, `the create answered ${res.status} ${await res.clone().text()}`);
  const op = await server.waitOperation(res);
  assert.equal(op.state, 'succeeded', JSON.stringify(op));
  await server.waitConsole(inst.id, MINI_GUEST_READY, 1, readyTimeoutMs);
  return inst;
}

/** Calls `path` under `/instances/<id>`: the status, the response and the parsed body (`{}` for 204). */
export async function callInstance(server: OneboxServer, id: string, method: string, path: string, body?: Json): Promise<{ status: number; res: Response; body: Json }> {
  const res = await server.call(method, `/instances/${id}${path}`, body ? { json: body } : {});
  return { status: res.status, res, body: res.status === 204 ? {} : ((await res.clone().json()) as Json) };
}

/**
 * Runs `command` on the guest's serial console as `echo KEY=$(command)` and returns what it printed
 * after `KEY=` (the characters `value` matches).
 */
export async function guestValue(server: OneboxServer, id: string, key: string, command: string, value = '[A-Za-z0-9-]*', timeoutMs = 90_000): Promise<string> {
  const re = new RegExp(`${key}=(${value})\\r?\\n`);
  const out = await server.serialRun(id, `echo ${key}=$(${command})`, re, timeoutMs);
  const m = re.exec(out);
  assert.ok(m, `the guest printed no ${key}: ${out.slice(-500)}`);
  return m[1];
}

/** {@link guestValue} for a word: the command's output is cut to letters, digits, `-`, `_` and `"`. */
export function guestWord(server: OneboxServer, id: string, key: string, command: string): Promise<string> {
  return guestValue(server, id, key, `${command} | tr -cd 'A-Za-z0-9_"-'`, '[A-Za-z0-9_"-]*', 60_000);
}
