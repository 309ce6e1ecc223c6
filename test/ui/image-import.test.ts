/**
 * Story: import a disk image from a URL on the images page. A small qcow2 served by a loopback
 * HTTP server this test starts (the server runs with --image-import-allow-private): first with
 * a wrong SHA-256 (the form says so, no image appears), then right; the image appears in the
 * table as qcow2 with its download link on /file, and is edited (description, OS, tags: a bad
 * tag is refused as you type) in a dialog; its tags show in the row.
 * The form and the dialog pass axe. Then a vdi is uploaded through the upload form: after the
 * upload bar a second bar follows the server's conversion, and the image ends up qcow2 and ready.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildQcow2Header } from '../../src/storage/qcow2-header.js';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { axeViolations, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: import an image from a URL', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  let files: FileServer;
  const disk = buildQcow2Header({ virtualSizeBytes: 16 * 1024 ** 2 });
  before(async () => {
    files = await startFileServer({ '/tiny.qcow2': { bytes: Buffer.from(disk) } });
    ui = await startUi({ serverArgs: ['--image-import-allow-private'] });
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await ui?.close();
    await files?.close();
  });

  test('a wrong checksum is refused, the right one imports; the row links to /file; Edit changes description, OS and tags', async () => {
    await page.goto(ui.url('images'));
    const form = page.getByRole('form', { name: 'Import from URL' });
    await form.locator('input[name=url]').fill(files.url('/tiny.qcow2'));
    await form.locator('input[name=sha256]').fill('0'.repeat(64));
    assert.equal(await form.locator('input[name=name]').getAttribute('placeholder'), 'tiny');
    assert.deepEqual(await axeViolations(page), [], 'the images page with the import form passes axe');
    await form.getByRole('button', { name: 'Import' }).click();
    await form.getByText(/SHA-256 is [0-9a-f]{64}, not the expected 0{64}/).waitFor();
    assert.equal((await ui.server.json('GET', '/images')).items.length, 0);
    await ui.shot('image-import-01-checksum');

    await form.locator('input[name=sha256]').fill(createHash('sha256').update(disk).digest('hex'));
    await form.getByRole('button', { name: 'Import' }).click();
    const row = page.locator('#images-table tr[data-name=tiny]');
    await row.waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /qcow2/);
    const image = (await ui.server.json('GET', '/images')).items[0];
    assert.match((await row.locator('a[href]').first().getAttribute('href')) ?? '', new RegExp(`images/${image.id}/file$`));
    await ui.shot('image-import-02-done');

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit image tiny' });
    await edit.locator('input[name=description]').fill('a tiny disk');
    await edit.locator('input[name=os]').fill('none');
    await edit.locator('input[name=tags]').fill('tiny, Bad Tag');
    await edit.getByText('A tag uses only a-z, 0-9 and the characters - _ .').waitFor();
    assert.equal(await edit.getByRole('button', { name: 'Save' }).isDisabled(), true, 'a bad tag keeps Save disabled');
    await edit.locator('input[name=tags]').fill('tiny, test-disk, tiny');
    assert.deepEqual(await axeViolations(page), [], 'the edit dialog passes axe');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByText('a tiny disk').waitFor();
    await row.getByText('test-disk').waitFor();
    const edited = await ui.server.json('GET', `/images/${image.id}`);
    assert.deepEqual([edited.description, edited.os, edited.tags], ['a tiny disk', 'none', ['tiny', 'test-disk']]);
  });

  test('a vdi upload: the upload bar, then the conversion bar; the image ends qcow2 and ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'onebox-ui-vdi-'));
    try {
      // 48 MiB of varied content, so the conversion is not instant.
      const raw = Buffer.alloc(48 * 1024 ** 2);
      for (let i = 0; i < raw.length; i += 4096) raw.writeUInt32LE((i * 2654435761) >>> 0, i);
      await writeFile(join(dir, 'disk.raw'), raw);
      execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', join(dir, 'disk.raw'), join(dir, 'legacy.vdi')]);
      await page.goto(ui.url('images'));
      // Records whether the conversion bar was ever shown (it may last under a second).
      await page.evaluate(() => {
        const seen = ((window as unknown as { conversionSeen: string[] }).conversionSeen = [] as string[]);
        new MutationObserver(() => {
          const bar = document.querySelector('[data-testid=conversion-progress]');
          if (bar) seen.push(bar.textContent ?? '');
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      const form = page.getByRole('form', { name: 'Upload' });
      await form.locator('input[type=file]').setInputFiles(join(dir, 'legacy.vdi'));
      assert.equal(await form.locator('input[name=name]').inputValue(), 'legacy');
      await form.getByRole('button', { name: 'Upload' }).click();
      const row = page.locator('#images-table tr[data-name=legacy]');
      await page.locator('.activity-item', { hasText: 'Uploaded legacy' }).waitFor({ timeout: 120_000 });
      await row.waitFor();
      await ui.shot('image-import-03-converted');
      const seen = await page.evaluate(() => (window as unknown as { conversionSeen: string[] }).conversionSeen);
      assert.ok(seen.some((text) => text.includes('converting to qcow2 on the server')), `the conversion bar showed: ${JSON.stringify(seen.slice(0, 3))}`);
      assert.match(await row.innerText(), /qcow2/);
      assert.equal(await row.getByTestId('image-importing').count(), 0, 'no importing badge once converted');
      const image = (await ui.server.json('GET', '/images/legacy'));
      assert.deepEqual([image.format, image.state], ['qcow2', 'ready']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
