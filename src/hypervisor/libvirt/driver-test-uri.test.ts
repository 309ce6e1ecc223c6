/** Runs the HypervisorDriver contract against libvirt's test:///default on a private libvirtd. */
import { after, before } from 'node:test';
import { privateLibvirtd, skipUnlessPresent } from '../../../test/require-system.js';
import { contractSpec, describeHypervisorDriverContract } from '../driver-contract.js';
import { openLibvirtDriver } from './driver.js';
import { type PrivateLibvirtd, startPrivateLibvirtd } from './private-libvirtd.js';

const skip = skipUnlessPresent(privateLibvirtd());
let daemon: PrivateLibvirtd | undefined;
before(async () => {
  if (!skip) daemon = await startPrivateLibvirtd();
});
after(async () => {
  await daemon?.stop();
});

describeHypervisorDriverContract({
  name: 'libvirt test:///default (private libvirtd)',
  skip: skip || undefined,
  open: () => {
    if (!daemon) throw new Error('the private libvirtd did not start');
    return openLibvirtDriver({ uri: 'test:///default', socketPath: daemon.socketPath });
  },
  makeSpec: (name, uuid) => contractSpec(name, uuid, '/nonexistent/test-driver.qcow2', `/tmp/${name}.log`),
  mediaPath: '/var/lib/onebox/images/media.iso',
  supportsCdrom: false,
  qosSkip: "libvirt's test driver implements neither block I/O tuning nor interface parameters",
  supportsVnc: false,
  networksStart: true,
  shutdownStops: true,
  liveMemoryFollows: true,
  agentAbsenceReported: false, // the test driver invents addresses for every NIC
  snapshots: "libvirt's test driver keeps no disk files: external snapshots and block jobs are not implemented",
  disks: "libvirt's test driver does not implement attaching or detaching devices (virDomainAttachDeviceFlags)",
  console: { kind: 'skip', reason: "libvirt's test driver has no serial consoles (DOMAIN_OPEN_CONSOLE is unsupported)" },
});
