/**
 * Shared by the benchmarks: start `onebox serve` on a free loopback port and wait for its
 * first HTTP 200. Uses node:http(s) (not fetch) so the measuring process adds no lazy-load cost.
 * HTTPS unless `--insecure-http` is among the extra arguments (the certificate is not checked:
 * this measures speed, not trust).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The executable under test: $ONEBOX_BIN, else bundle/onebox. */
export function oneboxBin(): string {
  const bin = process.env.ONEBOX_BIN ?? fileURLToPath(new URL('../bundle/onebox', import.meta.url));
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`node build.mjs\` first (or set ONEBOX_BIN).`);
  return bin;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** HTTP status of one GET (over HTTPS unless `secure` is false), or 0 when the connection fails. */
export function getStatus(port: number, path: string, secure = true): Promise<number> {
  return new Promise((resolve) => {
    const request = secure ? httpsRequest : httpRequest;
    const req = request({ host: '127.0.0.1', port, path, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** A started server and how long it took from spawn to the first 200. */
export interface Started {
  child: ChildProcess;
  port: number;
  msToFirst200: number;
}

/** Spawns `onebox serve` (with `extraArgs`) and polls `path` every `intervalMs` until it answers 200. */
export async function startServe(bin: string, dataDir: string, path = '/api/v1/health', intervalMs = 5, extraArgs: string[] = []): Promise<Started> {
  const port = await freePort();
  const secure = !extraArgs.includes('--insecure-http');
  const t0 = performance.now();
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--port', String(port), '--listen', '127.0.0.1', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = t0 + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`onebox serve exited with ${child.exitCode}:\n${stderr}`);
    if ((await getStatus(port, path, secure)) === 200) return { child, port, msToFirst200: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  child.kill('SIGKILL');
  throw new Error(`onebox serve gave no 200 on ${path} within 30 s:\n${stderr}`);
}

/** Sends SIGTERM and waits for exit (SIGKILL after 5 s). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
