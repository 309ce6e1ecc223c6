/** Identifiers and secrets. */
import { randomBytes, randomUUID } from 'node:crypto';
import { customAlphabet } from 'nanoid';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
const idPart = customAlphabet(alphabet, 12);

/** A new resource id with a type prefix, e.g. `ins_3k9x0c1m2a7q`. */
export function newId(prefix: string): string {
  return `${prefix}_${idPart()}`;
}

const requestIdPart = customAlphabet(`${alphabet}ABCDEFGHIJKLMNOPQRSTUVWXYZ-_`, 12);

/** A request id (12 random base64url characters, as `newSecret(9)` but from nanoid's pooled randomness: no randomBytes call per request). */
export function newRequestId(): string {
  return requestIdPart();
}

/** A new RFC 4122 UUID (libvirt domains). */
export function newUuid(): string {
  return randomUUID();
}

/** A random secret encoded base64url, `bytes` long before encoding. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** An 8-character VNC password (VNC's own limit) from an unambiguous alphabet. */
export function newVncPassword(): string {
  return customAlphabet('abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789', 8)();
}

/** A locally administered unicast MAC address in the 52:54:00 (QEMU) range. */
export function newMacAddress(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}
