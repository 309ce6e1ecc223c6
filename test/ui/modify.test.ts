/**
 * Story: changing an instance from its Settings tab. A stopped instance gets more cores and
 * memory and a description through the Edit dialog and shows them; on a running one the dialog
 * refuses cores above the maximum as you type (Save disabled) and takes a value within it live.
 * Blank-disk guests are enough: nothing here needs a booted OS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: edit an instance', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  const openEdit = async (id: string) => {
    await page.goto(ui.url(`instances/${id}/settings`));
    await page.getByRole('button', { name: 'Edit' }).click();
    return page.getByRole('dialog');
  };

  test('stopped: more cores and memory and a description; the settings show the new values', async () => {
    const inst = await createInstance(ui.server, { name: 'edit-stopped', disk: { source: 'blank', sizeGiB: 1 } });
    const dialog = await openEdit(inst.id);
    assert.match(await dialog.getByTestId('edit-live-hint').innerText(), /stopped/);
    await dialog.locator('input[name=cores]').fill('2');
    await dialog.locator('input[name=memoryMiB]').fill('256');
    await dialog.locator('textarea[name=description]').fill('resized in the browser');
    assert.deepEqual(await axeViolations(page), [], 'the Edit dialog passes axe');
    await ui.shot('modify-01-edit-stopped');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('settings-cores').filter({ hasText: /^2 / }).waitFor();
    assert.equal(await page.getByTestId('settings-cores').innerText(), '2 (at most 2 while running)');
    assert.equal(await page.getByTestId('settings-memory').innerText(), '256 MiB (at most 256 MiB while running)');
    assert.match(await page.getByTestId('instance-settings').innerText(), /resized in the browser/);
    const stored = await ui.server.json('GET', `/instances/${inst.id}`);
    assert.deepEqual([stored.cores, stored.memoryMiB, stored.description], [2, 256, 'resized in the browser']);
  });

  test('running: cores above the maximum are refused as you type; within it they change live', async () => {
    const inst = await createInstance(ui.server, { name: 'edit-running', cores: 1, maxCores: 2, disk: { source: 'blank', sizeGiB: 1 }, start: true });
    const dialog = await openEdit(inst.id);
    assert.match(await dialog.getByTestId('edit-live-hint').innerText(), /runs: cores \(up to 2\)/);
    await dialog.locator('input[name=cores]').fill('3');
    await dialog.getByText('Above the maximum of 2 cores for a running instance: stop it first.').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Save' }).isDisabled(), true);
    await ui.shot('modify-02-above-maximum');
    await dialog.locator('input[name=cores]').fill('2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('settings-cores').filter({ hasText: /^2 / }).waitFor();
    const stored = await ui.server.json('GET', `/instances/${inst.id}`);
    assert.deepEqual([stored.cores, stored.state], [2, 'running']);
    assert.deepEqual(ui.errors, []);
  });
});
