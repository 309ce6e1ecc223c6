/**
 * Benchmark: importing a vmdk onebox already holds against running `qemu-img convert -f vmdk
 * -O qcow2` directly on the same file, side by side, 3 rounds each. The vmdk is uploaded with
 * `curl -T` (bench/curl-upload.ts); the import is timed from the upload's 202 answer (the file is
 * stored, its format checked) until its operation has succeeded: `qemu-img convert` to qcow2,
 * qemu-img info and check of the result and its SHA-256. The upload has its own figure
 * (bench/upload-throughput.ts); the end-to-end time (upload + import) is printed too, for
 * information. The disk is SIZE_MIB of virtual size, random data in its first half and zeros
 * after (so the vmdk and the qcow2 hold half of it). Both convert a file just written: the peer
 * a fresh copy of the vmdk (cp, not timed), onebox the upload it has just stored; converting
 * right after 512 MiB of writes is slower (the kernel is still writing them back), and a peer
 * spared that would not be the same work. CPU time (process and its children, from /proc) is
 * printed beside each time: on a shared machine it swings less than the wall time. Prints the
 * import's throughput ratio last (goal ≥ 0.9). Needs bundle/onebox (node build.mjs).
 * Run: node --import tsx bench/image-import.ts   (SIZE_MIB=… to change the size, default 1024)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OneboxServer, type Json } from '../test/system/onebox-server.js';
import { curlUpload } from './curl-upload.js';

const SIZE_MIB = Number(process.env.SIZE_MIB ?? 1024);
const ROUNDS = 3;
const dir = await mkdtemp(join(tmpdir(), 'onebox-bench-import-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Polls the operation every 200 ms. The import's end is the operation's own updatedAt (the server
 * runs on this machine's clock, to the millisecond), not when a poll saw it: polling every 10 ms
 * instead spent as much of the server's CPU as the hash, on a machine of two cores.
 */
async function waitOperation(server: OneboxServer, id: string): Promise<Json> {
  for (;;) {
    const op = await server.json('GET', `/operations/${id}`);
    if (op.state !== 'running') return op;
    await new Promise((r) => setTimeout(r, 200));
  }
}
let server: OneboxServer | undefined;

/** CPU time (ms) of a process and of its children it has waited for: user + system, all threads. */
function cpuWithChildrenMs(pid: number | 'self' | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
}

try {
  // Random data in the first half, zeros after: a disk that is partly used, as real ones are.
  const raw = join(dir, 'disk.raw');
  const out = createWriteStream(raw);
  for (let i = 0; i < SIZE_MIB; i++) {
    const chunk = i < SIZE_MIB / 2 ? randomBytes(1024 * 1024) : Buffer.alloc(1024 * 1024);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const vmdk = join(dir, 'disk.vmdk');
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', raw, vmdk]);
  await rm(raw);

  server = await OneboxServer.start();
  await server.bootstrap();
  const direct: number[] = [];
  const imported: number[] = [];
  const endToEnd: number[] = [];
  const directCpu: number[] = [];
  const importCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    execFileSync('cp', [vmdk, join(dir, 'fresh.vmdk')]);
    let cpu0 = cpuWithChildrenMs('self');
    let t0 = performance.now();
    execFileSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'qcow2', join(dir, 'fresh.vmdk'), join(dir, 'direct.qcow2')]);
    direct.push(performance.now() - t0);
    directCpu.push(cpuWithChildrenMs('self') - cpu0);
    await rm(join(dir, 'direct.qcow2'));
    await rm(join(dir, 'fresh.vmdk'));

    t0 = performance.now();
    // A vmdk answers 202 once stored: the import runs from then until its operation has succeeded.
    const { imageId, operation } = await curlUpload(server, vmdk, `bench-${round}`);
    const answered = Date.now();
    cpu0 = cpuWithChildrenMs(server.pid);
    const op = await waitOperation(server, operation.id);
    const finished = Date.parse(op.updatedAt as string);
    imported.push(finished - answered);
    importCpu.push(cpuWithChildrenMs(server.pid) - cpu0);
    endToEnd.push(performance.now() - t0 - (Date.now() - finished));
    if (op.state !== 'succeeded') throw new Error(`the conversion failed: ${JSON.stringify(op)}`);
    const image = await server.json('GET', `/images/${imageId}`);
    if (image.format !== 'qcow2') throw new Error(`the import answered ${JSON.stringify(image)}`);
    await server.call('DELETE', `/images/${image.id}`);
    console.log(`round ${round + 1}: qemu-img convert ${direct[round].toFixed(0)} ms (CPU ${directCpu[round].toFixed(0)} ms), import of the stored vmdk ${imported[round].toFixed(0)} ms (CPU of onebox and its qemu-img ${importCpu[round].toFixed(0)} ms; end to end with the upload: ${endToEnd[round].toFixed(0)} ms)`);
  }
  const mibps = (ms: number) => (SIZE_MIB / (ms / 1000)).toFixed(0);
  console.log(`end to end (upload over HTTPS + import), for information: ${mibps(median(endToEnd))} MiB/s of virtual disk, ${(median(direct) / median(endToEnd)).toFixed(2)} × qemu-img convert`);
  console.log(`qemu-img convert ${mibps(median(direct))} MiB/s, onebox import of the stored file (convert + info + check + SHA-256) ${mibps(median(imported))} MiB/s of virtual disk`);
  console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; CPU per conversion: qemu-img convert ${median(directCpu).toFixed(0)} ms, onebox import ${median(importCpu).toFixed(0)} ms`);
  console.log(`image import: ${(median(direct) / median(imported)).toFixed(2)} × the throughput of qemu-img convert run directly on the same file (median of ${ROUNDS}, ${SIZE_MIB} MiB disk, half of it data, as a vmdk)`);
} finally {
  await server?.cleanup();
  await rm(dir, { recursive: true, force: true });
}
