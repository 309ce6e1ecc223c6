/**
 * Benchmark: from a running domain to its DHCP lease on the first-run NAT network (mini image,
 * TCG, in a lab namespace with its own libvirtd): onebox's instance (a reserved lease for its
 * allocated address) side by side with a guest made by hand with virsh on the same network
 * (a dynamic lease from libvirt's dnsmasq). Both are timed from "running" (the API's state, or
 * `virsh start` returning) to the lease being listed, polled every 100 ms. Alternates, RUNS (5)
 * each; the last line is the ratio of the p50s.
 * Run: node build.mjs && node --import tsx bench/dhcp-lease-time.ts
 */
import { startLabServer } from './lab-server.js';
import { percentile, RawVirsh } from './raw-virsh.js';

const RUNS = Number(process.env.RUNS ?? 5);
const TIMEOUT_MS = 180_000;

/** Polls every 100 ms until `check` holds; resolves with the milliseconds since `t0`. */
async function msUntil(t0: number, what: string, check: () => Promise<boolean>, intervalMs = 100): Promise<number> {
  while (!(await check())) {
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`no ${what} within ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return performance.now() - t0;
}

const lab = await startLabServer(`bdl${process.pid % 1000}`);
const floor = new RawVirsh({ uri: lab.libvirtd.uri, image: lab.imagePath, network: lab.libvirtNetwork });
try {
  const { server, network } = lab;
  const onebox: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const res = await server.call('POST', '/instances', { json: { name: `lease-${i}`, cores: 1, memoryMiB: 128, disk: { source: 'image', imageId: lab.imageId }, start: true } });
    const { instance } = (await res.json()) as { instance: { id: string } };
    await msUntil(performance.now(), 'running instance', async () => (await server.json('GET', `/instances/${instance.id}`)).state === 'running', 5);
    const t0 = performance.now();
    const inst = await server.json('GET', `/instances/${instance.id}`);
    const leased = async () => ((await server.json('GET', `/networks/${network.id}/leases`)).items as { mac: string; ip: string }[]).some((l) => l.mac === inst.nics[0].mac && l.ip === inst.address);
    onebox.push(await msUntil(t0, `lease for ${inst.address}`, leased));
    const del = await server.json('DELETE', `/instances/${instance.id}`);
    await msUntil(performance.now(), 'deleted instance', async () => (await server.json('GET', `/operations/${del.operation.id}`)).state !== 'running', 20);

    const name = `floor-${process.pid}-${i}`;
    const mac = `52:54:00:fe:00:${(i + 16).toString(16).padStart(2, '0')}`;
    try {
      await floor.createAndStart(name, mac);
      const t1 = performance.now();
      raw.push(await msUntil(t1, `lease for ${mac}`, async () => (await floor.leases()).includes(mac)));
    } finally {
      await floor.remove(name);
    }
    console.log(`run ${i + 1}: onebox ${onebox[i].toFixed(0)} ms, virsh guest ${raw[i].toFixed(0)} ms`);
  }
  const [a, b] = [percentile(onebox, 50), percentile(raw, 50)];
  console.log(`running → lease: onebox p50 ${a.toFixed(0)} ms, hand-made virsh guest p50 ${b.toFixed(0)} ms`);
  console.log(`domain running → DHCP lease on the NAT network (mini, TCG): onebox/virsh p50 ratio ${(a / b).toFixed(2)} over ${RUNS} each`);
} finally {
  floor.close();
  await lab.close();
}
