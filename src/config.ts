/** Typed settings for `onebox serve`, parsed once from flags and environment. */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { AccelSetting } from './lib/accel.js';
import { AppError } from './lib/errors.js';
import type { CpuMode } from './hypervisor/types.js';

/** Settings of the serve command. */
export interface ServeConfig {
  dataDir: string;
  port: number;
  listen: string;
  accel: AccelSetting;
  /** CPU model under KVM: a named model (default) or host-passthrough. */
  kvmCpu: CpuMode;
  libvirtUri: string;
  libvirtSocket: string;
  /** Address VNC servers listen on (loopback unless third-party VNC is wanted). */
  vncListen: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Behind a reverse proxy: take client addresses from X-Forwarded-For. */
  trustProxy: boolean;
  /** How long a console token stays valid, in seconds. */
  consoleTokenTtlSeconds: number;
  /** How long a graceful stop waits on ACPI before asking the guest agent to power the guest off, in seconds. */
  acpiGraceSeconds: number;
  /** Run this host's network commands (ip, dnsmasq) in this network namespace: a test lab's "host" (unset on real hosts). */
  hostNetns?: string;
  /** How this host reaches NFS storage pools: `mount` (kernel client), `qemu` (QEMU's NFS driver, nfs:// URLs) or `auto` (mount when the kernel has a client). */
  nfsMode: 'auto' | 'mount' | 'qemu';
  /** The largest image or ISO upload accepted, in bytes. */
  maxUploadBytes: number;
  /** Image imports may fetch from loopback, link-local and private addresses (off: SSRF). */
  imageImportAllowPrivate: boolean;
  /** How the controller reaches this machine's host agent: in-process, or over HTTP on loopback like a remote peer. */
  localAgent: 'in-process' | 'loopback';
  /**
   * TLS: `auto` (default) serves HTTPS with a certificate from onebox's own CA in
   * `<data-dir>/tls/`; `files` with the operator's certificate and key; `off` serves plain
   * HTTP (`--insecure-http`, for running behind a TLS-terminating reverse proxy).
   */
  tls: { kind: 'auto' } | { kind: 'files'; certFile: string; keyFile: string } | { kind: 'off' };
  /** The URL browsers use when it is not this host's own name or address (e.g. behind a proxy). */
  publicUrl?: URL;
  /** Seconds between two usage samples of every host (charts and history). */
  usageIntervalSeconds: number;
  /** Heartbeats of joined hosts: seconds between beats, and seconds of silence after which a host is `lost`. */
  heartbeat: { intervalSeconds: number; lostAfterSeconds: number };
  /** The address other hosts reach this host at (its libvirtd's TLS port and QEMU's migration streams); also the host's recorded address. Default: its primary address. */
  migrationAddress?: string;
}

/** The help of --nfs-mode, the same for serve, join and agent (every host of a pool reaches its NFS share its own way). */
export const NFS_MODE_HELP = `  --nfs-mode MODE       auto (default) | mount | qemu: how NFS storage pools are reached — the kernel
                        client (mount -t nfs), or QEMU's own NFS driver with nfs:// URLs where the
                        kernel has no NFS client (auto picks mount when it has one)`;

