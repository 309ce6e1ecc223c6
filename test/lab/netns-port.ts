/**
 * Reaching a TCP port inside a lab namespace from the test process (root namespace) without a
 * root-namespace NIC: a small forwarder runs inside the namespace (`ip netns exec`), listens on a
 * unix socket file and connects each client to HOST:PORT there. Clients pass the socket file as
 * `socketPath` (node:http/https, the `ws` client) or `connect: { socketPath }` (undici).
 *
 *   const port = await openNetnsPort(lab.outNs, 8443, lab.dir);  // in before()
 *   https.request({ socketPath: port.socketPath, host: '127.0.0.1', port: 8443, ... })
 *   await port.close();                                           // in after(); the lab's close() also kills it
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const FORWARDER = join(import.meta.dirname, 'unix-forwarder.mjs');

/** A running forwarder: connect to `socketPath` to reach `host:port` inside `ns`. */
export interface NetnsPort {
  readonly ns: string;
  readonly host: string;
  readonly port: number;
  readonly socketPath: string;
  /** Stops the forwarder and removes its socket file. Idempotent. */
  close(): Promise<void>;
}

/** Starts a forwarder in `ns` to `host:port` (loopback by default) on a socket file in `dir`; waits until it accepts. */
export async function openNetnsPort(ns: string, port: number, dir: string, host = '127.0.0.1'): Promise<NetnsPort> {
  const socketPath = join(dir, `port-${port}.sock`);
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, FORWARDER, socketPath, host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(socketPath, { force: true });
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => child.stdout!.on('data', () => output.includes('forwarding') && resolve())),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`the forwarder into ${ns} exited with code ${code}: ${output.trim()}`))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the forwarder into ${ns} did not start within 10 s: ${output.trim()}`)), 10_000))),
    ]);
  } catch (err) {
    await close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { ns, host, port, socketPath, close };
}
