/**
 * QoS on a real TCG mini guest through the real executable: a disk write limit set live with
 * PATCH reaches the running domain (virsh blkdeviotune shows it), `dd oflag=direct` inside the
 * guest (over the serial console) then writes no faster than the limit, and once the limit is
 * lifted the same write is clearly faster. Timing is read inside the guest (/proc/uptime), so the
 * console's round trips do not count. One guest; domains cleaned up even on failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { bundle, skipUnlessPresent, systemLibvirtd } from '../require-system.js';
import { bootMiniGuest, uploadMiniImage } from './mini-guest.js';
import { OneboxServer, SYSTEM_LIBVIRT, type Json } from './onebox-server.js';

const MiB = 1024 ** 2;
/** The write limit: 1 MiB/s, and 6 MiB written, so a limited run takes about 6 s. */
const LIMIT = 1 * MiB;
const WRITE_BYTES = 6 * MiB;
const virsh = (...args: string[]) => spawnSync('virsh', ['-c', SYSTEM_LIBVIRT.uri, ...args], { encoding: 'utf8' }).stdout;

describe('QoS of a real guest: a live disk write limit holds inside the guest', { skip: skipUnlessPresent(systemLibvirtd(), bundle()) }, () => {
  let server: OneboxServer;
  let inst: Json;
  let run = 0;
  before(async () => {
    server = await OneboxServer.start();
    await server.bootstrap();
    const image = await uploadMiniImage(server);
    inst = await bootMiniGuest(server, { name: 'qos', disk: { source: 'image', imageId: image.id }, dataDisks: [{ sizeGiB: 1 }], qos: { cpuPriority: 'low' } });
  }, { timeout: 600_000 });
  after(async () => {
    if (process.env.ONEBOX_KEEP_LOG) console.log(server?.output);
    await server?.cleanup();
  });

  /** Writes WRITE_BYTES to the data disk with O_DIRECT inside the guest; returns bytes/s as the guest's clock saw it. */
  const guestWriteRate = async (): Promise<number> => {
    const n = ++run;
    // serialRun types the line again until the answer shows: the guard file makes a repeat a no-op.
    const line = `[ -e /tmp/dd${n} ] || { touch /tmp/dd${n}; S=$(cat /proc/uptime); dd if=/dev/zero of=/dev/vdb bs=64k count=${WRITE_BYTES / 65536} oflag=direct 2>/dev/null; E=$(cat /proc/uptime); echo "DDT${n} $S $E"; }`;
    const re = new RegExp(`DDT${n} ([\\d.]+) [\\d.]+ ([\\d.]+)`);
    const out = await server.serialRun(inst.id, line, re, 120_000);
    const m = re.exec(out);
    assert.ok(m, `no timing from the guest: ${out.slice(-400)}`);
    const seconds = Number(m[2]) - Number(m[1]);
    assert.ok(seconds > 0, `the write took ${seconds} s`);
    return WRITE_BYTES / seconds;
  };

  test('the low CPU priority given at create is in the running domain', () => {
    assert.match(virsh('schedinfo', inst.domainName), /cpu_shares\s*:\s*512/);
  });

  test('a 1 MiB/s write limit set live holds inside the guest; lifted, the same write is faster', { timeout: 300_000 }, async () => {
    const limited = await server.call('PATCH', `/instances/${inst.id}`, { json: { qos: { cpuPriority: 'low', diskWriteBytesSec: LIMIT } } });
    assert.equal(limited.status, 200, await limited.clone().text());
    assert.match(virsh('blkdeviotune', inst.domainName, 'vdb'), new RegExp(`write_bytes_sec\\s*:\\s*${LIMIT}\\b`));
    assert.match(virsh('dumpxml', '--inactive', inst.domainName), new RegExp(`<write_bytes_sec>${LIMIT}</write_bytes_sec>`), 'the definition has it too');
    const rateLimited = await guestWriteRate();
    const lifted = await server.call('PATCH', `/instances/${inst.id}`, { json: { qos: { cpuPriority: 'low' } } });
    assert.equal(lifted.status, 200);
    assert.match(virsh('blkdeviotune', inst.domainName, 'vdb'), /write_bytes_sec\s*:\s*0\b/);
    const rateFree = await guestWriteRate();
    console.log(`# dd oflag=direct of ${WRITE_BYTES / MiB} MiB in the guest: ${(rateLimited / MiB).toFixed(2)} MiB/s under a ${LIMIT / MiB} MiB/s limit, ${(rateFree / MiB).toFixed(2)} MiB/s without`);
    // QEMU's throttle lets a short burst through (about a tenth of a second's worth): 15 % margin.
    assert.ok(rateLimited <= LIMIT * 1.15, `limited: ${(rateLimited / MiB).toFixed(2)} MiB/s is above the ${LIMIT / MiB} MiB/s limit`);
    assert.ok(rateFree > LIMIT * 1.5, `unlimited: ${(rateFree / MiB).toFixed(2)} MiB/s is not clearly above the limit`);
  });
});