/** Usage text of `onebox serve`. */
export const SERVE_USAGE = `onebox serve [options]
  --data-dir DIR        where state lives (default /var/lib/onebox, env ONEBOX_DATA_DIR)
  --port N              HTTP port (default 5870)
  --listen ADDR         address to listen on (default 0.0.0.0)
  --migration-address ADDR
                        the address other hosts reach this host at for live migration (its libvirtd's
                        TLS port and QEMU's streams; the migration certificate names it). Default: the
                        --listen address, or this host's first IPv4 address when listening on all
  --accel MODE          kvm | tcg | auto (default auto: KVM only with hardware virtualisation)
  --cpu-model NAME      guest CPU under KVM: a libvirt model name (default Nehalem) or host-passthrough
  --libvirt-uri URI     hypervisor URI (default qemu:///system)
  --libvirt-socket PATH libvirtd socket (default /run/libvirt/libvirt-sock)
  --vnc-listen ADDR     address guest VNC servers bind to (default 127.0.0.1)
  --log-level LEVEL     debug | info | warn | error (default info)
  --trust-proxy         behind your own reverse proxy: client addresses come from X-Forwarded-For
  --console-token-ttl S seconds a console token stays valid (default 30)
  --acpi-grace S        seconds a stop waits for the guest to answer the ACPI power button before it
                        asks the guest's agent to power off (default 30)
  --max-upload-size GIB largest image or ISO upload, in GiB (default 64); uploads also stop before the
                        data directory would have less than 2 GiB free
  --image-import-allow-private
                        let image imports from a URL reach loopback, link-local and private (LAN)
                        addresses; off by default so no user can make onebox fetch from the
                        cloud metadata address, the host itself or the LAN
  --host-netns NAME     run this host's network helpers (ip, dnsmasq) inside network namespace NAME:
                        for test labs whose libvirtd lives in that namespace
${NFS_MODE_HELP}
  --local-agent MODE    in-process (default) | loopback: drive this host through the peer protocol on
                        127.0.0.1, exactly as a joined host would be (for tests and benchmarks)
  --public-url URL      the URL browsers use, when it is not this host's own name or address
                        (e.g. https://cloud.example.com behind a reverse proxy); its host is accepted
                        in Host headers and added to the certificate
  --tls-cert FILE       serve HTTPS with this PEM certificate (chain) instead of onebox's own CA's
  --tls-key FILE        the PEM private key of --tls-cert
  --insecure-http       serve plain HTTP: only behind a reverse proxy that terminates TLS
  --usage-interval S    seconds between usage samples of every host (default 10)
  --heartbeat-interval S
                        seconds between heartbeats with joined hosts (default 5)
  --heartbeat-lost-after S
                        seconds without a beat before a joined host is lost (default 15)`;

/** Parses --nfs-mode (undefined: auto); throws validation_failed for anything else. */
export function parseNfsMode(value: string | undefined): ServeConfig['nfsMode'] {
  const mode = value ?? 'auto';
  if (mode !== 'auto' && mode !== 'mount' && mode !== 'qemu') throw new AppError('validation_failed', `--nfs-mode must be auto, mount or qemu, not '${mode}'.`);
  return mode;
}

