#!/usr/bin/env node
// Generates src/hypervisor/libvirt/protocol.generated.ts from libvirt's XDR protocol definitions.
//   node scripts/gen-libvirt-protocol.mjs [LIBVIRT_SOURCE_DIR]
// Without an argument the script downloads Debian's libvirt source package into a temporary
// directory (private apt config with a deb-src line; nothing on the host changes) and uses it.
// The .x files are read, never copied into the repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outFile = join(root, 'src/hypervisor/libvirt/protocol.generated.ts');

// Constants the .x files take from libvirt's public C headers (stable ABI values).
const EXTERNAL_CONSTANTS = {
  VIR_UUID_BUFLEN: 16,
  VIR_SECURITY_MODEL_BUFLEN: 257,
  VIR_SECURITY_LABEL_BUFLEN: 4097,
  VIR_SECURITY_DOI_BUFLEN: 257,
  VIR_TYPED_PARAM_INT: 1,
  VIR_TYPED_PARAM_UINT: 2,
  VIR_TYPED_PARAM_LLONG: 3,
  VIR_TYPED_PARAM_ULLONG: 4,
  VIR_TYPED_PARAM_DOUBLE: 5,
  VIR_TYPED_PARAM_BOOLEAN: 6,
  VIR_TYPED_PARAM_STRING: 7,
};

const FILES = [
  'src/rpc/virnetprotocol.x',
  'src/rpc/virkeepaliveprotocol.x',
  'src/remote/remote_protocol.x',
  'src/remote/qemu_protocol.x',
];

