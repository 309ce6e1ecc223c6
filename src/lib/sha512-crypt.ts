/**
 * SHA-512 crypt (`$6$salt$hash`, Ulrich Drepper's SHA-crypt as in glibc and shadow), built on
 * node:crypto so onebox can hand cloud-init a hashed guest password instead of the clear one.
 */
import { createHash, randomInt } from 'node:crypto';

/** The crypt(3) base-64 alphabet (not RFC 4648). */
const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const SALT_MAX = 16;

const sha512 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `digest` repeated and cut to `length` bytes (the P and S sequences of the algorithm). */
function stretch(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += digest.length) digest.copy(out, i, 0, Math.min(digest.length, length - i));
  return out;
}

function encode(c: Buffer): string {
  let out = '';
  const emit = (b2: number, b1: number, b0: number, n: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < n; i++, w >>= 6) out += ALPHABET[w & 0x3f];
  };
  for (let i = 0; i < 21; i++) {
    const [a, b, d] = [c[i], c[i + 21], c[i + 42]];
    if (i % 3 === 0) emit(a, b, d, 4);
    else if (i % 3 === 1) emit(b, d, a, 4);
    else emit(d, a, b, 4);
  }
  emit(0, 0, c[63], 2);
  return out;
}

/** A random 16-character crypt salt. */
export function newCryptSalt(): string {
  let salt = '';
  for (let i = 0; i < SALT_MAX; i++) salt += ALPHABET[randomInt(ALPHABET.length)];
  return salt;
}

/** Hashes `password` as `$6$<salt>$<hash>` (or `$6$rounds=N$...` when rounds is not the default 5000). */
export function sha512Crypt(password: string, salt = newCryptSalt(), rounds = DEFAULT_ROUNDS): string {
  if (!Number.isInteger(rounds) || rounds < 1000 || rounds > 999_999_999) throw new RangeError(`rounds ${rounds} must be 1000-999999999`);
  const key = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, SALT_MAX), 'utf8');
  if (/[$:\n]/.test(s.toString())) throw new RangeError(`salt ${JSON.stringify(salt)} must not contain '$', ':' or a line break`);

  const b = sha512(key, s, key);
  const a = createHash('sha512').update(key).update(s).update(stretch(b, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? b : key);
  let c = a.digest();

  const p = stretch(sha512(...Array<Buffer>(key.length).fill(key)), key.length);
  const sBytes = stretch(sha512(...Array<Buffer>(16 + c[0]).fill(s)), s.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash('sha512');
    h.update(i & 1 ? p : c);
    if (i % 3) h.update(sBytes);
    if (i % 7) h.update(p);
    h.update(i & 1 ? c : p);
    c = h.digest();
  }
  const prefix = rounds === DEFAULT_ROUNDS ? '$6$' : `$6$rounds=${rounds}$`;
  return `${prefix}${s.toString()}$${encode(c)}`;
}
