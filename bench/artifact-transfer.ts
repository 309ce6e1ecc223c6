/**
 * Benchmark: copying a 1 GiB image to a host through the loopback peer (HTTP stream, SHA-256
 * verified, written into the host's artifact cache) against a plain `cp` of the same file,
 * side by side, 3 rounds each. Prints the throughput ratio last (goal ≥ 0.8).
 * Run: node --import tsx bench/artifact-transfer.ts   (SIZE_MIB=… to change the size)
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHostAgent } from '../src/cluster/local-agent.js';
import { startLoopbackPeer } from '../src/cluster/peer/loopback.js';
import { FakeHypervisorDriver } from '../src/hypervisor/fake.js';

const SIZE_MIB = Number(process.env.SIZE_MIB ?? 1024);
const ROUNDS = 3;
const dir = await mkdtemp(join(tmpdir(), 'onebox-bench-transfer-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const file = join(dir, 'image.raw');
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let i = 0; i < SIZE_MIB; i++) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const sha256 = hash.digest('hex');

  const agent = new LocalHostAgent({ dataDir: join(dir, 'host'), hypervisor: new FakeHypervisorDriver(), accel: { accel: 'tcg', reason: 'bench' } });
  const peer = await startLoopbackPeer(agent);
  const cp: number[] = [];
  const transfer: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      execFileSync('cp', [file, join(dir, `copy-${round}.raw`)]);
      cp.push(performance.now() - t0);
      await rm(join(dir, `copy-${round}.raw`));

      const ref = { shelf: 'images' as const, fileName: `img_bench${round}.raw`, sha256, sizeBytes: SIZE_MIB * 1024 * 1024, format: 'raw' as const };
      t0 = performance.now();
      await peer.client.volumes.ensureArtifact(ref, { open: async () => createReadStream(file) });
      transfer.push(performance.now() - t0);
      await peer.client.volumes.removeArtifact(ref);
      console.log(`round ${round + 1}: cp ${cp[round].toFixed(0)} ms, through the loopback peer ${transfer[round].toFixed(0)} ms`);
    }
  } finally {
    await peer.close();
  }
  const mibps = (ms: number) => (SIZE_MIB / (ms / 1000)).toFixed(0);
  console.log(`cp ${mibps(median(cp))} MiB/s, loopback peer (stream + SHA-256 + write) ${mibps(median(transfer))} MiB/s`);
  console.log(`artifact transfer through the loopback peer: ${(median(cp) / median(transfer)).toFixed(2)} × the throughput of cp (median of ${ROUNDS}, ${SIZE_MIB} MiB)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
