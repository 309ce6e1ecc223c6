/**
 * The cloud-init side of an instance: what is stored from the create request (the password
 * only as a SHA-512 crypt hash) and the seed ISO built from it. Hostname = instance name,
 * cloud-init instance-id = instance id.
 */
import { writeSeedIso } from '../cloudinit/iso.js';
import { buildSeed } from '../cloudinit/seed.js';
import { sha512Crypt } from '../cloudinit/sha512-crypt.js';
import type { instances } from '../db/schema.js';
import { UnavailableError, ValidationError } from '../lib/errors.js';
import { ExecError } from '../lib/exec.js';
import type { CreateInstanceInput } from '../shared/schemas.js';
import type { DataPaths } from './paths.js';

type InstanceRow = typeof instances.$inferSelect;

/** The cloud-init options as stored on the instance row. */
export type StoredCloudInit = NonNullable<InstanceRow['cloudInit']>;

/** Checks the request's cloud-init options and turns them into what the row stores (null = no seed). */
export function cloudInitToStore(input: CreateInstanceInput): StoredCloudInit | null {
  const options = input.cloudInit;
  if (options === undefined) return null;
  if (input.disk.source !== 'image')
    throw new ValidationError(
      `cloud-init options need a system disk from an image (disk.source 'image'); a ${input.disk.source} disk has no cloud-init to read them.`,
      [{ field: 'cloudInit', message: 'Only with disk.source "image".' }],
      'cloud_init_needs_image',
    );
  return {
    ...(options.password !== undefined ? { passwordHash: sha512Crypt(options.password) } : {}),
    ...(options.sshAuthorizedKeys?.length ? { sshAuthorizedKeys: options.sshAuthorizedKeys } : {}),
    ...(options.userData !== undefined ? { userData: options.userData } : {}),
  };
}

/** Builds (or rebuilds) the instance's seed ISO in its directory; does nothing for an instance without cloud-init. */
export async function writeInstanceSeed(paths: DataPaths, row: InstanceRow): Promise<void> {
  const options = row.cloudInit;
  if (!options) return;
  const files = buildSeed({
    instanceId: row.id,
    hostname: row.name,
    password: options.passwordHash,
    sshAuthorizedKeys: options.sshAuthorizedKeys,
    userData: options.userData,
  });
  try {
    await writeSeedIso(paths.instanceDir(row.id), files, paths.seedIso(row.id));
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    throw new UnavailableError('seed_build_failed', `The cloud-init seed ISO of '${row.name}' could not be built (${err.message}); is genisoimage installed? \`onebox doctor\` checks.`);
  }
}
