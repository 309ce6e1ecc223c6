/**
 * Turns the generated protocol's compact type descriptions (xdrSchema) into XDR codecs,
 * lazily and once per type. Description grammar, as written by the generator:
 *   type     := '*' type | base ('[' N ']' | '<' N? '>')?
 *   struct   := 'struct ' (field ' ' type) joined by ','
 *   union    := 'union ' discName ' ' discType ('|' (value|'default') ' ' (arm|'-') ' ' type)*
 *   typedef  := type
 */
import {
  type Codec,
  type UnionArm,
  XdrError,
  xarray,
  xbool,
  xdouble,
  xfixedArray,
  xfixedOpaque,
  xfloat,
  xhyper,
  xint,
  xopaque,
  xoptional,
  xstring,
  xstruct,
  xuhyper,
  xuint,
  xunion,
  xvoid,
} from './xdr.js';

const PRIMITIVES: Record<string, Codec<unknown>> = {
  int: xint,
  uint: xuint,
  hyper: xhyper,
  uhyper: xuhyper,
  bool: xbool,
  double: xdouble,
  float: xfloat,
  void: xvoid,
};

/** Compiles and caches codecs for the named types of one schema table. */
export class SchemaCodecs {
  private readonly cache = new Map<string, Codec<unknown>>();

  constructor(private readonly schema: Readonly<Record<string, string>>) {}

  /** Whether the schema defines `name`. */
  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.schema, name);
  }

  /** The codec of a named type; throws when the schema does not define it. */
  named(name: string): Codec<unknown> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const desc = this.has(name) ? this.schema[name] : undefined;
    if (desc === undefined) throw new XdrError(`the protocol schema has no type named '${name}'`);
    // A forwarding codec breaks cycles for self-referencing types.
    let real: Codec<unknown> | undefined;
    const forward: Codec<unknown> = {
      enc: (w, v) => (real ?? this.named(name)).enc(w, v),
      dec: (r) => (real ?? this.named(name)).dec(r),
    };
    this.cache.set(name, forward);
    real = this.compileDefinition(desc);
    this.cache.set(name, real);
    return real;
  }

  private compileDefinition(desc: string): Codec<unknown> {
    if (desc.startsWith('struct ')) {
      const fields = desc
        .slice(7)
        .split(',')
        .map((f) => {
          const [name, type] = f.split(' ');
          return [name, this.type(type)] as const;
        });
      return xstruct(fields);
    }
    if (desc.startsWith('union ')) {
      const [head, ...armDescs] = desc.slice(6).split('|');
      const [discName, discType] = head.split(' ');
      const arms = new Map<number, UnionArm>();
      let fallback: UnionArm | undefined;
      for (const a of armDescs) {
        const [value, name, type] = a.split(' ');
        const arm: UnionArm = { name: name === '-' ? undefined : name, codec: this.type(type) };
        if (value === 'default') fallback = arm;
        else arms.set(Number(value), arm);
      }
      return xunion(discName, discType === 'uint' ? xuint : xint, arms, fallback);
    }
    return this.type(desc);
  }

  /** The codec of a type expression such as `remote_nonnull_string<16>` or `*remote_domain`. */
  type(expr: string): Codec<unknown> {
    if (expr.startsWith('*')) return xoptional(this.type(expr.slice(1)));
    const m = /^(\w+)(?:\[(\d+)\]|<(\d*)>)?$/.exec(expr);
    if (!m) throw new XdrError(`type expression '${expr}' is malformed`);
    const [, base, fixed, variable] = m;
    const max = variable ? Number(variable) : undefined;
    if (base === 'string') return xstring(max) as Codec<unknown>;
    if (base === 'opaque') return (fixed !== undefined ? xfixedOpaque(Number(fixed)) : xopaque(max)) as Codec<unknown>;
    const el = PRIMITIVES[base] ?? this.named(base);
    if (fixed !== undefined) return xfixedArray(el, Number(fixed)) as Codec<unknown>;
    if (variable !== undefined) return xarray(el, max) as Codec<unknown>;
    return el;
  }
}
