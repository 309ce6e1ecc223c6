/**
 * `onebox instances create`: its flags and how they become the API's create request (system
 * disk, cores and memory, data disks, NICs, cloud-init, host pin, QoS). Values are checked by
 * the API, whose sentence the CLI prints; only the shape of a flag is checked here.
 */
import { readFile } from 'node:fs/promises';
import type { CreateInstanceRequest } from '../../../shared/api-client.js';
import { UsageError } from '../errors.js';
import { readStdin } from '../prompt.js';
import { intFlag, listFlag } from '../flags.js';
import type { CommandContext, FlagSpec } from '../spec.js';
import { waitOrPrint } from '../wait.js';

/** The flags of `instances create`. */
export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'image', type: 'string', placeholder: 'IMAGE', complete: 'images', help: 'the image to clone (name or id)' },
  { name: 'disk-size', type: 'string', placeholder: 'GiB', help: 'system disk size (needed without --image)' },
  { name: 'cores', type: 'string', placeholder: 'N', help: 'vCPUs (default 1)' },
  { name: 'memory', type: 'string', placeholder: 'MiB', help: 'memory in MiB (default 512)' },
  { name: 'pool', type: 'string', placeholder: 'POOL', complete: 'pools', help: 'compute pool (default: default)' },
  { name: 'host', type: 'string', placeholder: 'HOST', complete: 'hosts', help: "place it on this host of the pool (the scheduler's choice otherwise)" },
  { name: 'group', type: 'string', placeholder: 'GROUP', help: 'the group that owns it (default: your only group)' },
  { name: 'disk', type: 'string', multiple: true, placeholder: 'GiB[,fs=ext4|xfs][,mount=/data]', help: 'a data disk; cloud-init formats and mounts it when fs and mount are given (repeatable)' },
  { name: 'network', type: 'string', multiple: true, complete: 'networks', placeholder: 'NETWORK[,ip=ADDR][,mac=MAC]', help: "a NIC on that network, with a fixed address or MAC (repeatable; default: one NIC on the pool's network)" },
  { name: 'password-stdin', type: 'boolean', help: "cloud-init: read the password of the image's default user from stdin" },
  { name: 'ssh-key', type: 'string', multiple: true, complete: 'file', placeholder: 'FILE', help: 'cloud-init: authorise the SSH public keys in FILE, one a line (repeatable)' },
  { name: 'user-data', type: 'string', complete: 'file', placeholder: 'FILE', help: 'cloud-init: your own user-data (#cloud-config or a #! script)' },
  { name: 'cpu-priority', type: 'string', values: ['high', 'medium', 'low'], placeholder: 'PRIORITY', help: 'CPU priority: high, medium (default) or low' },
  { name: 'iso', type: 'string', placeholder: 'MEDIA', complete: 'media', help: 'an ISO to put in the CD-ROM drive' },
  { name: 'description', type: 'string', placeholder: 'TEXT', help: 'a description' },
  { name: 'start', type: 'boolean', help: 'start it once created' },
];

/** `HEAD,key=value,…` split into its head and options; an option not in `keys` is a usage error. */
function splitSpec(flag: string, spec: string, keys: readonly string[]): { head: string; opts: Record<string, string> } {
  const [head = '', ...parts] = spec.split(',');
  const opts: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !keys.includes(key)) throw new UsageError(`--${flag} ${spec}: '${part}' is not one of ${keys.map((k) => `${k}=…`).join(', ')}`);
    opts[key] = part.slice(eq + 1);
  }
  return { head, opts };
}

