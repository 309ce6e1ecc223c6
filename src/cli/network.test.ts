/**
 * `onebox network` without touching the host: an `ip` that answers the listings of the lab
 * fixture and records every call. Without --yes, and on every refusal, only `ip -j` listings run
 * (nothing changes), and the exit code says which case it was. The real run, with --yes, is
 * test/system/bridge-setup.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT, runNetwork } from './network.js';

const TESTDATA = fileURLToPath(new URL('../network/testdata/bridge-setup/', import.meta.url));
const fixture = (part: string) => readFileSync(`${TESTDATA}lab.${part}.json`, 'utf8');

/** Answers the four listings from the lab fixture; records every call. */
function fixtureIp() {
  const calls: string[][] = [];
  const ip = async (args: string[]) => {
    calls.push(args);
    const line = args.join(' ');
    if (line === '-j -d link show') return fixture('links');
    if (line === '-j addr show') return fixture('addresses');
    if (line === '-j -4 route show table all') return fixture('routes4');
    if (line === '-j -6 route show table all') return fixture('routes6');
    throw new Error(`unexpected ip ${line}`);
  };
  return { ip, calls };
}

describe('onebox network', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    mock.method(console, 'log', (...a: unknown[]) => void out.push(a.join(' ')));
    mock.method(console, 'error', (...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(() => mock.restoreAll());

  it('bridge-setup without --yes prints the plan, changes nothing and asks for --yes (exit 3)', async () => {
    const { ip, calls } = fixtureIp();
    assert.equal(await runNetwork(['bridge-setup', '--nic', 'uplink'], ip), EXIT.confirm);
    assert.ok(calls.every((c) => c[0] === '-j'), `only listings ran: ${calls.map((c) => c.join(' ')).join('; ')}`);
    const text = out.join('\n');
    for (const part of ["'uplink' into a new bridge 'br0'", '10.57.0.2/24', 'default via 10.57.0.1 metric 0   <- the default route']) assert.ok(text.includes(part), text);
    assert.match(err.join('\n'), /Nothing was changed\..*--yes/);
  });

  const refusals: [string, string[], number, RegExp][] = [
    ['a NIC that does not exist', ['--nic', 'eth9'], EXIT.refused, /no network interface 'eth9'.*\(nic_not_found\)/],
    ['the loopback', ['--nic', 'lo', '--yes'], EXIT.refused, /'lo' is the loopback.*\(nic_is_loopback\)/],
    ['a bridge name that is taken', ['--nic', 'uplink', '--bridge', 'lo', '--yes'], EXIT.refused, /'lo' exists already.*\(bridge_name_taken\)/],
    ['an invalid name', ['--nic', 'up link', '--yes'], EXIT.usage, /'up link' is not a valid NIC name.*\(invalid_interface_name\)/],
    ['a missing --nic', ['--yes'], EXIT.usage, /--nic NIC is required/],
    ['an unknown flag', ['--nic', 'uplink', '--force'], EXIT.usage, /Unknown option '--force'/],
    ['a bad timeout', ['--nic', 'uplink', '--gateway-timeout', 'soon'], EXIT.usage, /--gateway-timeout 'soon'/],
  ];
  for (const [what, args, code, message] of refusals) {
    it(`bridge-setup refuses ${what} (exit ${code}) and changes nothing`, async () => {
      const { ip, calls } = fixtureIp();
      assert.equal(await runNetwork(['bridge-setup', ...args], ip), code);
      assert.match(err.join('\n'), message);
      assert.ok(calls.every((c) => c[0] === '-j'));
    });
  }

  it('prints its usage for help (exit 0), and refuses an unknown command (exit 2)', async () => {
    const { ip } = fixtureIp();
    assert.equal(await runNetwork(['--help'], ip), EXIT.done);
    assert.match(out.join('\n'), /onebox network bridge-setup --nic NIC/);
    assert.equal(await runNetwork(['bridge-setup', '--help'], ip), EXIT.done);
    assert.equal(await runNetwork(['bond-setup'], ip), EXIT.usage);
    assert.match(err.join('\n'), /unknown command 'bond-setup'/);
  });
});
