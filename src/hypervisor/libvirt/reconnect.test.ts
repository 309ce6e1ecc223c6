/**
 * Reconnect against a real (private) libvirtd: kill the daemon, calls fail fast with
 * HypervisorUnavailableError, start it again, and the driver reconnects on its own with
 * its lifecycle event callback registered again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { privateLibvirtd, skipUnlessPresent } from '../../../test/require-system.js';
import { contractSpec } from '../driver-contract.js';
import { HypervisorUnavailableError } from '../errors.js';
import type { DomainLifecycleEvent } from '../types.js';
import { type LibvirtDriver, openLibvirtDriver } from './driver.js';
import { type PrivateLibvirtd, startPrivateLibvirtd } from './private-libvirtd.js';

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LibvirtDriver reconnects after a libvirtd restart', { skip: skipUnlessPresent(privateLibvirtd()) }, () => {
  let daemon: PrivateLibvirtd;
  let drv: LibvirtDriver;
  before(async () => {
    daemon = await startPrivateLibvirtd();
    drv = await openLibvirtDriver({ uri: 'test:///default', socketPath: daemon.socketPath, reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
  });
  after(async () => {
    await drv?.close();
    await daemon?.stop();
  });

  test('kill, fail fast, restart, calls and events work again', async () => {
    const events: DomainLifecycleEvent[] = [];
    drv.onLifecycle((e) => events.push(e));
    assert.ok((await drv.hostInfo()).cpus > 0);

    await daemon.kill();
    await until(() => drv.connection.state === 'down', 5000, 'the connection to notice the daemon died');
    const t = Date.now();
    await assert.rejects(drv.listDomains(), HypervisorUnavailableError);
    assert.ok(Date.now() - t < 100, 'calls while down fail fast');

    await daemon.restart();
    await until(() => drv.connection.state === 'open', 10_000, 'the reconnect');
    const name = `obtest-reconnect-${process.pid}`;
    await drv.defineDomain(contractSpec(name, randomUUID(), '/nonexistent/disk.qcow2', '/tmp/serial.log'));
    // The defined event proves the lifecycle callback was registered on the new connection.
    await until(() => events.some((e) => e.name === name && e.event === 'defined'), 5000, 'the defined event after reconnect');
    await drv.undefineDomain(name);
  });
});
