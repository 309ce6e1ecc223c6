/**
 * Password hashing with scrypt, self-describing (`scrypt$N$r$p$salt$hash`) so the parameters can
 * change: N=2^15, r=8, p=3 is one of OWASP's equivalents of N=2^17, r=8, p=1 that needs 32 MiB
 * instead of 128 per hash. Hashes made with older parameters are replaced at the next login.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const PRODUCTION = { N: 2 ** 15, r: 8, p: 3, maxmem: 64 * 1024 * 1024 };
let params = PRODUCTION;

/**
 * For the in-process API tests only (their harness calls it; nothing else may): hash at
 * N=2^10, r=8, p=1. Each test server hashes its admin at setup and again at login, and at
 * ~150 ms a hash (seconds on a loaded machine) scrypt was most of the unit run. Stored hashes
 * name their parameters, so every hash still verifies.
 */
export function useCheapPasswordHashingInTests(): void {
  params = { N: 2 ** 10, r: 8, p: 1, maxmem: PRODUCTION.maxmem };
}

/** The parameters hashPassword uses now (`scrypt$N$r$p$…`). */
export function passwordHashParameters(): string {
  return `scrypt$${params.N}$${params.r}$${params.p}$`;
}

/** Hashes a password into `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: params.maxmem,
  });
  return timingSafeEqual(key, expected);
}

/** Whether `stored` was made with other parameters than hashPassword uses now (rehash it once the password is known). */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) !== params.N || Number(r) !== params.r || Number(p) !== params.p;
}
