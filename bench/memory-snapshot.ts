/**
 * Memory snapshot of a running mini guest (128 MiB, 48 MiB of it filled with random data so the
 * memory is not mostly zero pages): onebox's POST /instances/:id/snapshots {memory: true} until its
 * operation ends, against `virsh save` of the same guest to a file (libvirt's own way to keep a
 * guest's memory; the guest is gone until `virsh restore`), in the same run, alternating. Also
 * onebox's revert to the memory snapshot (destroy, fresh overlays, restore) against `virsh restore`.
 * Prints each median with its rounds, then the ratio onebox / virsh save last.
 *
 * Run: node build.mjs && node --import tsx bench/memory-snapshot.ts
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MINI_GUEST_READY, miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer, SYSTEM_LIBVIRT, type Json } from '../test/system/onebox-server.js';

const ROUNDS = 3;
const virsh = (...args: string[]) => {
  const r = spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`virsh ${args.join(' ')}: ${r.stderr}`);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = async (work: () => Promise<void> | void) => {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
};

const server = await OneboxServer.start();
const scratch = mkdtempSync('/var/tmp/onebox-bench-save-');
try {
  await server.bootstrap();
  const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(await miniImagePath())) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
  const res = await server.call('POST', '/instances', { json: { name: 'memsnap-bench', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true } });
  const inst = ((await res.clone().json()) as Json).instance as Json;
  if ((await server.waitOperation(res)).state !== 'succeeded') throw new Error('the guest was not created');
  await server.waitConsole(inst.id, MINI_GUEST_READY);
  const filled = await server.serialRun(inst.id, 'dd if=/dev/urandom of=/fill bs=1M count=48 2>/dev/null; echo FILLED=ok', /FILLED=ok\r?\n/, 180_000);
  if (!/FILLED=ok\r?\n/.test(filled)) throw new Error('the guest did not fill its memory');
  const r = { snapshot: [] as number[], save: [] as number[], revert: [] as number[], restore: [] as number[], memoryBytes: 0, saveBytes: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    console.log(`round ${i + 1}/${ROUNDS}`);
    let snap: Json = {};
    r.snapshot.push(await timed(async () => {
      const taken = await server.call('POST', `/instances/${inst.id}/snapshots`, { json: { name: `m${i}`, memory: true } });
      if (taken.status !== 202) throw new Error(`memory snapshot answered ${taken.status}: ${await taken.text()}`);
      const op = await server.waitOperation(taken);
      if (op.state !== 'succeeded') throw new Error(JSON.stringify(op));
    }));
    snap = (await server.json('GET', `/instances/${inst.id}/snapshots/m${i}`));
    r.memoryBytes = snap.memorySizeBytes;
    r.revert.push(await timed(async () => {
      const back = await server.call('POST', `/instances/${inst.id}/snapshots/${snap.id}/actions/revert`);
      if (back.status !== 200) throw new Error(`revert answered ${back.status}: ${await back.text()}`);
    }));
    const file = join(scratch, `save-${i}.sav`);
    r.save.push(await timed(() => virsh('save', inst.domainName, file)));
    r.saveBytes = statSync(file).size;
    r.restore.push(await timed(() => virsh('restore', file)));
    rmSync(file);
    await server.waitState(inst.id, 'running');
  }
  const line = (what: string, xs: number[]) => console.log(`${what}: ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`memory file: onebox ${(r.memoryBytes / 2 ** 20).toFixed(1)} MiB, virsh save ${(r.saveBytes / 2 ** 20).toFixed(1)} MiB`);
  line('onebox memory snapshot (API call to operation done)', r.snapshot);
  line('virsh save', r.save);
  line('onebox revert to it (guest running again)', r.revert);
  line('virsh restore', r.restore);
  console.log(`revert ratio onebox/virsh restore: ${(median(r.revert) / median(r.restore)).toFixed(2)}x`);
  console.log(`memory snapshot ratio onebox/virsh save: ${(median(r.snapshot) / median(r.save)).toFixed(2)}x`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await server.cleanup();
}