/** Downloads and unpacks Debian's libvirt source package; returns the source directory. */
function downloadSource() {
  const dir = mkdtempSync(join(tmpdir(), 'libvirt-src-'));
  const lists = join(dir, 'lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const sources = readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8');
  const uri = /URIs:\s*(\S+)/.exec(sources)?.[1] ?? 'http://deb.debian.org/debian';
  const suite = /Suites:\s*(\S+)/.exec(sources)?.[1] ?? 'bookworm';
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  writeFileSync(join(dir, 'sources.list'), `deb-src [signed-by=${keyring}] ${uri} ${suite} main\n`);
  const apt = [
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${lists}`,
  ];
  execFileSync('apt-get', [...apt, 'update'], { stdio: 'inherit', timeout: 300_000 });
  execFileSync('apt-get', [...apt, 'source', '--download-only', 'libvirt'], { cwd: dir, stdio: 'inherit', timeout: 300_000 });
  const orig = readdirSync(dir).find((f) => /^libvirt_.*\.orig\.tar\.xz$/.test(f));
  if (!orig) throw new Error(`no libvirt orig tarball was downloaded into ${dir}`);
  execFileSync('tar', ['-xJf', orig, '--wildcards', '*/src/remote/*.x', '*/src/rpc/*.x', '*/meson.build'], { cwd: dir, timeout: 300_000 });
  const src = readdirSync(dir).find((f) => f.startsWith('libvirt-'));
  if (!src) throw new Error(`the libvirt tarball in ${dir} did not unpack a libvirt-* directory`);
  return { srcDir: join(dir, src), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function tokenize(text) {
  const clean = text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('%'))
    .join('\n');
  return clean.match(/0x[0-9a-fA-F]+|-?\d+|[A-Za-z_][A-Za-z0-9_]*|[{}();=<>[\]*,:]/g) ?? [];
}

/** Parses one .x file into definitions appended to `defs`. */
function parse(tokens, defs) {
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expect = (t) => {
    const got = next();
    if (got !== t) throw new Error(`expected '${t}' but found '${got}' at token ${i}`);
  };
  const typeSpec = () => {
    let t = next();
    if (t === 'unsigned') {
      const n = peek();
      if (n === 'int' || n === 'hyper' || n === 'char' || n === 'short') return ({ int: 'uint', hyper: 'uhyper', char: 'uint', short: 'uint' })[next()];
      return 'uint';
    }
    if (t === 'struct' || t === 'enum') t = next();
    if (t === 'char' || t === 'short') return 'int';
    return t;
  };
  const decl = () => {
    if (peek() === 'void') { next(); return { name: null, type: 'void' }; }
    const base = typeSpec();
    if (peek() === '*') { next(); return { name: next(), type: `*${base}` }; }
    const name = next();
    if (peek() === '[') { next(); const n = next(); expect(']'); return { name, type: `${base}[${n}]` }; }
    if (peek() === '<') { next(); let n = ''; if (peek() !== '>') n = next(); expect('>'); return { name, type: `${base}<${n}>` }; }
    return { name, type: base };
  };
  while (i < tokens.length) {
    const kw = next();
    if (kw === 'const') { const name = next(); expect('='); defs.consts.push([name, next()]); expect(';'); }
    else if (kw === 'typedef') { const d = decl(); defs.types.set(d.name, { kind: 'typedef', type: d.type }); expect(';'); }
    else if (kw === 'enum') {
      const name = next(); expect('{');
      const members = [];
      while (peek() !== '}') { const m = next(); expect('='); members.push([m, next()]); if (peek() === ',') next(); }
      expect('}'); expect(';');
      defs.types.set(name, { kind: 'enum', members });
    } else if (kw === 'struct') {
      const name = next(); expect('{');
      const fields = [];
      while (peek() !== '}') { fields.push(decl()); expect(';'); }
      expect('}'); expect(';');
      defs.types.set(name, { kind: 'struct', fields });
    } else if (kw === 'union') {
      const name = next(); expect('switch'); expect('(');
      const disc = { type: typeSpec(), name: next() }; expect(')'); expect('{');
      const arms = [];
      while (peek() !== '}') {
        const c = next();
        let value = 'default';
        if (c === 'case') value = next(); else if (c !== 'default') throw new Error(`union ${name}: unexpected '${c}'`);
        expect(':');
        const d = decl(); expect(';');
        arms.push({ value, ...d });
      }
      expect('}'); expect(';');
      defs.types.set(name, { kind: 'union', disc, arms });
    } else throw new Error(`unexpected top-level token '${kw}'`);
  }
}

const pascal = (s) => s.split('_').filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');

function generate(srcDir) {
  const defs = { consts: [], types: new Map() };
  for (const f of FILES) parse(tokenize(readFileSync(join(srcDir, f), 'utf8')), defs);
  const values = new Map(Object.entries(EXTERNAL_CONSTANTS));
  const resolve = (v) => {
    if (/^-?\d+$|^0x/.test(v)) return Number(v);
    if (!values.has(v)) throw new Error(`unknown constant '${v}'`);
    return values.get(v);
  };
  for (const [n, v] of defs.consts) values.set(n, resolve(v));
  for (const [, t] of defs.types) if (t.kind === 'enum') for (const [m, v] of t.members) values.set(m, resolve(v));

  const PRIM_TS = { int: 'number', uint: 'number', hyper: 'bigint', uhyper: 'bigint', bool: 'boolean', float: 'number', double: 'number', string: 'string', opaque: 'Buffer', void: 'void' };
  // Normalises a declared type: constant sizes become numbers.
  const norm = (t) => t.replace(/([[<])([A-Za-z_][A-Za-z0-9_]*)([\]>])/, (_, a, n, b) => `${a}${resolve(n)}${b}`);
  const tsType = (t) => {
    if (t.startsWith('*')) return `${tsType(t.slice(1))} | null`;
    const m = /^([A-Za-z_0-9]+)(?:\[(\d*)\]|<(\d*)>)?$/.exec(t);
    if (!m) throw new Error(`cannot map type '${t}'`);
    const [, base, fixed, variable] = m;
    const isArray = fixed !== undefined || variable !== undefined;
    if (base === 'opaque' || base === 'string') return PRIM_TS[base];
    const el = PRIM_TS[base] ?? (defs.types.get(base)?.kind === 'enum' ? 'number' : pascal(base));
    if (!PRIM_TS[base] && !defs.types.has(base)) throw new Error(`unknown type '${base}'`);
    return isArray ? (el.includes('|') ? `Array<${el}>` : `${el}[]`) : el;
  };

  const out = [];
  const schema = [];
  const version = detectVersion(srcDir);
  out.push(`// Code generated by scripts/gen-libvirt-protocol.mjs from libvirt's LGPL-2.1+ protocol definitions (remote_protocol.x, virnetprotocol.x, virkeepaliveprotocol.x, qemu_protocol.x of libvirt ${version}). DO NOT EDIT.`);
  out.push('// Regenerate: node scripts/gen-libvirt-protocol.mjs [path/to/libvirt-source] (downloads Debian\'s libvirt source when no path is given).');
  out.push('/* eslint-disable */', '');
  out.push('// ---- Constants ----');
  for (const [n] of defs.consts) out.push(`export const ${n} = ${values.get(n)};`);
  out.push('', '// ---- Enums ----');
  for (const [name, t] of defs.types) {
    if (t.kind !== 'enum' || name === 'remote_procedure' || name === 'qemu_procedure') continue;
    out.push(`/** libvirt enum ${name}. */`, `export const ${pascal(name)} = {`);
    for (const [m] of t.members) out.push(`  ${m}: ${values.get(m)},`);
    out.push('} as const;');
  }
  out.push('', '// ---- Types ----');
  for (const [name, t] of defs.types) {
    if (t.kind === 'enum') { schema.push(`  ${name}: 'int',`); continue; }
    if (t.kind === 'typedef') {
      out.push(`export type ${pascal(name)} = ${tsType(norm(t.type))};`);
      schema.push(`  ${name}: '${norm(t.type)}',`);
    } else if (t.kind === 'struct') {
      out.push(`export interface ${pascal(name)} {`);
      for (const f of t.fields) out.push(`  ${f.name}: ${tsType(norm(f.type))};`);
      out.push('}');
      schema.push(`  ${name}: 'struct ${t.fields.map((f) => `${f.name} ${norm(f.type)}`).join(',')}',`);
    } else {
      const alts = t.arms.map((a) => {
        const dv = a.value === 'default' ? 'number' : String(resolve(a.value));
        return a.type === 'void' ? `{ ${t.disc.name}: ${dv} }` : `{ ${t.disc.name}: ${dv}; ${a.name}: ${tsType(norm(a.type))} }`;
      });
      out.push(`export type ${pascal(name)} =\n  | ${alts.join('\n  | ')};`);
      const arms = t.arms.map((a) => `${a.value === 'default' ? 'default' : resolve(a.value)} ${a.name ?? '-'} ${norm(a.type)}`);
      schema.push(`  ${name}: 'union ${t.disc.name} ${t.disc.type === 'uint' ? 'uint' : 'int'}|${arms.join('|')}',`);
    }
  }

  out.push('', '/** XDR layout of every protocol type, interpreted by xdr-schema.ts. */');
  out.push('export const xdrSchema: Readonly<Record<string, string>> = {', ...schema, '};');

  for (const [enumName, prefix, program, iface] of [
    ['remote_procedure', 'remote', 'REMOTE', 'RemoteProcedures'],
    ['qemu_procedure', 'qemu', 'QEMU', 'QemuProcedures'],
    ['keepalive_procedure', 'keepalive', 'KEEPALIVE', 'KeepaliveProcedures'],
  ]) {
    const members = defs.types.get(enumName).members;
    const lines = [];
    const nums = [];
    for (const [m] of members) {
      const key = m.replace(`${program}_PROC_`, '');
      const base = `${prefix}_${key.toLowerCase()}`;
      const part = (suffix) => (defs.types.has(`${base}_${suffix}`) ? pascal(`${base}_${suffix}`) : 'void');
      lines.push(`  ${key}: { args: ${part('args')}; ret: ${part('ret')}; msg: ${part('msg')} };`);
      nums.push(`    ${key}: ${values.get(m)},`);
    }
    out.push('', `/** Argument, reply and message payload types of every ${prefix} procedure. */`);
    out.push(`export interface ${iface} {`, ...lines, '}');
    out.push(`/** The ${prefix} program: number, version, and procedure numbers. */`);
    out.push(`export const ${prefix}Program = {`);
    out.push(`  program: ${values.get(`${program}_PROGRAM`)},`, `  version: ${values.get(`${program}_PROTOCOL_VERSION`)},`, `  prefix: '${prefix}',`);
    out.push('  procedures: {', ...nums, '  },', '} as const;');
  }
  out.push('');
  return out.join('\n');
}

function detectVersion(srcDir) {
  try {
    const meson = readFileSync(join(srcDir, 'meson.build'), 'utf8');
    return /version:\s*'([\d.]+)'/.exec(meson)?.[1] ?? 'unknown';
  } catch {
    return /libvirt-([\d.]+)/.exec(srcDir)?.[1] ?? 'unknown';
  }
}

const arg = process.argv[2];
const { srcDir, cleanup } = arg ? { srcDir: arg, cleanup: () => {} } : downloadSource();
try {
  const text = generate(srcDir);
  writeFileSync(outFile, text);
  console.log(`wrote ${outFile} (${text.length} bytes)`);
} finally {
  cleanup();
}
