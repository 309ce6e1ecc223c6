/**
 * XDR (RFC 4506) runtime: a growable writer, a bounds-checked reader, and codecs for every
 * XDR type libvirt's protocol uses (int, uint, hyper, uhyper, bool, float, double, string,
 * fixed/variable opaque, fixed/variable arrays, optional data, structs, discriminated unions).
 */

/** A malformed or out-of-range XDR value. */
export class XdrError extends Error {
  override name = 'XdrError';
}

/** Appends XDR-encoded values to a buffer that grows as needed. */
export class XdrWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new XdrError(`value ${v} is not a 32-bit signed integer`);
    this.reserve(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new XdrError(`value ${v} is not a 32-bit unsigned integer`);
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  hyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v) === v ? v : tooWide(v, 'signed'), this.pos);
    this.pos += 8;
  }

  uhyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v) === v ? v : tooWide(v, 'unsigned'), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  float(v: number): void {
    this.reserve(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
  }

  /** Raw bytes followed by zero padding to a multiple of four. */
  bytes(b: Uint8Array): void {
    const padded = (b.length + 3) & ~3;
    this.reserve(padded);
    this.buf.set(b, this.pos);
    this.buf.fill(0, this.pos + b.length, this.pos + padded);
    this.pos += padded;
  }

  /** A copy-free view of what was written. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function tooWide(v: bigint, kind: string): never {
  throw new XdrError(`value ${v} does not fit a 64-bit ${kind} integer`);
}

/** Reads XDR values from a buffer, failing on truncated input. */
export class XdrReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) throw new XdrError(`XDR data ends at byte ${this.buf.length} but ${n} more bytes were expected at byte ${at}`);
    this.pos += n;
    return at;
  }

  int(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  hyper(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  uhyper(): bigint {
    return this.buf.readBigUInt64BE(this.need(8));
  }
  double(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  float(): number {
    return this.buf.readFloatBE(this.need(4));
  }
  /** `n` raw bytes (copied), skipping the padding. */
  bytes(n: number): Buffer {
    const at = this.need((n + 3) & ~3);
    return Buffer.from(this.buf.subarray(at, at + n));
  }
  /** Bytes not yet read. */
  remaining(): number {
    return this.buf.length - this.pos;
  }
}

/** Encoder and decoder for one XDR type. */
export interface Codec<T> {
  enc(w: XdrWriter, v: T): void;
  dec(r: XdrReader): T;
}

/** 32-bit signed integer (also enums and `char`). */
export const xint: Codec<number> = { enc: (w, v) => w.int(v), dec: (r) => r.int() };
/** 32-bit unsigned integer. */
export const xuint: Codec<number> = { enc: (w, v) => w.uint(v), dec: (r) => r.uint() };
/** 64-bit signed integer. */
export const xhyper: Codec<bigint> = { enc: (w, v) => w.hyper(v), dec: (r) => r.hyper() };
/** 64-bit unsigned integer. */
export const xuhyper: Codec<bigint> = { enc: (w, v) => w.uhyper(v), dec: (r) => r.uhyper() };
/** IEEE double. */
export const xdouble: Codec<number> = { enc: (w, v) => w.double(v), dec: (r) => r.double() };
/** IEEE single. */
export const xfloat: Codec<number> = { enc: (w, v) => w.float(v), dec: (r) => r.float() };
/** Boolean as a 0/1 int. */
export const xbool: Codec<boolean> = {
  enc: (w, v) => w.int(v ? 1 : 0),
  dec: (r) => {
    const v = r.int();
    if (v !== 0 && v !== 1) throw new XdrError(`boolean value ${v} is neither 0 nor 1`);
    return v === 1;
  },
};
/** No data. */
export const xvoid: Codec<void> = { enc: () => {}, dec: () => undefined };

function checkMax(len: number, max: number | undefined, what: string): void {
  if (max !== undefined && len > max) throw new XdrError(`${what} of length ${len} exceeds the maximum of ${max}`);
}

/** UTF-8 string with a length prefix; `max` limits the byte length. */
export function xstring(max?: number): Codec<string> {
  return {
    enc: (w, v) => {
      const b = Buffer.from(v, 'utf8');
      checkMax(b.length, max, 'string');
      w.uint(b.length);
      w.bytes(b);
    },
    dec: (r) => {
      const len = r.uint();
      checkMax(len, max, 'string');
      return r.bytes(len).toString('utf8');
    },
  };
}

/** Opaque data of exactly `n` bytes. */
export function xfixedOpaque(n: number): Codec<Buffer> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed opaque value has ${v.length} bytes but must have ${n}`);
      w.bytes(v);
    },
    dec: (r) => r.bytes(n),
  };
}

/** Opaque data with a length prefix. */
export function xopaque(max?: number): Codec<Buffer> {
  return {
    enc: (w, v) => {
      checkMax(v.length, max, 'opaque data');
      w.uint(v.length);
      w.bytes(v);
    },
    dec: (r) => {
      const len = r.uint();
      checkMax(len, max, 'opaque data');
      return r.bytes(len);
    },
  };
}

/** Array of exactly `n` elements. */
export function xfixedArray<T>(el: Codec<T>, n: number): Codec<T[]> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed array has ${v.length} elements but must have ${n}`);
      for (const x of v) el.enc(w, x);
    },
    dec: (r) => Array.from({ length: n }, () => el.dec(r)),
  };
}

