/**
 * Benchmark: uploading a raw image to the real executable (HTTPS, streamed, SHA-256, free-space
 * checks, format check) against writing the same bytes with `dd` (bs=1M, same filesystem), 3
 * rounds each. The client is `curl -T` (streams the file; what a user runs, and light on the
 * CPU the server shares on a small machine); Node's fetch with a web-stream body is measured
 * too, for information (it spends about as much CPU as the server), and so is the floor under any
 * upload to a Node server: the same curl to a bare Node HTTPS server in a process of its own
 * (same Node, same certificate) that reads the body and drops it (no hash, no file). The server's CPU per
 * upload is printed beside the times (on a shared machine it swings less than they do). Prints
 * the throughput ratio (curl vs dd) last (goal ≥ 0.8). Needs bundle/onebox.
 * Run: node --import tsx bench/upload-throughput.ts   (SIZE_MIB=… to change the size, default 256)
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OneboxServer } from '../test/system/onebox-server.js';
import { curlUpload } from './curl-upload.js';

const SIZE_MIB = Number(process.env.SIZE_MIB ?? 256);
const ROUNDS = 3;
const dir = await mkdtemp(join(tmpdir(), 'onebox-bench-upload-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let server: OneboxServer | undefined;
let bare: ChildProcess | undefined;

/** A bare Node HTTPS server (cert and key paths as arguments) that drops every request body; prints its port. */
const BARE_RECEIVER = `const https = require('node:https'), fs = require('node:fs');
const server = https.createServer({ cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) }, (req, res) => req.resume().on('end', () => res.end('{}')));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

/**
 * CPU time (user + system, all threads, ms) a process has used: on a shared machine the wall time
 * swings with the other jobs, the CPU an upload costs the server much less.
 */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

try {
  const file = join(dir, 'disk.raw');
  const out = createWriteStream(file);
  for (let i = 0; i < SIZE_MIB; i++) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));

  server = await OneboxServer.start();
  await server.bootstrap();
  const tls = join(server.dataDir, 'tls');
  bare = spawn(process.execPath, ['-e', BARE_RECEIVER, join(tls, 'server.pem'), join(tls, 'server-key.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [portLine] = (await once(bare.stdout!, 'data')) as [Buffer];
  const barePort = Number(portLine.toString().trim());
  const bareWall: number[] = [];
  const bareCpu: number[] = [];
  const dd: number[] = [];
  const upload: number[] = [];
  const viaFetch: number[] = [];
  const serverCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    execFileSync('dd', [`if=${file}`, `of=${join(server.dataDir, 'dd.raw')}`, 'bs=1M', 'status=none']);
    dd.push(performance.now() - t0);
    await rm(join(server.dataDir, 'dd.raw'));

    t0 = performance.now();
    const cpu0 = cpuMs(server.pid);
    const image = await curlUpload(server, file, `bench-${round}`);
    upload.push(performance.now() - t0);
    serverCpu.push(cpuMs(server.pid) - cpu0);
    if (image.format !== 'raw' || image.sizeBytes !== SIZE_MIB * 1024 * 1024) throw new Error(`the upload answered ${JSON.stringify(image)}`);
    await server.call('DELETE', `/images/${image.id}`);

    t0 = performance.now();
    const bareCpu0 = cpuMs(bare.pid);
    await promisify(execFile)('curl', ['-sS', '--fail', '--cacert', join(tls, 'ca.pem'), '-X', 'POST', '-T', file, `https://127.0.0.1:${barePort}/`]);
    bareWall.push(performance.now() - t0);
    bareCpu.push(cpuMs(bare.pid) - bareCpu0);

    t0 = performance.now();
    const fetched = await server.json('POST', `/images?name=bench-fetch-${round}`, { body: Readable.toWeb(createReadStream(file)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    viaFetch.push(performance.now() - t0);
    if (fetched.sha256 !== image.sha256) throw new Error(`the fetch upload answered ${JSON.stringify(fetched)}`);
    await server.call('DELETE', `/images/${fetched.id}`);
    console.log(`round ${round + 1}: dd ${dd[round].toFixed(0)} ms, upload (curl) ${upload[round].toFixed(0)} ms (server CPU ${serverCpu[round].toFixed(0)} ms), upload (Node fetch) ${viaFetch[round].toFixed(0)} ms, bare Node HTTPS receive ${bareWall[round].toFixed(0)} ms (CPU ${bareCpu[round].toFixed(0)} ms)`);
  }
  const mibps = (ms: number) => (SIZE_MIB / (ms / 1000)).toFixed(0);
  console.log(`floor, for information: a bare Node HTTPS server dropping the body takes ${median(bareWall).toFixed(0)} ms and ${median(bareCpu).toFixed(0)} ms of CPU per upload (${(median(dd) / median(bareWall)).toFixed(2)} × dd)`);
  console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; server CPU per curl upload ${median(serverCpu).toFixed(0)} ms (${mibps(median(serverCpu))} MiB per CPU-second)`);
  console.log(`dd ${mibps(median(dd))} MiB/s, onebox upload (HTTPS + SHA-256 + checks) with curl ${mibps(median(upload))} MiB/s, with Node fetch ${mibps(median(viaFetch))} MiB/s`);
  console.log(`upload (curl): ${(median(dd) / median(upload)).toFixed(2)} × the throughput of dd (median of ${ROUNDS}, ${SIZE_MIB} MiB)`);
} finally {
  bare?.kill();
  await server?.cleanup();
  await rm(dir, { recursive: true, force: true });
}
