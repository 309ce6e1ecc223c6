/** The HostAgent contract on this machine's real libvirtd (TCG guests on blank disks) and real qemu-img, directly and through the loopback peer. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SOCKET_PATH } from '../hypervisor/libvirt/connection.js';
import { openLibvirtDriver } from '../hypervisor/libvirt/driver.js';
import { describeHostAgentContract } from './host-agent-contract.js';
import { LocalHostAgent } from './local-agent.js';
import { startLoopbackPeer } from './peer/loopback.js';

const skip = existsSync(DEFAULT_SOCKET_PATH) ? undefined : `the system libvirtd socket ${DEFAULT_SOCKET_PATH} is missing (run scripts/start-libvirtd.sh)`;
const seeds = spawnSync('genisoimage', ['-version']).status === 0;

async function realAgent() {
  const dir = await mkdtemp(join(tmpdir(), 'onebox-agent-libvirt-'));
  const agent = new LocalHostAgent({ dataDir: dir, hypervisor: await openLibvirtDriver({ uri: 'qemu:///system' }), accel: { accel: 'tcg', reason: 'test' } });
  return { agent, dir };
}

describeHostAgentContract({
  name: 'local (libvirt qemu:///system, qemu-img)',
  skip,
  seeds,
  eventTimeoutMs: 15_000,
  open: async () => {
    const { agent, dir } = await realAgent();
    return {
      agent,
      close: async () => {
        await agent.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});

describeHostAgentContract({
  name: 'loopback peer (libvirt qemu:///system behind it)',
  skip,
  seeds,
  eventTimeoutMs: 15_000,
  open: async () => {
    const { agent, dir } = await realAgent();
    const peer = await startLoopbackPeer(agent);
    return {
      agent: peer.client,
      close: async () => {
        await peer.close();
        await agent.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
