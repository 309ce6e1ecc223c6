/**
 * Benchmark: N parallel creates from one image (linked clones, start=true) through the API until
 * every instance is `running`, against the floor in the same run: N parallel `qemu-img create` +
 * `virsh define` + `virsh start` of a minimal domain (bench/raw-virsh.ts). Wall time of each
 * side, zero failures required. Uses the system libvirtd with no networks (setup creates none).
 * Every guest runs a TCG vCPU until removed, so N is kept small on a shared 2-core machine:
 * N=8 by default (N=50 with `N=50`, only on a machine that has the cores for it).
 * Run: node build.mjs && node --import tsx bench/parallel-create.ts
 * The last line is the ratio onebox / floor of the wall times.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer, type Json } from '../test/system/onebox-server.js';
import { RawVirsh } from './raw-virsh.js';

const N = Number(process.env.N ?? 8);

const imagePath = await miniImagePath();
const server = await OneboxServer.start();
const floor = new RawVirsh({ uri: 'qemu:///system', image: imagePath });
const floorNames = Array.from({ length: N }, (_, i) => `floor-par-${process.pid}-${i}`);
try {
  await server.bootstrap();
  // The default pool promises 4 vCPUs per core; a pool that promises 32 has room for N on a small machine.
  const pool = await server.json('POST', '/pools', { json: { name: 'bench', cpuOvercommit: 32 } });
  const host = ((await server.json('GET', '/hosts')) as Json).items[0] as Json;
  const moved = await server.call('PATCH', `/hosts/${host.id}`, { json: { poolId: pool.id } });
  if (moved.status !== 200) throw new Error(`moving the host answered ${moved.status}: ${await moved.text()}`);
  const image = (await (await server.call('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream })).json()) as Json;
  // Warm the host's copy of the image, so both sides start from an image already on the host.
  const warm = await server.call('POST', '/instances', { json: { name: 'warm', pool: 'bench', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id } } });
  if ((await server.waitOperation(warm.clone())).state !== 'succeeded') throw new Error('the warm-up create failed');

  const t0 = performance.now();
  const created = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const res = await server.call('POST', '/instances', { json: { name: `par-${i}`, pool: 'bench', cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: image.id }, start: true } });
      if (res.status !== 202) throw new Error(`create par-${i} answered ${res.status}: ${await res.text()}`);
      const op = await server.waitOperation(res.clone());
      if (op.state !== 'succeeded') throw new Error(`create par-${i} failed: ${op.errorCode} ${op.errorDetail}`);
      return ((await res.json()) as Json).instance as Json;
    }),
  );
  const oneboxMs = performance.now() - t0;
  const states = await Promise.all(created.map(async (i) => ((await server.json('GET', `/instances/${i.id}`)) as Json).state as string));
  const failures = states.filter((s) => s !== 'running').length;
  if (failures) throw new Error(`${failures} of ${N} instances are not running: ${states.join(', ')}`);
  // Remove them before the floor starts, so both sides run with the same load.
  await Promise.all(created.map(async (i) => server.waitOperation(await server.call('DELETE', `/instances/${i.id}`))));

  const t1 = performance.now();
  await Promise.all(floorNames.map((name) => floor.createAndStart(name)));
  const floorMs = performance.now() - t1;

  console.log(`onebox: ${N} parallel creates from one image → all running in ${(oneboxMs / 1000).toFixed(2)} s (0 failures)`);
  console.log(`floor: ${N} parallel qemu-img create + virsh define + virsh start in ${(floorMs / 1000).toFixed(2)} s`);
  console.log(`parallel create (N=${N}) → running: onebox/floor wall-time ratio ${(oneboxMs / floorMs).toFixed(2)}`);
} finally {
  await Promise.all(floorNames.map((name) => floor.remove(name)));
  floor.close();
  await server.cleanup();
}
