/**
 * Story: batches from the instance list. "New instance" with Count 3 and a name prefix makes
 * bt-1 … bt-3 in one batch whose per-item results show under the list; ticking two rows brings
 * the selection toolbar, whose Delete asks first and then reports each item; "select all" ticks
 * every row shown. The same toolbar reads in Chinese. Blank disks, never started: no guest boots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: batch create and batch actions', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  const row = (name: string) => page.locator(`#instances-table tr[data-name="${name}"]`);

  test('create 3 with a prefix from the dialog: each item reported, all listed', async () => {
    await page.goto(ui.url('instances'));
    await page.getByRole('button', { name: /New instance|Create your first instance/ }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('input[name=count]').fill('3');
    await dialog.getByText('Name prefix').waitFor();
    await dialog.locator('input[name=name]').fill('bt');
    await dialog.locator('input[name=sizeGiB]').fill('1');
    await dialog.locator('input[name=memoryMiB]').fill('128');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.locator('input[name=confirmBlank]').check();
    await dialog.locator('input[name=count]').fill('101');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('At most 100 at once.').waitFor();
    await dialog.locator('input[name=count]').fill('3');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'detached' });
    const results = page.getByTestId('batch-results');
    await results.and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 60_000 });
    for (const name of ['bt-1', 'bt-2', 'bt-3']) await results.locator(`tr[data-name=${name}][data-state=succeeded]`).waitFor();
    await results.getByText('3 succeeded, 0 failed').waitFor();
    for (const name of ['bt-1', 'bt-2', 'bt-3']) await row(name).waitFor();
    await ui.shot('batch-01-created');
    const listed = (await ui.server.json('GET', '/instances')).items.map((i: { name: string }) => i.name).sort();
    assert.deepEqual(listed, ['bt-1', 'bt-2', 'bt-3']);
    await results.getByRole('button', { name: 'Dismiss' }).click();
    await results.waitFor({ state: 'detached' });
  });

  test('select two, delete them after a confirmation; an item that fails says why', async () => {
    await row('bt-1').getByRole('checkbox', { name: 'Select bt-1' }).check();
    await row('bt-2').getByRole('checkbox', { name: 'Select bt-2' }).check();
    const toolbar = page.getByRole('toolbar', { name: 'Selected instances' });
    await toolbar.getByText('2 selected').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the list with a selection passes axe');
    await ui.shot('batch-02-selected');
    await toolbar.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete 2 instances?' });
    await confirm.getByText(/bt-1, bt-2/).waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    const results = page.getByTestId('batch-results');
    await results.and(page.locator('[data-state=succeeded]')).waitFor({ timeout: 60_000 });
    await results.getByText('2 succeeded, 0 failed').waitFor();
    await row('bt-1').waitFor({ state: 'detached' });
    await row('bt-2').waitFor({ state: 'detached' });
    await toolbar.waitFor({ state: 'detached' });
    assert.deepEqual((await ui.server.json('GET', '/instances')).items.map((i: { name: string }) => i.name), ['bt-3']);
    await results.getByRole('button', { name: 'Dismiss' }).click();

    // bt-3 is stopped: "Shut down" fails for it, and its row says so in words.
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    await toolbar.getByText('1 selected').waitFor();
    await toolbar.getByRole('button', { name: 'Shut down' }).click();
    await results.and(page.locator('[data-state=failed]')).waitFor({ timeout: 30_000 });
    await results.locator('tr[data-name=bt-3][data-state=failed]').getByText(/Cannot stop instance 'bt-3' while it is stopped/).waitFor();
    await ui.shot('batch-03-failed-item');
  });

  test('QoS of bt-3 from the edit dialog: a bad value is refused as you type, then the limits show on its page', async () => {
    const inst = (await ui.server.json('GET', '/instances/bt-3')) as { id: string };
    await page.goto(ui.url(`instances/${inst.id}`));
    await page.getByTestId('instance-qos').getByText('CPU priority medium · no limits').waitFor();
    await page.goto(ui.url(`instances/${inst.id}/settings`));
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select[name=qosCpu]').selectOption('low');
    await dialog.locator('input[name=qosReadIops]').fill('0.5');
    await dialog.getByText('The disk read IOPS limit must be a whole number of IOPS.').waitFor();
    await dialog.locator('input[name=qosReadIops]').fill('');
    await dialog.locator('input[name=qosDiskWrite]').fill('2');
    await dialog.locator('input[name=qosNetOut]').fill('500');
    await ui.shot('batch-04-qos-edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.goto(ui.url(`instances/${inst.id}`));
    await page.getByTestId('instance-qos').getByText('CPU priority low · disk write 2.0 MiB/s · out 500 KiB/s').waitFor();
    assert.deepEqual((await ui.server.json('GET', `/instances/${inst.id}`)).qos, { cpuPriority: 'low', diskWriteBytesSec: 2 * 1024 ** 2, netOutKbps: 500 });
    await page.goto(ui.url('instances'));
  });

  test('the toolbar and the count field in Chinese', async () => {
    const zh = await ui.newPage({ language: 'zh-CN' });
    await zh.goto(ui.url());
    await ui.login(zh);
    await zh.goto(ui.url('instances'));
    await zh.locator('#instances-table tr[data-name="bt-3"]').getByRole('checkbox').check();
    await zh.getByRole('toolbar', { name: '所选实例' }).getByText('已选择 1 个').waitFor();
    await zh.getByRole('toolbar').getByRole('button', { name: '清除选择' }).click();
    await zh.getByRole('toolbar').waitFor({ state: 'detached' });
  });
});
