/** Test data and helpers shared by the API tests: typed JSON, operation polling, tiny images and ISOs, instance factories. */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildQcow2Header } from '../../storage/qcow2-header.js';
import type { TestApi } from '../test-harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** The JSON body of a response. */
export async function json(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Polls an operation (by its Location) until it leaves 'running'. */
export async function waitOperation(api: TestApi, location: string | null): Promise<Json> {
  if (!location) throw new Error('no Location header');
  for (let i = 0; i < 500; i++) {
    const op = await json(await api.call('GET', location));
    if (op.state !== 'running') return op;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`operation ${location} did not finish`);
}

/** A valid empty qcow2 of the given virtual size, optionally with a backing or external data file (refused by uploads). */
export function tinyQcow2(virtualSizeBytes = 64 * 1024 ** 2, extra: { backingFile?: string; dataFile?: string } = {}): Buffer<ArrayBuffer> {
  return buildQcow2Header({ virtualSizeBytes, ...extra });
}

/** The smallest file that passes the ISO 9660 signature check: "CD001" at byte 32769. */
export function tinyIso(fill = 0): Buffer<ArrayBuffer> {
  const buf = Buffer.alloc(34816, fill);
  buf.write('\u0001CD001\u0001', 32768, 'latin1');
  return buf;
}

/** A create-instance body: blank 1 GiB disk, 1 core, 128 MiB, with overrides. */
export function instanceBody(name: string, over: Json = {}): Json {
  return { name, cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 }, ...over };
}

/** Creates an instance and waits for its operation; returns the instance and the final operation. */
export async function createInstance(api: TestApi, body: Json): Promise<{ instance: Json; operation: Json }> {
  const res = await api.call('POST', '/api/v1/instances', { json: body });
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  const created = await json(res);
  const operation = await waitOperation(api, res.headers.get('location'));
  return { instance: created.instance as Json, operation };
}

/** A file of a seed ISO, read with isoinfo. */
export function isoFile(iso: string, name: string): string {
  const r = spawnSync('isoinfo', ['-J', '-i', iso, '-x', `/${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`isoinfo could not read ${name} of ${iso}: ${r.stderr}`);
  return r.stdout;
}

/** The fake storage keeps volumes in memory, but a cold migration copies the instance's directory: the system disk's bytes go there. */
export async function diskBytesOn(api: TestApi, instanceId: string): Promise<void> {
  const file = api.storage.pathOf(`${instanceId}/system.qcow2`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, tinyQcow2());
}
