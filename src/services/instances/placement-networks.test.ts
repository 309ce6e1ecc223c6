import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostAgent } from '../../cluster/host-agent.js';
import { missingNetworksByHost } from './placement-networks.js';

const agentA = {} as HostAgent;
const agentB = {} as HostAgent;
const agentOther = {} as HostAgent;
const nets: Record<string, { id: string; name: string; kind: 'nat' | 'bridged' }> = {
  lan: { id: 'n-lan', name: 'lan', kind: 'bridged' },
  dmz: { id: 'n-dmz', name: 'dmz', kind: 'bridged' },
  nat: { id: 'n-nat', name: 'nat', kind: 'nat' },
};
/** lan is up on host a only; dmz on both; every network is down on the host outside the pool. */
const up: Record<string, string[]> = { 'n-lan': ['a'], 'n-dmz': ['a', 'b'] };

test('bridged networks down on a host are named for that host; NAT networks and other hosts are not asked', async () => {
  const asked: string[] = [];
  const networks = {
    get: (ref: string) => nets[ref] ?? nets[Object.keys(nets).find((k) => nets[k]?.id === ref) ?? ''] ?? assert.fail(`unknown ${ref}`),
    hostStates: async (id: string, agents: Map<HostAgent, string>) => {
      asked.push(id);
      return [...agents.values()].map((hostId) => ({ hostId, active: up[id]?.includes(hostId) ?? false, detail: '' }));
    },
  };
  const hosts = { attachedAgentsById: () => new Map([[agentA, 'a'], [agentB, 'b'], [agentOther, 'x']]) };
  const cases: { refs: (string | null)[]; expect: Record<string, string[]> }[] = [
    { refs: [], expect: {} },
    { refs: [null], expect: {} },
    { refs: ['nat'], expect: {} },
    { refs: ['lan'], expect: { b: ['lan'] } },
    { refs: ['dmz', 'nat'], expect: {} },
    { refs: ['lan', 'lan', 'dmz'], expect: { b: ['lan'] } },
  ];
  for (const c of cases) {
    const got = await missingNetworksByHost(networks as never, hosts as never, ['a', 'b'], c.refs);
    assert.deepEqual(Object.fromEntries(got), c.expect, JSON.stringify(c.refs));
  }
  assert.ok(!asked.includes('n-nat'), 'NAT networks are made on demand: never asked');
});
