/**
 * Every API test of this folder once more, with the local host served through the loopback
 * peer (HTTP on 127.0.0.1): services must not be able to tell a peer from the local host.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';

process.env.ONEBOX_TEST_AGENT = 'loopback';
const here = import.meta.dirname;
for (const file of readdirSync(here).sort()) {
  if (!file.endsWith('.test.ts') || file === basename(import.meta.filename)) continue;
  await import(`${here}/${file}`);
}