/** Parses serve flags; throws a validation_failed AppError with a sentence on a bad value. */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' }, port: { type: 'string' }, listen: { type: 'string' }, accel: { type: 'string' },
      'cpu-model': { type: 'string' }, 'libvirt-uri': { type: 'string' }, 'libvirt-socket': { type: 'string' },
      'vnc-listen': { type: 'string' }, 'log-level': { type: 'string' }, 'trust-proxy': { type: 'boolean' },
      'console-token-ttl': { type: 'string' }, 'acpi-grace': { type: 'string' }, 'local-agent': { type: 'string' }, 'max-upload-size': { type: 'string' }, 'image-import-allow-private': { type: 'boolean' }, 'host-netns': { type: 'string' }, 'nfs-mode': { type: 'string' }, 'public-url': { type: 'string' }, 'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' }, 'insecure-http': { type: 'boolean' }, 'usage-interval': { type: 'string' },
      'heartbeat-interval': { type: 'string' }, 'heartbeat-lost-after': { type: 'string' }, 'migration-address': { type: 'string' },
    },
  });
  const port = Number(values.port ?? env.ONEBOX_PORT ?? 5870);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AppError('validation_failed', `--port must be a number from 1 to 65535, not '${values.port}'.`);
  const accel = values.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new AppError('validation_failed', `--accel must be kvm, tcg or auto, not '${accel}'.`);
  const level = values['log-level'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new AppError('validation_failed', `--log-level must be debug, info, warn or error, not '${level}'.`);
  const ttl = Number(values['console-token-ttl'] ?? 30);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) throw new AppError('validation_failed', `--console-token-ttl must be a whole number of seconds from 1 to 3600, not '${values['console-token-ttl']}'.`);
  const acpiGrace = Number(values['acpi-grace'] ?? 30);
  if (!Number.isInteger(acpiGrace) || acpiGrace < 1 || acpiGrace > 60) throw new AppError('validation_failed', `--acpi-grace must be a whole number of seconds from 1 to 60, not '${values['acpi-grace']}'.`);
  const maxUploadGiB = Number(values['max-upload-size'] ?? 64);
  if (!Number.isFinite(maxUploadGiB) || maxUploadGiB <= 0 || maxUploadGiB > 65536) throw new AppError('validation_failed', `--max-upload-size must be a number of GiB above 0, not '${values['max-upload-size']}'.`);
  const localAgent = values['local-agent'] ?? 'in-process';
  const nfsMode = parseNfsMode(values['nfs-mode']);
  if (localAgent !== 'in-process' && localAgent !== 'loopback') throw new AppError('validation_failed', `--local-agent must be in-process or loopback, not '${localAgent}'.`);
  const cpuModel = values['cpu-model'] ?? 'Nehalem';
  if (!/^[A-Za-z0-9_.-]+$/.test(cpuModel)) throw new AppError('validation_failed', `--cpu-model '${cpuModel}' is not a CPU model name.`);
  const usageInterval = Number(values['usage-interval'] ?? 10);
  if (!Number.isFinite(usageInterval) || usageInterval < 0.1 || usageInterval > 3600) throw new AppError('validation_failed', `--usage-interval must be a number of seconds from 0.1 to 3600, not '${values['usage-interval']}'.`);
  const beat = Number(values['heartbeat-interval'] ?? 5);
  if (!Number.isFinite(beat) || beat < 0.1 || beat > 3600) throw new AppError('validation_failed', `--heartbeat-interval must be a number of seconds from 0.1 to 3600, not '${values['heartbeat-interval']}'.`);
  const lostAfter = Number(values['heartbeat-lost-after'] ?? beat * 3);
  if (!Number.isFinite(lostAfter) || lostAfter < beat) throw new AppError('validation_failed', `--heartbeat-lost-after must be a number of seconds no smaller than the heartbeat interval (${beat}), not '${values['heartbeat-lost-after']}'.`);
  return {
    heartbeat: { intervalSeconds: beat, lostAfterSeconds: lostAfter },
    usageIntervalSeconds: usageInterval,
    tls: parseTls(values['tls-cert'], values['tls-key'], values['insecure-http'] === true),
    publicUrl: values['public-url'] === undefined ? undefined : parsePublicUrl(values['public-url']),
    dataDir: resolve(values['data-dir'] ?? env.ONEBOX_DATA_DIR ?? '/var/lib/onebox'),
    port,
    listen: values.listen ?? '0.0.0.0',
    accel,
    kvmCpu: cpuModel === 'host-passthrough' ? { kind: 'host-passthrough' } : { kind: 'named', model: cpuModel },
    libvirtUri: values['libvirt-uri'] ?? 'qemu:///system',
    libvirtSocket: values['libvirt-socket'] ?? '/run/libvirt/libvirt-sock',
    vncListen: values['vnc-listen'] ?? '127.0.0.1',
    logLevel: level as ServeConfig['logLevel'],
    trustProxy: values['trust-proxy'] === true,
    consoleTokenTtlSeconds: ttl,
    acpiGraceSeconds: acpiGrace,
    localAgent,
    nfsMode,
    maxUploadBytes: Math.floor(maxUploadGiB * 1024 ** 3),
    imageImportAllowPrivate: values['image-import-allow-private'] === true,
    ...(values['host-netns'] ? { hostNetns: parseNetns(values['host-netns']) } : {}),
    ...(values['migration-address'] !== undefined ? { migrationAddress: parseAddress(values['migration-address']) } : {}),
  };
}

/** A host's address as given on the command line: an IP address or a DNS name, brackets around IPv6 dropped. */
function parseAddress(value: string): string {
  const host = value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(host)) throw new AppError('validation_failed', `--migration-address must be an IP address or a host name, not '${value}'.`);
  return host;
}

function parseTls(certFile: string | undefined, keyFile: string | undefined, insecure: boolean): ServeConfig['tls'] {
  if (insecure && (certFile || keyFile)) throw new AppError('validation_failed', '--insecure-http serves plain HTTP; it cannot be combined with --tls-cert or --tls-key.');
  if (insecure) return { kind: 'off' };
  if (!certFile !== !keyFile) throw new AppError('validation_failed', `--tls-cert and --tls-key go together; got only ${certFile ? '--tls-cert' : '--tls-key'}.`);
  return certFile && keyFile ? { kind: 'files', certFile: resolve(certFile), keyFile: resolve(keyFile) } : { kind: 'auto' };
}

function parsePublicUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('validation_failed', `--public-url must be a URL like https://cloud.example.com, not '${text}'.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('validation_failed', `--public-url must be an http or https URL, not '${text}'.`);
  return url;
}

function parseNetns(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new AppError('validation_failed', `--host-netns must be a network namespace name, not '${name}'.`);
  return name;
}
