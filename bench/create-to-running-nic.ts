/**
 * Benchmark: create-to-running with a NIC and an address allocation (the first-run NAT network
 * and its address pool, in a lab namespace with its own libvirtd), side by side with the floor:
 * the same guest with a NIC on the same libvirt network made by hand with qemu-img and virsh.
 * Alternates the two, RUNS (10) of each, one TCG guest at a time; the last line is the ratio.
 * Run: node build.mjs && node --import tsx bench/create-to-running-nic.ts
 */
import { startLabServer } from './lab-server.js';
import { RawVirsh } from './raw-virsh.js';
import { sideBySideCreates } from './side-by-side.js';

const RUNS = Number(process.env.RUNS ?? 10);

const lab = await startLabServer(`bcn${process.pid % 1000}`);
const floor = new RawVirsh({ uri: lab.libvirtd.uri, image: lab.imagePath, network: lab.libvirtNetwork });
try {
  const p50 = await sideBySideCreates({
    server: lab.server,
    floor,
    imageId: lab.imageId,
    runs: RUNS,
    check: (instance) => {
      if (instance.state !== 'running' || !instance.address) throw new Error(`instance ${instance.id} ended ${instance.state} with address ${instance.address}`);
      return `address ${instance.address}`;
    },
  });
  console.log(`create-from-image → running with a NIC and an allocated address: onebox/floor p50 ratio ${(p50.onebox / p50.floor).toFixed(2)} over ${RUNS} each`);
} finally {
  floor.close();
  await lab.close();
}
