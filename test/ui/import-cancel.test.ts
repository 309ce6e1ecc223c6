/**
 * Story: an image import from a URL that stalls (a loopback server this test starts sends 2 MiB of
 * 64 and then nothing; the server runs with --image-import-allow-private) is cancelled from the
 * task log's Cancel button: the row ends failed, the import form says the import was cancelled,
 * and no image and no partial file are left.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startFileServer, type FileServer } from '../fixtures/file-server.js';
import { skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: cancel an image import from the task log', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  let files: FileServer;
  before(async () => {
    files = await startFileServer({ '/stall.img': { bytes: Buffer.alloc(64 * 1024 * 1024), stallAfter: 2 * 1024 * 1024 } });
    ui = await startUi({ serverArgs: ['--image-import-allow-private'] });
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await ui?.close();
    await files?.close();
  });

  test('the running import has a Cancel button in the task log; cancelling ends it failed and leaves nothing', async () => {
    await page.goto(ui.url('images'));
    const form = page.getByRole('form', { name: 'Import from URL' });
    await form.locator('input[name=url]').fill(files.url('/stall.img'));
    await form.locator('input[name=name]').fill('stalled');
    await form.getByRole('button', { name: 'Import' }).click();
    const log = page.getByTestId('task-log');
    const running = log.locator('tr[data-kind="image.import"][data-state=running]');
    await running.waitFor({ timeout: 30_000 });
    const cancel = running.getByTestId('task-cancel');
    await cancel.waitFor();
    await ui.shot('import-cancel-01-running');
    await cancel.click();
    await log.locator('tr[data-kind="image.import"][data-state=failed]').waitFor({ timeout: 30_000 });
    await form.getByText('The image import was cancelled; no image was stored.').waitFor();
    await ui.shot('import-cancel-02-cancelled');
    const ops = (await ui.server.json('GET', '/operations')).items.filter((o: { kind: string }) => o.kind === 'image.import');
    assert.deepEqual(ops.map((o: { state: string; errorCode: string }) => [o.state, o.errorCode]), [['failed', 'image_import_cancelled']]);
    assert.equal((await ui.server.json('GET', '/images')).items.length, 0);
    assert.deepEqual(await readdir(join(ui.server.dataDir, 'uploads')), []);
    assert.deepEqual(ui.errors, []);
  });
});
