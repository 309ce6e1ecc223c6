import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHypervisorDriver } from '../hypervisor/fake.js';
import { FakeStorageDriver } from '../storage/fake.js';
import { describeHostAgentContract } from './host-agent-contract.js';
import { LocalHostAgent } from './local-agent.js';
import { startLoopbackPeer } from './peer/loopback.js';

const hasGenisoimage = spawnSync('genisoimage', ['-version']).status === 0;

/** A local agent on the fake hypervisor and fake storage in a temp dir. */
async function fakeAgent() {
  const dir = await mkdtemp(join(tmpdir(), 'onebox-agent-'));
  const agent = new LocalHostAgent({
    dataDir: dir, hypervisor: new FakeHypervisorDriver(), accel: { accel: 'tcg', reason: 'test' },
    storage: (pool, defaultDir) => new FakeStorageDriver(pool.kind === 'local' ? (pool.path ?? defaultDir) : join(dir, 'nfs')),
  });
  return { agent, dir };
}

describeHostAgentContract({
  name: 'local (fake hypervisor and storage)',
  seeds: hasGenisoimage,
  open: async () => {
    const { agent, dir } = await fakeAgent();
    return { agent, close: () => rm(dir, { recursive: true, force: true }) };
  },
});

describeHostAgentContract({
  name: 'loopback peer over HTTP (fake hypervisor and storage behind it)',
  seeds: hasGenisoimage,
  open: async () => {
    const { agent, dir } = await fakeAgent();
    const peer = await startLoopbackPeer(agent);
    return {
      agent: peer.client,
      close: async () => {
        await peer.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
