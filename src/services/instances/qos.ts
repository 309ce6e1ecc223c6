/** An instance's QoS as the hypervisor takes it: the CPU priority as cputune shares, the limits as iotune and bandwidth. */
import { normalizeQos } from '../../hypervisor/qos.js';
import type { DomainQos } from '../../hypervisor/types.js';
import { CPU_SHARES, type InstanceQos } from '../../shared/qos.js';

/** The domain QoS of a stored one; medium priority and no limits give nothing (libvirt's defaults). */
export function domainQosOf(qos: InstanceQos | null | undefined): DomainQos {
  if (!qos) return {};
  const disk = { readBytesSec: qos.diskReadBytesSec, writeBytesSec: qos.diskWriteBytesSec, readIops: qos.diskReadIops, writeIops: qos.diskWriteIops };
  const net = { inKiBps: qos.netInKbps, outKiBps: qos.netOutKbps };
  return normalizeQos({ cpuShares: CPU_SHARES[qos.cpuPriority], disk, net });
}
