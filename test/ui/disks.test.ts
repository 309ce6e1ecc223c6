/**
 * Story: an instance's disks from its page. A stopped instance gets a blank data disk through
 * "Add disk", grows it through "Grow" (a smaller size is refused as you type) and removes it after
 * a confirmation; the table and the API agree at each step. A blank-disk guest is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

const GiB = 1024 ** 3;

describe('browser UI: disks of an instance', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('stopped: add a 2 GiB disk, grow it to 5 GiB, remove it', async () => {
    const inst = await createInstance(ui.server, { name: 'disks-ui', disk: { source: 'blank', sizeGiB: 1 } });
    await page.goto(ui.url(`instances/${inst.id}`));
    const table = page.locator('#disks-table');
    await table.locator('tr[data-device=vda]').waitFor();

    await page.getByRole('button', { name: 'Add disk' }).click();
    const add = page.getByRole('dialog');
    await add.locator('input[name=sizeGiB]').fill('2');
    assert.deepEqual(await axeViolations(page), [], 'the Add disk dialog passes axe');
    await ui.shot('disks-01-add');
    await add.getByRole('button', { name: 'Add disk' }).click();
    await add.waitFor({ state: 'detached' });
    const vdb = table.locator('tr[data-device=vdb]');
    await vdb.waitFor();
    assert.equal(await vdb.getAttribute('data-size'), String(2 * GiB));
    assert.match(await vdb.innerText(), /data\s+2\.0 GiB/);

    await vdb.getByRole('button', { name: 'Grow' }).click();
    const grow = page.getByRole('dialog', { name: 'Grow disk vdb' });
    await grow.locator('input[name=sizeGiB]').fill('0');
    await grow.getByText('The size must be at least 1 GiB.').waitFor();
    assert.equal(await grow.getByRole('button', { name: 'Grow' }).isDisabled(), true);
    await grow.locator('input[name=sizeGiB]').fill('1');
    await grow.getByRole('button', { name: 'Grow' }).click();
    await grow.getByText(/Disks only grow: give at least the current size/).waitFor();
    await grow.locator('input[name=sizeGiB]').fill('5');
    await grow.getByRole('button', { name: 'Grow' }).click();
    await grow.waitFor({ state: 'detached' });
    await table.locator(`tr[data-device=vdb][data-size="${5 * GiB}"]`).waitFor();
    await ui.shot('disks-02-grown');
    const listed = await ui.server.json('GET', `/instances/${inst.id}/disks`);
    assert.deepEqual(listed.items.map((d: { device: string; virtualSizeBytes: number }) => [d.device, d.virtualSizeBytes]), [['vda', GiB], ['vdb', 5 * GiB]]);

    await vdb.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove disk vdb?' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await vdb.waitFor({ state: 'detached' });
    assert.deepEqual((await ui.server.json('GET', `/instances/${inst.id}/disks`)).items.map((d: { device: string }) => d.device), ['vda']);
    assert.deepEqual(ui.errors, []);
  });
});
