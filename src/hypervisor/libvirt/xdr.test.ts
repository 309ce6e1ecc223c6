/** Table-driven tests of the XDR runtime and the schema interpreter. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { xdrSchema } from './protocol.generated.js';
import { SchemaCodecs } from './xdr-schema.js';
import {
  type Codec,
  XdrError,
  XdrReader,
  XdrWriter,
  xarray,
  xbool,
  xdouble,
  xfixedArray,
  xfixedOpaque,
  xhyper,
  xint,
  xopaque,
  xoptional,
  xstring,
  xstruct,
  xuhyper,
  xuint,
  xunion,
} from './xdr.js';

function enc<T>(c: Codec<T>, v: T): string {
  const w = new XdrWriter(2);
  c.enc(w, v);
  return w.finish().toString('hex');
}
function dec<T>(c: Codec<T>, hex: string): T {
  const r = new XdrReader(Buffer.from(hex, 'hex'));
  const v = c.dec(r);
  assert.equal(r.remaining(), 0, 'every byte is consumed');
  return v;
}

const union = xunion<{ type: number }>('type', xint, new Map([[1, { name: 'i', codec: xint as Codec<unknown> }], [2, { name: undefined, codec: xint as Codec<unknown> }]]));
const pair = xstruct<{ a: number; b: string }>([['a', xuint as Codec<unknown>], ['b', xstring() as Codec<unknown>]]);

const cases: Array<{ name: string; codec: Codec<never>; value: unknown; hex: string }> = [
  { name: 'int -1', codec: xint as Codec<never>, value: -1, hex: 'ffffffff' },
  { name: 'int max', codec: xint as Codec<never>, value: 2147483647, hex: '7fffffff' },
  { name: 'uint max', codec: xuint as Codec<never>, value: 4294967295, hex: 'ffffffff' },
  { name: 'hyper -2', codec: xhyper as Codec<never>, value: -2n, hex: 'fffffffffffffffe' },
  { name: 'uhyper 2^40', codec: xuhyper as Codec<never>, value: 2n ** 40n, hex: '0000010000000000' },
  { name: 'bool true', codec: xbool as Codec<never>, value: true, hex: '00000001' },
  { name: 'double 1.5', codec: xdouble as Codec<never>, value: 1.5, hex: '3ff8000000000000' },
  { name: 'string padded', codec: xstring() as Codec<never>, value: 'abcde', hex: '000000056162636465000000' },
  { name: 'string empty', codec: xstring() as Codec<never>, value: '', hex: '00000000' },
  { name: 'string utf-8', codec: xstring() as Codec<never>, value: 'é', hex: '00000002c3a90000' },
  { name: 'fixed opaque 3', codec: xfixedOpaque(3) as Codec<never>, value: Buffer.from([1, 2, 3]), hex: '01020300' },
  { name: 'var opaque', codec: xopaque() as Codec<never>, value: Buffer.from([9]), hex: '0000000109000000' },
  { name: 'var array', codec: xarray(xint) as Codec<never>, value: [1, 2], hex: '000000020000000100000002' },
  { name: 'fixed array', codec: xfixedArray(xint, 2) as Codec<never>, value: [3, 4], hex: '0000000300000004' },
  { name: 'optional absent', codec: xoptional(xint) as Codec<never>, value: null, hex: '00000000' },
  { name: 'optional present', codec: xoptional(xint) as Codec<never>, value: 7, hex: '0000000100000007' },
  { name: 'struct', codec: pair as Codec<never>, value: { a: 1, b: 'x' }, hex: '000000010000000178000000' },
  { name: 'union arm', codec: union as Codec<never>, value: { type: 1, i: 5 }, hex: '0000000100000005' },
  { name: 'union void arm', codec: union as Codec<never>, value: { type: 2 }, hex: '00000002' },
];

describe('XDR codecs', () => {
  for (const c of cases) {
    test(`${c.name} round-trips through ${c.hex}`, () => {
      assert.equal(enc(c.codec, c.value as never), c.hex);
      assert.deepEqual(dec(c.codec, c.hex), c.value);
    });
  }

  const bad: Array<{ name: string; run: () => void; message: RegExp }> = [
    { name: 'int out of range', run: () => enc(xint, 2 ** 31), message: /2147483648 is not a 32-bit signed integer/ },
    { name: 'uint negative', run: () => enc(xuint, -1), message: /-1 is not a 32-bit unsigned integer/ },
    { name: 'string over max', run: () => enc(xstring(2), 'abc'), message: /length 3 exceeds the maximum of 2/ },
    { name: 'truncated input', run: () => dec(xint, '0000'), message: /4 more bytes were expected/ },
    { name: 'bad bool', run: () => dec(xbool, '00000002'), message: /boolean value 2/ },
    { name: 'unknown union arm', run: () => dec(union, '00000009'), message: /type=9 matches no arm/ },
    { name: 'missing struct field', run: () => enc(pair, { a: 1 } as never), message: /field 'b' is missing/ },
    { name: 'fixed opaque size', run: () => enc(xfixedOpaque(2), Buffer.alloc(3)), message: /has 3 bytes but must have 2/ },
  ];
  for (const b of bad) {
    test(`rejects: ${b.name}`, () => assert.throws(b.run, (e: unknown) => e instanceof XdrError && b.message.test(e.message)));
  }
});

describe('schema codecs from the generated protocol', () => {
  const codecs = new SchemaCodecs(xdrSchema);
  const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const table: Array<{ type: string; value: unknown }> = [
    { type: 'remote_domain_lookup_by_name_ret', value: { dom: { name: 'vm1', uuid, id: -1 } } },
    { type: 'remote_auth_list_ret', value: { types: [0, 2] } },
    { type: 'remote_node_get_info_ret', value: { model: Array.from({ length: 32 }, (_, i) => i), memory: 1024n, cpus: 2, mhz: 1, nodes: 1, sockets: 1, cores: 2, threads: 1 } },
    { type: 'remote_typed_param', value: { field: 'state.state', value: { type: 7, s: 'x' } } },
    { type: 'remote_typed_param', value: { field: 'n', value: { type: 4, ul: 18446744073709551615n } } },
    { type: 'remote_error', value: { code: 42, domain: 10, message: 'gone', level: 2, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null } },
    { type: 'remote_domain_event_callback_lifecycle_msg', value: { callbackID: 3, msg: { dom: { name: 'a', uuid, id: 1 }, event: 2, detail: 0 } } },
  ];
  for (const t of table) {
    test(`${t.type} round-trips`, () => {
      const w = new XdrWriter();
      codecs.named(t.type).enc(w, t.value);
      assert.deepEqual(codecs.named(t.type).dec(new XdrReader(w.finish())), t.value);
    });
  }
  test('an unknown type name is an error naming it', () => {
    assert.throws(() => codecs.named('remote_nope'), /no type named 'remote_nope'/);
  });
});
