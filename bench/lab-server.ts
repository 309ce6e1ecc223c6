/**
 * Shared by the network benchmarks: a lab (test/lab: a host namespace with its own libvirtd)
 * running the real executable, set up with the first-run NAT network and address pool (so every
 * instance gets a NIC and an allocated address) and the mini image uploaded.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { libvirtNetworkName } from '../src/cluster/host-networks.js';
import type { PrivateQemuLibvirtd } from '../src/hypervisor/libvirt/private-libvirtd.js';
import { miniImagePath } from '../test/fixtures/mini-image.js';
import { createLab, type Lab } from '../test/lab/netns-lab.js';
import { OneboxServer, type Json } from '../test/system/onebox-server.js';

/** A running lab server. */
export interface LabServer {
  lab: Lab;
  libvirtd: PrivateQemuLibvirtd;
  server: OneboxServer;
  imagePath: string;
  imageId: string;
  /** The setup network as the API shows it, and libvirt's name of it. */
  network: Json;
  libvirtNetwork: string;
  close(): Promise<void>;
}

/** Starts it all; `close()` undoes it all, also after a failure. */
export async function startLabServer(name: string): Promise<LabServer> {
  const imagePath = await miniImagePath();
  const lab = await createLab(name);
  let libvirtd: PrivateQemuLibvirtd | undefined;
  let server: OneboxServer | undefined;
  const close = async () => {
    await server?.cleanup().catch((err: unknown) => console.error(String(err)));
    await libvirtd?.stop();
    await lab.close();
  };
  try {
    libvirtd = await lab.startLibvirtd();
    server = await OneboxServer.start(['--host-netns', lab.hostNs], { socketPath: libvirtd.socketPath, uri: libvirtd.uri });
    await server.bootstrap({ create: true, subnet: `${lab.address(1, 0)}/24` });
    const image = await server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    const network = await server.json('GET', '/networks/default');
    return { lab, libvirtd, server, imagePath, imageId: image.id, network, libvirtNetwork: libvirtNetworkName(network.id), close };
  } catch (err) {
    await close();
    throw err;
  }
}
