/** How long a guest's vCPUs stood still while some work ran: QEMU's STOP→RESUME events, caught with `virsh qemu-monitor-event --timestamp`. */
import { spawn } from 'node:child_process';
import { SYSTEM_LIBVIRT } from '../test/system/onebox-server.js';

/** Listens to QEMU's STOP/RESUME events of the domain while `work` runs; returns the longest STOP→RESUME gap in ms (0: no stop). */
export async function pauseDuring(domain: string, work: () => Promise<void>): Promise<number> {
  const listener = spawn('virsh', ['-c', SYSTEM_LIBVIRT.uri, 'qemu-monitor-event', '--domain', domain, '--loop', '--timestamp'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  listener.stdout.on('data', (d) => (out += d));
  await new Promise((r) => setTimeout(r, 500)); // the listener is registered
  await work();
  await new Promise((r) => setTimeout(r, 500)); // late events arrive
  listener.kill('SIGTERM');
  // Lines like "2026-12-02 04:40:00.123+0000: event STOP for domain 'x': <null>"
  let stop: number | undefined;
  let longest = 0;
  for (const line of out.split('\n')) {
    const m = /^(\S+ \S+?)\+\d{4}: event (STOP|RESUME)/.exec(line);
    if (!m) continue;
    const t = Date.parse(m[1].replace(' ', 'T') + 'Z');
    if (m[2] === 'STOP') stop = t;
    else if (stop !== undefined) {
      longest = Math.max(longest, t - stop);
      stop = undefined;
    }
  }
  return longest;
}
