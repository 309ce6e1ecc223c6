/**
 * Story: migrating an instance and evacuating a host, with the one host a UI fixture has.
 * "Migrate…" opens a dialog whose host select shows each host of the pool as the server checks
 * it (GET …/migration-targets) and why it cannot take the instance (here: the only host is its
 * current one), so Migrate stays disabled. Capacity refusals show before submitting: with two
 * more hosts added to the server's real answer (a fixture has one host), the full one is
 * disabled with the scheduler's reason (in English and Chinese) and the other can be chosen. The
 * host page's "Evacuate…" asks first, then follows the parent operation in the activity panel:
 * scheduling goes off, and the instance that has nowhere to go fails on its own with the
 * scheduler's reason. Both dialogs pass axe and read in Chinese.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

const FULL_REASON = 'not enough memory for 64 MiB more (7.9 GiB of 8.0 GiB claimed — 8.0 GiB × 1 overcommit)';

/** Answers the dialog's migration-targets request with the server's own list plus a full host and a free one. */
async function withTwoMoreHosts(page: Page): Promise<void> {
  await page.route(/\/api\/v1\/instances\/[^/]+\/migration-targets$/, async (route) => {
    const real = await route.fetch();
    const body = (await real.json()) as { items: unknown[] };
    body.items.push({ hostId: 'host_full', name: 'full-host', fits: false, reasons: [FULL_REASON, 'disabled for scheduling'] }, { hostId: 'host_free', name: 'free-host', fits: true, reasons: [] });
    await route.fulfill({ response: real, json: body });
  });
}

