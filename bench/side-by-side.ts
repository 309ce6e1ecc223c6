/**
 * The loop both create-to-running benchmarks share: alternately one instance created through
 * onebox's API (until its create operation ends with the domain running) and one made by hand
 * by the floor (qemu-img + virsh), each removed before the next, one TCG guest at a time.
 */
import type { Json, OneboxServer } from '../test/system/onebox-server.js';
import { percentile, type RawVirsh } from './raw-virsh.js';

async function until(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function waitOperation(server: OneboxServer, id: string): Promise<void> {
  await until(async () => (await server.json('GET', `/operations/${id}`)).state !== 'running');
}

/** Runs `runs` pairs; `check` sees each created instance and throws when it is not what was wanted. Returns both p50s in ms. */
export async function sideBySideCreates(opts: { server: OneboxServer; floor: RawVirsh; imageId: string; runs: number; check: (instance: Json) => string }): Promise<{ onebox: number; floor: number }> {
  const { server, floor } = opts;
  const onebox: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    const res = await server.call('POST', '/instances', { json: { name: `bench-${i}`, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: opts.imageId }, start: true } });
    const { instance, operation } = (await res.json()) as Json;
    await waitOperation(server, operation.id);
    const after = await server.json('GET', `/instances/${instance.id}`);
    onebox.push(performance.now() - t0);
    const seen = opts.check(after);
    await waitOperation(server, (await server.json('DELETE', `/instances/${instance.id}`)).operation.id);

    const name = `floor-${process.pid}-${i}`;
    try {
      raw.push(await floor.createAndStart(name));
    } finally {
      await floor.remove(name);
    }
    console.log(`run ${i + 1}: onebox ${onebox[i].toFixed(0)} ms (${seen}), qemu-img + virsh ${raw[i].toFixed(0)} ms`);
  }
  const [a, b] = [percentile(onebox, 50), percentile(raw, 50)];
  console.log(`onebox p50 ${a.toFixed(0)} ms (p90 ${percentile(onebox, 90).toFixed(0)}), qemu-img + virsh p50 ${b.toFixed(0)} ms (p90 ${percentile(raw, 90).toFixed(0)})`);
  return { onebox: a, floor: b };
}
