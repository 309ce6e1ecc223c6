/**
 * Benchmark: create an instance from an image (qcow2 linked clone) with start=true until its
 * domain is running, side by side with the floor: the same guest made by hand with qemu-img and
 * virsh (bench/raw-virsh.ts). Alternates the two, 20 of each (RUNS), one TCG guest at a time;
 * prints both p50s and, last, the ratio onebox / floor.
 * Run: node build.mjs && node --import tsx bench/create-to-running.ts
 * ONEBOX_SERVE_ARGS='--local-agent loopback' measures with the host driven through the peer protocol.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { miniImagePath } from '../test/fixtures/mini-image.js';
import { OneboxServer, type Json } from '../test/system/onebox-server.js';
import { RawVirsh } from './raw-virsh.js';
import { sideBySideCreates } from './side-by-side.js';

const RUNS = Number(process.env.RUNS ?? 20);

const serveArgs = (process.env.ONEBOX_SERVE_ARGS ?? '').split(' ').filter(Boolean);
const imagePath = await miniImagePath();
const server = await OneboxServer.start(serveArgs);
const floor = new RawVirsh({ uri: 'qemu:///system', image: imagePath });
try {
  await server.bootstrap();
  const image = (await (await server.call('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream })).json()) as Json;
  const p50 = await sideBySideCreates({
    server,
    floor,
    imageId: image.id,
    runs: RUNS,
    check: (instance) => {
      if (instance.state !== 'running') throw new Error(`instance ${instance.id} ended ${instance.state}`);
      return 'running';
    },
  });
  console.log(`create-from-image → running${serveArgs.length ? ` (${serveArgs.join(' ')})` : ''}: onebox/floor p50 ratio ${(p50.onebox / p50.floor).toFixed(2)} over ${RUNS} each`);
} finally {
  floor.close();
  await server.cleanup();
}