describe('browser UI: migrate an instance, evacuate a host', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  let instanceId = '';
  let hostId = '';
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
    instanceId = (await createInstance(ui.server, { name: 'mover-ui', disk: { source: 'blank', sizeGiB: 1 } })).id;
    hostId = (await ui.server.json('GET', `/instances/${instanceId}`)).hostId;
  });
  after(() => ui?.close());

  test('the Migrate dialog lists the pool\'s hosts with why each cannot take the instance', async () => {
    const targets = await ui.server.json('GET', `/instances/${instanceId}/migration-targets`);
    assert.deepEqual(targets.items.map((h: { hostId: string; fits: boolean; reasons: string[] }) => [h.hostId, h.fits, h.reasons]), [[hostId, false, ['its current host']]]);
    await page.goto(ui.url(`instances/${instanceId}`));
    await page.getByRole('button', { name: 'Migrate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Migrate mover-ui' });
    await dialog.getByTestId('migrate-no-hosts').waitFor();
    const host = await ui.server.json('GET', `/hosts/${hostId}`);
    const option = dialog.locator(`select[name=hostId] option[value="${hostId}"]`);
    assert.equal(await option.textContent(), `${host.name} — its current host`);
    assert.equal(await option.isDisabled(), true, 'the current host cannot be chosen');
    assert.equal(await dialog.locator('input[name=live]').count(), 0, 'no live option for a stopped instance');
    assert.equal(await dialog.getByRole('button', { name: 'Migrate', exact: true }).isDisabled(), true, 'nothing to migrate to');
    assert.deepEqual(await axeViolations(page), [], 'the Migrate dialog passes axe');
    await ui.shot('migrate-01-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('a host without room is shown disabled with the scheduler\'s reasons before submitting; a host with room can be chosen', async () => {
    await withTwoMoreHosts(page);
    try {
      await page.goto(ui.url(`instances/${instanceId}`));
      await page.getByRole('button', { name: 'Migrate…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Migrate mover-ui' });
      const full = dialog.locator('select[name=hostId] option[value="host_full"]');
      await full.waitFor({ state: 'attached' });
      assert.equal(await full.textContent(), `full-host — ${FULL_REASON}; disabled for scheduling`);
      assert.equal(await full.isDisabled(), true, 'a full host cannot be chosen');
      assert.equal(await dialog.getByTestId('migrate-no-hosts').count(), 0, 'one host can take it');
      const free = dialog.locator('select[name=hostId] option[value="host_free"]');
      assert.equal(await free.textContent(), 'free-host');
      assert.equal(await free.isDisabled(), false);
      await dialog.locator('select[name=hostId]').selectOption('host_free');
      assert.equal(await dialog.getByRole('button', { name: 'Migrate', exact: true }).isDisabled(), false, 'Migrate is offered for the host with room');
      assert.deepEqual(await axeViolations(page), [], 'the dialog with disabled hosts passes axe');
      await ui.shot('migrate-01b-unfit-hosts');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
    } finally {
      await page.unroute(/\/api\/v1\/instances\/[^/]+\/migration-targets$/);
    }
  });

  test('Evacuate… asks, turns scheduling off and reports the instance that could not move', async () => {
    await page.goto(ui.url(`hosts/${hostId}`));
    await page.getByRole('button', { name: 'Evacuate…' }).click();
    const host = await ui.server.json('GET', `/hosts/${hostId}`);
    const dialog = page.getByRole('dialog', { name: `Evacuate ${host.name}?` });
    assert.match(await dialog.innerText(), /its instance moves to other hosts of the pool/);
    assert.deepEqual(await axeViolations(page), [], 'the Evacuate confirmation passes axe');
    await dialog.getByRole('button', { name: 'Evacuate', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.activity-item', { hasText: `Evacuate ${host.name}` }).waitFor();
    let op: { state: string; errorCode: string | null; result: { items: { name: string; errorCode: string | null }[] } } | undefined;
    for (let i = 0; i < 120 && (!op || op.state === 'running'); i++) {
      const ops = await ui.server.json('GET', `/operations?target=${hostId}`);
      op = ops.items.find((o: { kind: string }) => o.kind === 'host.evacuate');
      if (!op || op.state === 'running') await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(op?.state, 'failed', JSON.stringify(op));
    assert.equal(op?.errorCode, 'batch_items_failed');
    assert.deepEqual(op?.result.items.map((item) => [item.name, item.errorCode]), [['mover-ui', 'no_host_available']]);
    assert.equal((await ui.server.json('GET', `/hosts/${hostId}`)).enabled, false, 'scheduling was switched off first');
    assert.equal((await ui.server.json('GET', `/instances/${instanceId}`)).hostId, hostId, 'the instance stays where it was');
    await ui.shot('migrate-02-evacuated');
    const enable = await ui.server.call('PATCH', `/hosts/${hostId}`, { json: { enabled: true } });
    assert.equal(enable.status, 200);
    await page.locator('.activity-item', { hasText: 'each one\'s error is in the result' }).waitFor();
    assert.deepEqual(ui.errors, []);
  });

  test('in Chinese', async () => {
    const zh = await ui.newPage({ language: 'zh-CN' });
    await zh.goto(ui.url());
    await ui.login(zh);
    await zh.goto(ui.url(`instances/${instanceId}`));
    await zh.getByRole('button', { name: '迁移…' }).click();
    const dialog = zh.getByRole('dialog', { name: '迁移 mover-ui' });
    await dialog.getByTestId('migrate-no-hosts').waitFor();
    assert.match(await dialog.innerText(), /此资源池中没有其他主机可以容纳它/);
    assert.match((await dialog.locator(`select[name=hostId] option[value="${hostId}"]`).textContent()) ?? '', / — 当前所在主机$/);
    await dialog.getByRole('button', { name: '取消' }).click();
    await withTwoMoreHosts(zh);
    await zh.reload();
    await zh.getByRole('button', { name: '迁移…' }).click();
    const full = dialog.locator('select[name=hostId] option[value="host_full"]');
    await full.waitFor({ state: 'attached' });
    assert.equal(await full.textContent(), 'full-host — 内存不足，无法再分配 64 MiB（已分配 7.9 GiB / 8.0 GiB，8.0 GiB × 1 倍超分）；已停止调度');
    assert.equal(await full.isDisabled(), true);
    await dialog.getByRole('button', { name: '取消' }).click();
    await zh.goto(ui.url(`hosts/${hostId}`));
    await zh.getByRole('button', { name: '疏散…' }).waitFor();
    await zh.close();
  });
});
