/** Typed settings for `onebox serve`, parsed once from flags and environment. */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { AccelSetting } from './lib/accel.js';
import { ValidationError } from './lib/errors.js';
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
  /** How the controller reaches this machine's host agent: in-process, or over HTTP on loopback like a remote peer. */
  localAgent: 'in-process' | 'loopback';
}

/** Usage text of `onebox serve`. */
export const SERVE_USAGE = `onebox serve [options]
  --data-dir DIR        where state lives (default /var/lib/onebox, env ONEBOX_DATA_DIR)
  --port N              HTTP port (default 5870)
  --listen ADDR         address to listen on (default 0.0.0.0)
  --accel MODE          kvm | tcg | auto (default auto: KVM only with hardware virtualisation)
  --cpu-model NAME      guest CPU under KVM: a libvirt model name (default Nehalem) or host-passthrough
  --libvirt-uri URI     hypervisor URI (default qemu:///system)
  --libvirt-socket PATH libvirtd socket (default /run/libvirt/libvirt-sock)
  --vnc-listen ADDR     address guest VNC servers bind to (default 127.0.0.1)
  --log-level LEVEL     debug | info | warn | error (default info)
  --trust-proxy         behind your own reverse proxy: client addresses come from X-Forwarded-For
  --console-token-ttl S seconds a console token stays valid (default 30)
  --local-agent MODE    in-process (default) | loopback: drive this host through the peer protocol on
                        127.0.0.1, exactly as a joined host would be (for tests and benchmarks)`;

/** Parses serve flags; throws ValidationError with a sentence on a bad value. */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' }, port: { type: 'string' }, listen: { type: 'string' }, accel: { type: 'string' },
      'cpu-model': { type: 'string' }, 'libvirt-uri': { type: 'string' }, 'libvirt-socket': { type: 'string' },
      'vnc-listen': { type: 'string' }, 'log-level': { type: 'string' }, 'trust-proxy': { type: 'boolean' },
      'console-token-ttl': { type: 'string' }, 'local-agent': { type: 'string' },
    },
  });
  const port = Number(values.port ?? env.ONEBOX_PORT ?? 5870);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError(`--port must be a number from 1 to 65535, not '${values.port}'.`);
  const accel = values.accel ?? 'auto';
  if (accel !== 'auto' && accel !== 'kvm' && accel !== 'tcg') throw new ValidationError(`--accel must be kvm, tcg or auto, not '${accel}'.`);
  const level = values['log-level'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ValidationError(`--log-level must be debug, info, warn or error, not '${level}'.`);
  const ttl = Number(values['console-token-ttl'] ?? 30);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) throw new ValidationError(`--console-token-ttl must be a whole number of seconds from 1 to 3600, not '${values['console-token-ttl']}'.`);
  const localAgent = values['local-agent'] ?? 'in-process';
  if (localAgent !== 'in-process' && localAgent !== 'loopback') throw new ValidationError(`--local-agent must be in-process or loopback, not '${localAgent}'.`);
  const cpuModel = values['cpu-model'] ?? 'Nehalem';
  if (!/^[A-Za-z0-9_.-]+$/.test(cpuModel)) throw new ValidationError(`--cpu-model '${cpuModel}' is not a CPU model name.`);
  return {
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
    localAgent,
  };
}
