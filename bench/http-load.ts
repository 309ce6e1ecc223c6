/**
 * A small autocannon-like HTTP load generator for the API benches: keep-alive connections, a
 * fixed number of requests in flight, for a fixed time, in a worker thread (its own event loop,
 * so the server under test keeps the main one). Every answer must be 200 or the run throws.
 */
import { Worker } from 'node:worker_threads';

/** What one run measured. */
export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  bytes: number;
}

// Plain JavaScript: the worker runs it with `eval`, so it needs no TypeScript loader.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { url, headers, concurrency, seconds } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);
let requests = 0, bytes = 0, failed = undefined;
const until = performance.now() + seconds * 1000;
const started = performance.now();
function one() {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => { if (res.statusCode !== 200) reject(new Error(url + ' answered ' + res.statusCode)); else { bytes += n; resolve(); } });
    });
    req.on('error', reject);
    req.end();
  });
}
async function loop() { while (performance.now() < until && !failed) { try { await one(); requests++; } catch (e) { failed = e; } } }
Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
  agent.destroy();
  parentPort.postMessage({ requests, bytes, seconds: (performance.now() - started) / 1000, error: failed && String(failed.message) });
});
`;

/** Sends GETs to `url` for `seconds` with `concurrency` in flight; resolves with the rate. */
export function load(url: string, opts: { headers?: Record<string, string>; concurrency?: number; seconds?: number } = {}): Promise<LoadResult> {
  const workerData = { url, headers: opts.headers ?? {}, concurrency: opts.concurrency ?? 16, seconds: opts.seconds ?? 5 };
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData });
    worker.once('error', reject);
    worker.once('message', (m: { requests: number; bytes: number; seconds: number; error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve({ requests: m.requests, seconds: m.seconds, bytes: m.bytes, perSecond: m.requests / m.seconds });
    });
  });
}
