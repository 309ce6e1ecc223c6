/**
 * Live snapshot of a running mini guest: onebox's external disk-only snapshot (POST
 * /instances/:id/snapshots) against a libvirt internal snapshot of the same guest (`virsh
 * snapshot-create-as`, qcow2 internal: Proxmox's default), in the same run. For each: the wall
 * time of the call, and the guest's pause — the time between QEMU's STOP and RESUME events (vCPUs
 * halted), caught with `virsh qemu-monitor-event --timestamp`; no STOP at all is a pause of 0.
 * The mini guest runs qemu-ga, so the external snapshot is quiesced (fs-freeze): its filesystems
 * block writes for the freeze, but its vCPUs never stop. Prints each figure, then the ratio of the
 * pauses (internal / external) last.
 *
 * Run: node build.mjs && node --import tsx bench/snapshot-pause.ts
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { MINI_GUEST_READY, miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer, SYSTEM_LIBVIRT, type Json } from '../test/system/onebox-server.js';
import { pauseDuring } from './qemu-pause.js';

const ROUNDS = 3;

const server = await OneboxServer.start();
try {
  await server.bootstrap();
  const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
  // One guest (booted alone: TCG takes a core), both kinds of snapshot on it in turn.
  const ext = await bootGuest('pause', image.id);
  const int = ext;
  const results = { external: { wall: [] as number[], pause: [] as number[] }, internal: { wall: [] as number[], pause: [] as number[] } };
  let quiesced = 0;
  for (let i = 0; i < ROUNDS; i++) {
    console.log(`round ${i + 1}/${ROUNDS}`);
    let t0 = 0;
    let wall = 0;
    const pauseExt = await pauseDuring(ext.domainName, async () => {
      t0 = performance.now();
      const res = await server.call('POST', `/instances/${ext.id}/snapshots`, { json: { name: `b${i}` } });
      wall = performance.now() - t0;
      if (res.status !== 201) throw new Error(`snapshot answered ${res.status}: ${await res.text()}`);
      if (((await res.json()) as Json).quiesced) quiesced++;
    });
    results.external.wall.push(wall);
    results.external.pause.push(pauseExt);
    const pauseInt = await pauseDuring(int.domainName, async () => {
      t0 = performance.now();
      const r = spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, 'snapshot-create-as', int.domainName, `b${i}`], { encoding: 'utf8' });
      wall = performance.now() - t0;
      if (r.status !== 0) throw new Error(`internal snapshot failed: ${r.stderr}`);
    });
    results.internal.wall.push(wall);
    results.internal.pause.push(pauseInt);
  }
  // The internal snapshots' metadata would block undefine: dropped (metadata only) before cleanup.
  for (let i = 0; i < ROUNDS; i++) spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, 'snapshot-delete', int.domainName, `b${i}`, '--metadata']);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [kind, r] of Object.entries(results)) console.log(`${kind}: create wall ${median(r.wall).toFixed(0)} ms (${r.wall.map((x) => x.toFixed(0)).join(', ')}), guest pause ${median(r.pause)} ms (${r.pause.join(', ')})`);
  console.log(`external snapshots quiesced by the guest agent (fs-freeze): ${quiesced} of ${ROUNDS}; goal: create < 1000 ms, pause < 100 ms`);
  const pe = median(results.external.pause);
  const pi = median(results.internal.pause);
  console.log(`wall ratio internal/external: ${(median(results.internal.wall) / median(results.external.wall)).toFixed(1)}x`);
  console.log(`pause ratio internal/external: ${pe === 0 ? `${pi} ms vs 0 ms (external: no vCPU stop at all)` : `${(pi / pe).toFixed(1)}x`}`);

  async function bootGuest(name: string, imageId: string): Promise<Json> {
    const res = await server.call('POST', '/instances', { json: { name, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId }, start: true } });
    const inst = ((await res.clone().json()) as Json).instance as Json;
    const op = await server.waitOperation(res);
    if (op.state !== 'succeeded') throw new Error(JSON.stringify(op));
    await server.waitConsole(inst.id, MINI_GUEST_READY);
    return inst;
  }
} finally {
  await server.cleanup();
}
