import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GuestAgentUnavailableError, HypervisorError, HypervisorTimeoutError } from '../errors.js';
import { agentError, guestInterfacesOf } from './guest-interfaces.js';

test('the wire records become plain interfaces with lower-case MACs and address families', () => {
  assert.deepEqual(
    guestInterfacesOf([
      { name: 'lo', hwaddr: '00:00:00:00:00:00', addrs: [{ type: 0, addr: '127.0.0.1', prefix: 8 }] },
      { name: 'eth0', hwaddr: '52:54:00:AB:CD:EF', addrs: [{ type: 0, addr: '10.0.0.5', prefix: 24 }, { type: 1, addr: 'fe80::1', prefix: 64 }] },
      { name: 'sit0', hwaddr: null, addrs: [] },
    ]),
    [
      { name: 'lo', mac: '00:00:00:00:00:00', addresses: [{ address: '127.0.0.1', prefix: 8, family: 'ipv4' }] },
      { name: 'eth0', mac: '52:54:00:ab:cd:ef', addresses: [{ address: '10.0.0.5', prefix: 24, family: 'ipv4' }, { address: 'fe80::1', prefix: 64, family: 'ipv6' }] },
      { name: 'sit0', mac: null, addresses: [] },
    ],
  );
});

test("libvirt's ways of saying 'no agent answers' become GuestAgentUnavailableError; other errors pass unchanged", () => {
  for (const code of [67, 86, 97]) assert.ok(agentError(new HypervisorError('agent', code), 'vm') instanceof GuestAgentUnavailableError, `code ${code}`);
  assert.ok(agentError(new HypervisorTimeoutError("DOMAIN_INTERFACE_ADDRESSES of domain 'vm'", 10_000), 'vm') instanceof GuestAgentUnavailableError);
  const other = new HypervisorError('internal', 1);
  assert.equal(agentError(other, 'vm'), other);
});
