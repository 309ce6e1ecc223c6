/**
 * Native addon extraction and loading (the SEA path, exercised here with the addon from
 * node_modules), and embedded-asset lookup outside a SEA.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { isSingleExecutable, readEmbeddedAsset } from './embedded-assets.js';
import { dlopenAddon, extractAddon, loadBetterSqlite3Addon } from './native-addon.js';

const require = createRequire(import.meta.url);
// The prebuilt addon better-sqlite3 ships (and build.mjs embeds); nothing is compiled.
const addonFile = join(dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds', 'linux-x64.node');

let dataDir: string;

before(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'onebox-native-'));
});
after(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('extractAddon', () => {
  test('writes <dataDir>/native/<sha256>/<name> once, with no temp files left', () => {
    const bytes = Buffer.from('not really an addon');
    const path = extractAddon(bytes, 'x.node', dataDir);
    assert.match(path, /[/\\]native[/\\][0-9a-f]{64}[/\\]x\.node$/);
    assert.deepEqual(readFileSync(path), bytes);
    const mtime = statSync(path).mtimeMs;

    assert.equal(extractAddon(bytes, 'x.node', dataDir), path);
    assert.equal(statSync(path).mtimeMs, mtime, 'an intact copy is not rewritten');
    assert.deepEqual(readdirSync(dirname(path)), ['x.node']);
  });

  test('replaces a damaged copy', () => {
    const bytes = Buffer.from('the real bytes');
    const path = extractAddon(bytes, 'y.node', dataDir);
    writeFileSync(path, 'the real bytez');
    extractAddon(bytes, 'y.node', dataDir);
    assert.deepEqual(readFileSync(path), bytes);
  });

  test('names the directory when it cannot write', () => {
    const blocked = join(dataDir, 'blocked');
    writeFileSync(blocked, 'a file where a directory should be');
    assert.throws(() => extractAddon(Buffer.from('z'), 'z.node', blocked), /Cannot write native addon z\.node to .*blocked/);
  });
});

describe('dlopenAddon', () => {
  test('an extracted better_sqlite3.node works as better-sqlite3 nativeBinding', () => {
    const path = extractAddon(readFileSync(addonFile), 'better_sqlite3.node', dataDir);
    const addon = dlopenAddon(path);
    assert.equal(dlopenAddon(path), addon, 'loaded once per path');
    const db = new Database(':memory:', { nativeBinding: addon as unknown as string });
    assert.equal(db.prepare('SELECT 40 + 2 AS n').pluck().get(), 42);
    db.close();
  });

  test('a missing file is an error naming it', () => {
    assert.throws(() => dlopenAddon(join(dataDir, 'missing.node')), /missing\.node/);
  });
});

describe('outside the single executable', () => {
  test('loadBetterSqlite3Addon leaves loading to better-sqlite3', () => {
    assert.equal(isSingleExecutable(), false);
    assert.equal(loadBetterSqlite3Addon(dataDir), undefined);
  });

  test('readEmbeddedAsset reads ui/ keys from the UI folder and refuses escapes', (t) => {
    const ui = join(dataDir, 'ui');
    mkdirSync(join(ui, 'chunks'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<p>hi</p>');
    writeFileSync(join(ui, 'chunks', 'a-1.js'), 'export{}');
    writeFileSync(join(dataDir, 'secret'), 'no');
    process.env.ONEBOX_UI_DIR = ui;
    t.after(() => delete process.env.ONEBOX_UI_DIR);

    assert.equal(readEmbeddedAsset('ui/index.html')?.toString(), '<p>hi</p>');
    assert.equal(readEmbeddedAsset('ui/chunks/a-1.js')?.toString(), 'export{}');
    assert.equal(readEmbeddedAsset('ui/missing.js'), undefined);
    for (const key of ['ui/../secret', 'ui//index.html', '/ui/index.html', 'ui/./index.html', 'ui/%2e%2e/secret', 'better_sqlite3.node']) {
      assert.equal(readEmbeddedAsset(key), undefined, key);
    }
  });
});
