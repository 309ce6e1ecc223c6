/**
 * Story: cloning an instance from its page. "Clone…" opens a dialog with a name (an empty or bad
 * name is refused as you type, a taken one by the server) and the disks' mode; the copy is
 * followed in the activity panel and the clone appears stopped, with full copies when asked. The
 * dialog passes axe and reads in Chinese. A blank-disk instance is enough: no guest boots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: clone an instance', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('clone a stopped instance as a full copy, refusals first', async () => {
    const inst = await createInstance(ui.server, { name: 'clone-ui', disk: { source: 'blank', sizeGiB: 1 } });
    await page.goto(ui.url(`instances/${inst.id}`));
    await page.getByRole('button', { name: 'Clone…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone clone-ui' });
    const name = dialog.locator('input[name=name]');
    assert.equal(await name.inputValue(), 'clone-ui-clone', 'a name is proposed');
    await name.fill('-bad-');
    assert.equal(await dialog.getByRole('button', { name: 'Clone', exact: true }).isDisabled(), true, 'a bad name is refused as you type');
    await name.fill('clone-ui');
    await dialog.getByRole('button', { name: 'Clone', exact: true }).click();
    await dialog.getByText("An instance named 'clone-ui' already exists in pool 'default'.").waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the Clone dialog passes axe');
    await ui.shot('clone-01-dialog');

    await name.fill('clone-ui-full');
    await dialog.locator('select[name=mode]').selectOption('full');
    await dialog.getByRole('button', { name: 'Clone', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.activity-item', { hasText: 'Clone clone-ui as clone-ui-full' }).waitFor();
    let copy: { state: string; cloneMode: string } | undefined;
    for (let i = 0; i < 120 && copy?.state !== 'stopped'; i++) {
      const res = await ui.server.call('GET', '/instances/clone-ui-full');
      copy = res.status === 200 ? ((await res.json()) as typeof copy) : undefined;
      if (copy?.state !== 'stopped') await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(copy?.state, 'stopped', JSON.stringify(copy));
    await ui.shot('clone-02-started');
    assert.deepEqual(ui.errors, []);
  });

  test('in Chinese', async () => {
    const zh = await ui.newPage({ language: 'zh-CN' });
    const inst = await ui.server.json('GET', '/instances/clone-ui');
    await zh.goto(ui.url());
    await ui.login(zh);
    await zh.goto(ui.url(`instances/${inst.id}`));
    await zh.getByRole('button', { name: '克隆…' }).click();
    const dialog = zh.getByRole('dialog', { name: '克隆 clone-ui' });
    await dialog.getByText('克隆的名称').waitFor();
    assert.match(await dialog.innerText(), /完整复制（不依赖镜像）/);
    await dialog.getByRole('button', { name: '取消' }).click();
    await zh.close();
  });
});
