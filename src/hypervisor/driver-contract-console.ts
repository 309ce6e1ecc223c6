/**
 * The serial console part of the HypervisorDriver contract: a console that echoes (the fake)
 * or a real guest's root shell on ttyS0 (qemu:///system with the mini test image). Both
 * answer a typed line, refuse a stopped domain, and hand over to a second console (FORCE).
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { HypervisorDriver } from './driver.js';
import { DomainStateError, GuestAgentUnavailableError } from './errors.js';
import type { DomainSpec, GuestInterfaceInfo } from './types.js';

/** How the console contract runs against one driver. */
export type ConsoleContract =
  | { kind: 'echo' }
  | {
      kind: 'shell';
      /** A spec of a guest that boots to a root shell on its serial console. */
      makeSpec: (name: string, uuid: string) => DomainSpec;
      /** Printed on the console once the guest has booted. */
      readyMarker: string;
      bootTimeoutMs: number;
    }
  | { kind: 'skip'; reason: string };

/** Everything a console reads, plus a way to wait for text in it. */
class ConsoleTap {
  text = '';
  ended = false;
  error: Error | undefined;

  constructor(readonly stream: Duplex) {
    stream.on('data', (b: Buffer) => (this.text += b.toString('latin1')));
    stream.on('error', (e) => (this.error = e));
    stream.on('close', () => (this.ended = true));
  }

  /** Resolves once `what` was read (after offset `from`); false on timeout. */
  async sees(what: string | RegExp, timeoutMs: number, from = 0): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof what === 'string' ? this.text.includes(what, from) : what.test(this.text.slice(from)));
    while (!found()) {
      if (Date.now() > deadline || this.ended) return found();
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Resolves true once the stream closed, false after `timeoutMs`. */
  async closes(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.ended;
  }

  /** Types a line and waits for `expect` in what follows. */
  async roundTrip(line: string, expect: string, timeoutMs: number): Promise<void> {
    const from = this.text.length;
    this.stream.write(line);
    assert.ok(await this.sees(expect, timeoutMs, from), `expected '${expect}' on the console within ${timeoutMs} ms after typing ${JSON.stringify(line)}; got ${JSON.stringify(this.text.slice(from).slice(-500))}`);
  }
}

/** Registers the console tests; call inside the contract's describe. */
export function consoleContractTests(driver: () => HypervisorDriver, fresh: () => DomainSpec, c: ConsoleContract): void {
  const skip = c.kind === 'skip' ? c.reason : undefined;
  const timeout = c.kind === 'shell' ? c.bootTimeoutMs + 60_000 : 10_000;

  test('serial console: answers typed lines, refuses a stopped domain, hands over to a second console', { skip, timeout }, async () => {
    const drv = driver();
    const base = fresh();
    const spec = c.kind === 'shell' ? c.makeSpec(base.name, base.uuid) : base;
    await drv.defineDomain(spec);
    await assert.rejects(drv.openConsole(spec.name), DomainStateError);
    await drv.start(spec.name);
    const first = new ConsoleTap(await drv.openConsole(spec.name));
    try {
      if (c.kind === 'shell') await waitForShell(first, c.readyMarker, c.bootTimeoutMs);
      const shell = c.kind === 'shell';
      await first.roundTrip('echo hi$((6*7))\n', shell ? 'hi42' : 'echo hi$((6*7))', 20_000);

      const second = new ConsoleTap(await drv.openConsole(spec.name));
      try {
        assert.ok(await first.closes(10_000), 'the first console should end when a second one takes over');
        assert.equal(first.error, undefined, `the first console should end without an error, got ${first.error?.message}`);
        await second.roundTrip('echo again$((2+3))\n', shell ? 'again5' : 'echo again$((2+3))', 20_000);
      } finally {
        second.stream.destroy();
      }
    } finally {
      first.stream.destroy();
      await drv.destroy(spec.name).catch(() => undefined);
    }
    await drv.undefineDomain(spec.name);
  });

  const shell = c.kind === 'shell' ? c : undefined;
  test("guest agent: a booted guest's agent reports its loopback interface", { skip: !shell && 'no guest OS, so no guest agent', timeout }, async () => {
    assert.ok(shell);
    const drv = driver();
    const base = fresh();
    const spec = shell.makeSpec(base.name, base.uuid);
    await drv.defineDomain(spec);
    await drv.start(spec.name);
    const tap = new ConsoleTap(await drv.openConsole(spec.name));
    try {
      await waitForShell(tap, shell.readyMarker, shell.bootTimeoutMs);
      // qemu-ga starts during boot; give it a few tries to connect.
      let interfaces: GuestInterfaceInfo[] | undefined;
      for (let tries = 0; !interfaces && tries < 20; tries++) {
        interfaces = await drv.guestInterfaces(spec.name).catch((err: unknown) => {
          if (!(err instanceof GuestAgentUnavailableError)) throw err;
          return undefined;
        });
        if (!interfaces) await new Promise((r) => setTimeout(r, 1000));
      }
      const lo = interfaces?.find((i) => i.name === 'lo');
      assert.ok(lo, `the agent should report 'lo'; got ${JSON.stringify(interfaces)}`);
      assert.deepEqual(lo.addresses.filter((a) => a.family === 'ipv4'), [{ address: '127.0.0.1', prefix: 8, family: 'ipv4' }]);
    } finally {
      tap.stream.destroy();
      await drv.destroy(spec.name).catch(() => undefined);
    }
    await drv.undefineDomain(spec.name);
  });
}

/** Waits for the boot marker; if it already went by, presses Enter and waits for a prompt. */
async function waitForShell(tap: ConsoleTap, marker: string, timeoutMs: number): Promise<void> {
  if (await tap.sees(marker, timeoutMs)) {
    await tap.sees(/# /, 5_000);
    return;
  }
  const from = tap.text.length;
  tap.stream.write('\n');
  assert.ok(await tap.sees(/# /, 10_000, from), `no '${marker}' and no shell prompt on the console; got ${JSON.stringify(tap.text.slice(-500))}`);
}
