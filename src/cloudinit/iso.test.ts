/** writeSeedIso with the real genisoimage; isoinfo (same package) reads the result back. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { genisoimage, skipUnlessPresent } from '../../test/require-system.js';
import { writeSeedIso } from './iso.js';
import { buildSeed } from './seed.js';


/** Reads one file of an ISO through its Joliet names. */
function isoFile(iso: string, name: string): string {
  const r = spawnSync('isoinfo', ['-J', '-i', iso, '-x', `/${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('writeSeedIso', { skip: skipUnlessPresent(genisoimage()) }, () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'onebox-seed-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('builds an ISO labelled cidata with exactly the seed files, and leaves no staging files', async () => {
    const seed = buildSeed({ instanceId: 'ins_1', hostname: 'web-1', staticNetwork: { macAddress: '52:54:00:00:00:01', address: '192.0.2.2/24' } });
    const iso = join(dir, 'seed.iso');
    await writeSeedIso(dir, seed, iso);
    const info = spawnSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' }).stdout;
    assert.match(info, /^Volume id: cidata$/m);
    assert.match(info, /Joliet/);
    assert.match(info, /Rock Ridge/);
    const listing = spawnSync('isoinfo', ['-J', '-l', '-i', iso], { encoding: 'utf8' }).stdout;
    const names = [...listing.matchAll(/\]\s+(\S+)\s*$/gm)].map((m) => m[1]).filter((n) => n !== '.' && n !== '..');
    assert.deepEqual(names.sort(), ['meta-data', 'network-config', 'user-data']);
    assert.equal(isoFile(iso, 'meta-data'), seed.metaData);
    assert.equal(isoFile(iso, 'user-data'), seed.userData);
    assert.equal(isoFile(iso, 'network-config'), seed.networkConfig);
    assert.deepEqual(readdirSync(dir), ['seed.iso']);
  });

  it('replaces an existing ISO; a failure leaves the old one and no partial file', async () => {
    const iso = join(dir, 'seed.iso');
    await writeSeedIso(dir, buildSeed({ instanceId: 'ins_2', hostname: 'two' }), iso);
    assert.match(isoFile(iso, 'meta-data'), /two/);
    assert.equal(existsSync(join(dir, 'user-data')), false);
    await assert.rejects(writeSeedIso(join(dir, 'missing'), buildSeed({ instanceId: 'ins_3', hostname: 'three' }), iso));
    assert.match(isoFile(iso, 'meta-data'), /two/);
    assert.deepEqual(readdirSync(dir), ['seed.iso']);
  });
});
