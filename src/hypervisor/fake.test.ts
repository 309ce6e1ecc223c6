/** Runs the HypervisorDriver contract against the in-memory fake. */
import { contractSpec, describeHypervisorDriverContract } from './driver-contract.js';
import { FakeHypervisorDriver } from './fake.js';

describeHypervisorDriverContract({
  name: 'fake',
  open: async () => new FakeHypervisorDriver(),
  makeSpec: (name, uuid) => contractSpec(name, uuid, '/var/lib/onebox/disks/fake.qcow2', `/tmp/${name}.log`),
  mediaPath: '/var/lib/onebox/images/media.iso',
  supportsCdrom: true,
  supportsVnc: true,
  networksStart: true,
  shutdownStops: true,
  liveMemoryFollows: true,
  agentAbsenceReported: true,
  snapshots: { overlay: (name, n) => `/var/lib/onebox/disks/${name}-o${n}.qcow2` },
  disks: { extraDisk: (name, n) => `/var/lib/onebox/disks/${name}-${n}.qcow2`, liveDetach: true, blockResize: true },
  console: { kind: 'echo' },
});
