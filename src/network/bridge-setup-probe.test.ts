/** probeGateway against canned `ip -j route get` / `ip -j neigh` answers (the real one runs in test/system/bridge-setup.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeGateway } from './bridge-setup-probe.js';

const GW = { family: 'inet' as const, address: '10.57.0.1' };

/** An `ip` answering route lookups with `dev` and neighbour listings from `neigh` in turn (the last one repeats). */
function cannedIp(dev: string, neigh: string[]) {
  const calls: string[] = [];
  let n = 0;
  const ip = async (args: string[]) => {
    calls.push(args.join(' '));
    if (args.includes('route')) return JSON.stringify([{ dst: GW.address, dev }]);
    return neigh[Math.min(n++, neigh.length - 1)];
  };
  return { ip, calls };
}

describe('probeGateway', () => {
  it('is satisfied once the gateway has a link-layer address on the bridge', async () => {
    const pokes: string[] = [];
    const { ip, calls } = cannedIp('br0', ['[]', '[{"dst":"10.57.0.1","state":["INCOMPLETE"]}]', '[{"dst":"10.57.0.1","lladdr":"be:b9:7f:a1:bc:2a","state":["REACHABLE"]}]']);
    const result = await probeGateway(ip, GW, 'br0', { timeoutMs: 5000, poke: async (g, b) => void pokes.push(`${g.address}@${b}`) });
    assert.equal(result, undefined);
    assert.deepEqual(pokes, ['10.57.0.1@br0']);
    assert.equal(calls[0], '-j -4 route get 10.57.0.1');
    assert.equal(calls.at(-1), '-j -4 neigh show to 10.57.0.1 dev br0');
  });

  it('says so when the gateway never answers, poking it about once a second', async () => {
    let pokes = 0;
    const { ip } = cannedIp('br0', ['[{"dst":"10.57.0.1","state":["FAILED"]}]']);
    const result = await probeGateway(ip, GW, 'br0', { timeoutMs: 1500, poke: async () => void pokes++ });
    assert.equal(result, "the gateway 10.57.0.1 did not answer ARP on 'br0' within 1.5 s");
    assert.ok(pokes >= 1 && pokes <= 2, `${pokes} pokes in 1.5 s`);
  });

  it('says so when the route to the gateway does not go through the bridge', async () => {
    const { ip } = cannedIp('uplink', ['[]']);
    const result = await probeGateway(ip, GW, 'br0', { timeoutMs: 1000, poke: async () => assert.fail('no poke when the route is wrong') });
    assert.equal(result, "the route to the gateway 10.57.0.1 goes through 'uplink', not 'br0'");
  });

  it('looks an IPv6 link-local gateway up on the bridge itself', async () => {
    const { ip, calls } = cannedIp('br0', ['[{"dst":"fe80::1","lladdr":"be:b9:7f:a1:bc:2a","state":["STALE"]}]']);
    assert.equal(await probeGateway(ip, { family: 'inet6', address: 'fe80::1' }, 'br0', { timeoutMs: 1000, poke: async () => undefined }), undefined);
    assert.equal(calls[0], '-j -6 route get fe80::1 oif br0');
  });
});
