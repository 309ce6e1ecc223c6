/**
 * QoS of a libvirt domain: the typed parameters that set it (virDomainSetSchedulerParameters,
 * virDomainSetBlockIoTune, virDomainSetInterfaceParameters) and reading it back out of the
 * domain XML. Pure.
 */
import { DEFAULT_CPU_SHARES, normalizeQos } from '../qos.js';
import type { DomainQos } from '../types.js';
import { disksOfXml } from './domain-disks.js';
import type { RemoteTypedParam } from './protocol.generated.js';

const ull = (field: string, value: number | undefined): RemoteTypedParam => ({ field, value: { type: 4, ul: BigInt(value ?? 0) } });
const uint = (field: string, value: number | undefined): RemoteTypedParam => ({ field, value: { type: 2, ui: value ?? 0 } });

/** The calls that give a domain (described by `xml`) this QoS; 0 lifts a limit. */
export function qosParams(qos: DomainQos, xml: string): {
  scheduler: RemoteTypedParam[];
  disks: { disk: string; params: RemoteTypedParam[] }[];
  nics: { device: string; params: RemoteTypedParam[] }[];
} {
  const d = qos.disk ?? {};
  const diskParams = [ull('read_bytes_sec', d.readBytesSec), ull('write_bytes_sec', d.writeBytesSec), ull('read_iops_sec', d.readIops), ull('write_iops_sec', d.writeIops)];
  const nicParams = [uint('inbound.average', qos.net?.inKiBps), uint('outbound.average', qos.net?.outKiBps)];
  return {
    scheduler: [ull('cpu_shares', qos.cpuShares ?? DEFAULT_CPU_SHARES)],
    disks: disksOfXml(xml).filter((x) => x.target.startsWith('vd')).map((x) => ({ disk: x.target, params: diskParams })),
    nics: macsOfXml(xml).map((mac) => ({ device: mac, params: nicParams })),
  };
}

/** The MAC addresses of the domain's interfaces, in order. */
export function macsOfXml(xml: string): string[] {
  return [...xml.matchAll(/<interface\b[\s\S]*?<mac\b[^>]*\baddress=['"]([0-9a-fA-F:]+)['"]/g)].map((m) => m[1].toLowerCase());
}

const num = (re: RegExp, text: string) => {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
};

/** The QoS in a domain XML: shares, the first virtio disk's iotune, the first interface's bandwidth. */
export function qosOfXml(xml: string): DomainQos {
  const shares = num(/<cputune>[\s\S]*?<shares>(\d+)<\/shares>/, xml);
  const disk = /<disk\b[^>]*device=['"]disk['"][^>]*>([\s\S]*?)<\/disk>/.exec(xml)?.[1] ?? '';
  const iotune = /<iotune>([\s\S]*?)<\/iotune>/.exec(disk)?.[1] ?? '';
  const nic = /<interface\b[^>]*>([\s\S]*?)<\/interface>/.exec(xml)?.[1] ?? '';
  return normalizeQos({
    cpuShares: shares,
    disk: {
      readBytesSec: num(/<read_bytes_sec>(\d+)</, iotune),
      writeBytesSec: num(/<write_bytes_sec>(\d+)</, iotune),
      readIops: num(/<read_iops_sec>(\d+)</, iotune),
      writeIops: num(/<write_iops_sec>(\d+)</, iotune),
    },
    net: { inKiBps: num(/<inbound\b[^>]*\baverage=['"](\d+)['"]/, nic), outKiBps: num(/<outbound\b[^>]*\baverage=['"](\d+)['"]/, nic) },
  });
}