/** Array with a length prefix. */
export function xarray<T>(el: Codec<T>, max?: number): Codec<T[]> {
  return {
    enc: (w, v) => {
      checkMax(v.length, max, 'array');
      w.uint(v.length);
      for (const x of v) el.enc(w, x);
    },
    dec: (r) => {
      const len = r.uint();
      checkMax(len, max, 'array');
      if (len > r.remaining()) throw new XdrError(`array length ${len} is larger than the remaining ${r.remaining()} bytes`);
      const out: T[] = new Array(len);
      for (let i = 0; i < len; i++) out[i] = el.dec(r);
      return out;
    },
  };
}

/** Optional data (`T *x`): a bool, then the value when present; null when absent. */
export function xoptional<T>(el: Codec<T>): Codec<T | null> {
  return {
    enc: (w, v) => {
      w.int(v === null || v === undefined ? 0 : 1);
      if (v !== null && v !== undefined) el.enc(w, v);
    },
    dec: (r) => (xbool.dec(r) ? el.dec(r) : null),
  };
}

/** A struct: fields encoded in order. Missing fields are an encoding error naming the field. */
export function xstruct<T extends object>(fields: ReadonlyArray<readonly [string, Codec<unknown>]>): Codec<T> {
  return {
    enc: (w, v) => {
      const rec = v as Record<string, unknown>;
      for (const [name, c] of fields) {
        const fv = rec[name];
        if (fv === undefined) throw new XdrError(`struct field '${name}' is missing`);
        c.enc(w, fv);
      }
    },
    dec: (r) => {
      const out: Record<string, unknown> = {};
      for (const [name, c] of fields) out[name] = c.dec(r);
      return out as T;
    },
  };
}

/** One arm of a union: the arm's field name (undefined for void) and codec. */
export interface UnionArm {
  name: string | undefined;
  codec: Codec<unknown>;
}

/** A discriminated union: `{ [discName]: value, [armName]: armValue }`. */
export function xunion<T extends object>(discName: string, disc: Codec<number>, arms: ReadonlyMap<number, UnionArm>, fallback?: UnionArm): Codec<T> {
  const armFor = (d: number): UnionArm => {
    const arm = arms.get(d) ?? fallback;
    if (!arm) throw new XdrError(`union discriminant ${discName}=${d} matches no arm`);
    return arm;
  };
  return {
    enc: (w, v) => {
      const rec = v as Record<string, unknown>;
      const d = rec[discName];
      if (typeof d !== 'number') throw new XdrError(`union discriminant '${discName}' is missing`);
      disc.enc(w, d);
      const arm = armFor(d);
      if (arm.name) arm.codec.enc(w, rec[arm.name]);
    },
    dec: (r) => {
      const d = disc.dec(r);
      const arm = armFor(d);
      const out: Record<string, unknown> = { [discName]: d };
      if (arm.name) out[arm.name] = arm.codec.dec(r);
      return out as T;
    },
  };
}
