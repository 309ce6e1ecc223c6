/**
 * Benchmark: 1,000 sequential and 1,000 pipelined CONNECT_GET_VERSION calls over libvirt's
 * RPC protocol to the system daemon (or LIBVIRT_SOCKET / LIBVIRT_URI). Last line: the
 * pipelined figure.
 *   node --import tsx bench/libvirt-calls.ts
 */
import { LibvirtConnection } from '../src/hypervisor/libvirt/connection.js';

const N = 1000;

async function main(): Promise<void> {
  const conn = await LibvirtConnection.open({
    uri: process.env.LIBVIRT_URI ?? 'qemu:///system',
    socketPath: process.env.LIBVIRT_SOCKET ?? '/run/libvirt/libvirt-sock',
  });
  for (let i = 0; i < 50; i++) await conn.call('CONNECT_GET_VERSION'); // warm-up

  let t = performance.now();
  for (let i = 0; i < N; i++) await conn.call('CONNECT_GET_VERSION');
  const sequential = performance.now() - t;

  t = performance.now();
  await Promise.all(Array.from({ length: N }, () => conn.call('CONNECT_GET_VERSION')));
  const pipelined = performance.now() - t;

  await conn.close();
  console.log(`libvirt rpc: ${N} sequential calls in ${sequential.toFixed(0)} ms`);
  console.log(`libvirt rpc: ${N} pipelined calls in ${pipelined.toFixed(0)} ms`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