/** `--disk 10,fs=ext4,mount=/data` → a data disk request. */
export function parseDataDisk(spec: string): NonNullable<CreateInstanceRequest['dataDisks']>[number] {
  const { head, opts } = splitSpec('disk', spec, ['fs', 'mount']);
  const size = /^(\d+)(G|GiB)?$/i.exec(head);
  if (!size) throw new UsageError(`--disk ${spec}: the size must be a whole number of GiB, like 10`);
  if (opts.fs !== undefined && opts.fs !== 'ext4' && opts.fs !== 'xfs') throw new UsageError(`--disk ${spec}: fs must be ext4 or xfs, not '${opts.fs}'`);
  return { sizeGiB: Number(size[1]), ...(opts.fs ? { filesystem: opts.fs } : {}), ...(opts.mount !== undefined ? { mountPoint: opts.mount } : {}) };
}

/** `--network lan,ip=10.0.0.5,mac=52:54:00:…` → a NIC request. */
export function parseNic(spec: string): NonNullable<CreateInstanceRequest['nics']>[number] {
  const { head, opts } = splitSpec('network', spec, ['ip', 'mac']);
  if (!head) throw new UsageError(`--network ${spec}: name the network first, like lan,ip=10.0.0.5`);
  return { network: head, ...(opts.ip !== undefined ? { address: opts.ip } : {}), ...(opts.mac !== undefined ? { mac: opts.mac } : {}) };
}

/** The cloud-init part: password from stdin, keys and user-data from files; undefined when none is asked for. */
async function cloudInitOf(ctx: CommandContext): Promise<CreateInstanceRequest['cloudInit']> {
  const keyFiles = listFlag(ctx, 'ssh-key');
  const userDataFile = ctx.flags['user-data'] as string | undefined;
  const read = (file: string) => readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  const keys = (await Promise.all(keyFiles.map(read))).flatMap((text) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const cloudInit = {
    ...(ctx.flags['password-stdin'] ? { password: await readStdin() } : {}),
    ...(keyFiles.length ? { sshAuthorizedKeys: keys } : {}),
    ...(userDataFile ? { userData: await read(userDataFile) } : {}),
  };
  return Object.keys(cloudInit).length ? cloudInit : undefined;
}

/** Builds the request from the flags. */
async function requestOf(ctx: CommandContext): Promise<CreateInstanceRequest> {
  const image = ctx.flags.image as string | undefined;
  const diskGiB = intFlag(ctx, 'disk-size');
  if (!image && diskGiB === undefined) throw new UsageError('give --image IMAGE (a linked clone) or --disk-size GiB (a blank disk)');
  const string = (name: string) => ctx.flags[name] as string | undefined;
  const dataDisks = listFlag(ctx, 'disk').map(parseDataDisk);
  const nics = listFlag(ctx, 'network').map(parseNic);
  const cloudInit = await cloudInitOf(ctx);
  return {
    name: ctx.args.NAME ?? '',
    cores: intFlag(ctx, 'cores', 1) ?? 1,
    memoryMiB: intFlag(ctx, 'memory', 512) ?? 512,
    disk: image ? { source: 'image', imageId: image, ...(diskGiB ? { sizeGiB: diskGiB } : {}) } : { source: 'blank', sizeGiB: diskGiB ?? 1 },
    start: ctx.flags.start === true,
    ...(string('pool') ? { pool: string('pool') } : {}),
    ...(string('host') ? { hostId: string('host') } : {}),
    ...(string('group') ? { groupId: string('group') } : {}),
    ...(string('iso') ? { mediaId: string('iso') } : {}),
    ...(string('description') ? { description: string('description') } : {}),
    ...(dataDisks.length ? { dataDisks } : {}),
    ...(nics.length ? { nics } : {}),
    ...(cloudInit ? { cloudInit } : {}),
    ...(string('cpu-priority') ? { qos: { cpuPriority: string('cpu-priority') as 'high' | 'medium' | 'low' } } : {}),
  };
}

/** Creates the instance, waits for it (unless --no-wait) and prints it. */
export async function createInstance(ctx: CommandContext): Promise<void> {
  const created = await ctx.client().instances.create(await requestOf(ctx));
  if (!(await waitOrPrint(ctx, created.operation))) return;
  ctx.print(await ctx.client().instances.get(created.instance.id));
}
