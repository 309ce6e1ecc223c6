/**
 * Story: the catalogue of disk images and ISOs. Deleting one and moving on leaves no ghost of
 * the page behind; the upload form is ready for the next file after a successful upload and
 * sends tags (checked as you type).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openAsBlob, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { ROOT, skipUi, startUi, uploadImage, waitUntil, type Ui } from './fixture.js';

describe('browser UI: images and ISOs', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  const isoPath = join(tmpdir(), `onebox-ui-catalogue-${process.pid}.iso`);

  before(async () => {
    execFileSync('genisoimage', ['-quiet', '-V', 'T', '-o', isoPath, join(ROOT, 'package.json')]);
    ui = await startUi();
    page = ui.page;
    for (const name of ['keep', 'drop']) await uploadImage(ui.server, await miniImagePath(), name);
    for (const name of ['keep.iso', 'drop.iso']) {
      const res = await ui.server.call('POST', `/media?name=${name}`, { body: await openAsBlob(isoPath), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 201, await res.text());
    }
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await ui?.close();
    rmSync(isoPath, { force: true });
  });

  test('a page left after deleting an image or an ISO does not come back under the next page', async () => {
    // The page's timers on a clock the test moves: the polls below fire without waiting for them.
    await page.clock.install();
    await page.reload();
    await page.goto(ui.url('images'));
    await page.locator('#images-table tr[data-name=drop]').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#images-table tr[data-name=drop]').waitFor({ state: 'detached' });
    await page.locator('.sidenav a', { hasText: 'Media' }).click();
    await page.locator('#media-table tr[data-name="drop.iso"]').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#media-table tr[data-name="drop.iso"]').waitFor({ state: 'detached' });
    await page.locator('.sidenav a', { hasText: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
    // Both pages poll every 10 s; a poll that outlived its page re-rendered it here ~20 s later.
    const polled: string[] = [];
    const seeRequest = (request: { url(): string }) => polled.push(new URL(request.url()).pathname);
    page.on('request', seeRequest);
    await page.clock.runFor(25_000);
    await page.waitForTimeout(1500); // the polls' answers arrive in real time
    page.off('request', seeRequest);
    assert.ok(polled.some((path) => path.startsWith('/api/v1/')), `the moved clock made the dashboard poll (requests: ${polled.join(', ')})`);
    await ui.shot('catalogue-01-dashboard-after-deletes');
    const headings = await page.locator('main h1').allInnerTexts();
    assert.deepEqual(headings, ['Dashboard'], 'only the dashboard is on the page');
    assert.equal(await page.locator('#images-table, #media-table').count(), 0, 'no table of a page left behind');
  });

  test('after a successful upload the form is empty and ready for the next file', async () => {
    await page.goto(ui.url('images'));
    const form = page.getByRole('form', { name: 'Upload' });
    await form.locator('input[type=file]').setInputFiles(await miniImagePath());
    await waitUntil('the name proposed from the file', 5000, async () => /^mini/.test(await form.locator('input[name=name]').inputValue()));
    await form.locator('input[name=name]').fill('third');
    await form.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#images-table tr[data-name=third]').waitFor({ timeout: 60_000 });
    await page.locator('.activity-item', { hasText: 'Uploaded third' }).waitFor();
    await ui.shot('catalogue-02-after-upload');
    assert.equal(await form.locator('input[type=file]').evaluate((e: HTMLInputElement) => e.files?.length ?? 0), 0, 'the file input is empty');
    assert.equal(await form.locator('input[name=name]').inputValue(), '');
    // The same file again: its name is proposed again and it uploads.
    await form.locator('input[type=file]').setInputFiles(await miniImagePath());
    await form.locator('input[name=name]').fill('fourth');
    // Tags at upload, checked as you type.
    await form.locator('input[name=tags]').fill('Bad Tag');
    await form.locator('.field-error').first().waitFor();
    assert.equal(await form.getByRole('button', { name: 'Upload' }).isDisabled(), true, 'a bad tag is refused as you type');
    await form.locator('input[name=tags]').fill('linux, mini');
    await form.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#images-table tr[data-name=fourth]').waitFor({ timeout: 60_000 });
    const fourth = ((await ui.server.json('GET', '/images')).items as { name: string; tags: string[] }[]).find((i) => i.name === 'fourth');
    assert.deepEqual(fourth?.tags, ['linux', 'mini'], 'the tags went with the upload');
    assert.equal(await form.locator('input[name=tags]').inputValue(), '', 'the tags field is emptied too');
  });

  test('the images list sorts by a column header and finds by a search', async () => {
    await page.goto(ui.url('images'));
    const table = page.locator('#images-table');
    const names = () => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
    await table.locator('th[data-col=name] button').click();
    assert.deepEqual(await names(), ['fourth', 'keep', 'third']);
    assert.equal(await table.locator('th[data-col=name]').getAttribute('aria-sort'), 'ascending');
    await table.locator('th[data-col=name] button').click();
    assert.deepEqual(await names(), ['third', 'keep', 'fourth']);
    await page.getByRole('searchbox', { name: 'Search images' }).fill('ee');
    assert.deepEqual(await names(), ['keep']);
    await page.getByRole('searchbox', { name: 'Search images' }).fill('nothing-like-this');
    await page.getByText('Nothing matches the search.').waitFor();
    await page.getByRole('searchbox', { name: 'Search images' }).fill('');
  });

  test('an image row creates an instance from that image', async () => {
    const keep = (await ui.server.json('GET', '/images')).items.find((i: { name: string }) => i.name === 'keep');
    await page.goto(ui.url('images'));
    await page.locator('#images-table tr[data-name=keep] button[data-action=create-instance]').click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('select[name=imageId] option', { hasText: 'keep' }).waitFor({ state: 'attached' });
    await waitUntil('the image preselected', 5000, async () => (await dialog.locator('select[name=imageId]').inputValue()) === keep.id);
    assert.equal(await dialog.locator('input[name=source][value=image]').isChecked(), true);
    await dialog.locator('input[name=name]').fill('from-row');
    await dialog.locator('input[name=memoryMiB]').fill('128');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/instances\/ins_/);
    const created = (await ui.server.json('GET', '/instances')).items.find((i: { name: string }) => i.name === 'from-row');
    assert.equal(created?.imageId, keep.id);
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
