/**
 * Story: usage charts, the task log and the audit page on the real executable with a real TCG
 * mini guest (usage sampled every second): after a create, the task log shows it with its
 * duration; the instance page's CPU chart and the host's and pool's storage charts get points live
 * (no reload); the audit page filters by user and target.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { skipUi, startUi, waitUntil, type Ui } from './fixture.js';

/** Waits until the chart gains a point from the live stream, and checks the page was not reloaded meanwhile (a reload would drop the marker). */
async function assertGrowsLive(page: Page, chart: Locator, what: string): Promise<void> {
  await page.evaluate(() => Object.assign(window, { obNoReload: true }));
  const points = async () => Number(await chart.getAttribute('data-points'));
  const before = await points();
  await waitUntil(`${what}: a live point without reload`, 30_000, async () => (await points()) > before);
  assert.equal(await page.evaluate(() => (window as { obNoReload?: boolean }).obNoReload), true, 'the same page, not reloaded');
}

/** A storage chart: its title says the unit, the value axis is in bytes (B … TiB), the time axis has clock times, a line or point is drawn. */
async function assertStorageChart(chart: Locator): Promise<void> {
  assert.ok(Number(await chart.getAttribute('data-points')) >= 1);
  assert.match(await chart.locator('figcaption').innerText(), /Storage .+ \(bytes\)/);
  assert.deepEqual(await chart.locator('.chart-key').allInnerTexts(), ['used', 'total']);
  const axis = await chart.locator('text.chart-axis').allTextContents();
  assert.equal(axis.length, 6, `three value and three time labels: ${axis}`);
  for (const v of axis.slice(0, 3)) assert.match(v, /^\d+(\.\d)? (B|KiB|MiB|GiB|TiB)$/, `value label in bytes: ${axis}`);
  for (const tl of axis.slice(3)) assert.match(tl, /\d{1,2}:\d{2}/, `time label: ${axis}`);
  assert.ok((await chart.locator('polyline, circle').count()) >= 1, 'the history is drawn');
}

describe('browser UI: usage charts, task log and audit', { skip: skipUi, timeout: 300_000 }, () => {
  let ui: Ui;
  let page: Page;
  let instanceId = '';

  before(async () => {
    const imagePath = await miniImagePath();
    ui = await startUi({ serverArgs: ['--usage-interval', '1'] });
    page = ui.page;
    await ui.server.json('POST', '/images?name=mini', { body: Readable.toWeb(createReadStream(imagePath)) as ReadableStream, headers: { 'content-type': 'application/octet-stream' } });
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await ui?.close();
  });

  test('after a create, the task log shows it with who started it and its duration', async () => {
    const res = await ui.server.call('POST', '/instances', { json: { name: 'charted', cores: 1, memoryMiB: 256, disk: { source: 'image', imageId: 'mini', sizeGiB: 1 }, start: true } });
    assert.equal(res.status, 202);
    const op = await ui.server.waitOperation(res);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    instanceId = op.targetId as string;
    const row = page.locator('[data-testid=task-log] [data-testid=task-row][data-kind="instance.create"][data-state=succeeded]');
    await row.first().waitFor({ timeout: 15_000 });
    assert.match(await row.first().locator('[data-testid=task-duration]').innerText(), /^\d+(\.\d)? s$|min/);
    assert.match(await row.first().innerText(), /admin/);
    await row.first().getByRole('button', { name: 'instance.create' }).click();
    await page.locator('[data-testid=task-detail]').waitFor();
    assert.match(await page.locator('[data-testid=task-detail]').innerText(), new RegExp(instanceId));
    await page.keyboard.press('Escape');
    await ui.shot('usage-01-task-log');
  });

  test("the instance page's CPU chart gets points while the guest runs, live", async () => {
    await ui.server.waitState(instanceId, 'running');
    await page.goto(ui.url(`instances/${instanceId}`));
    const cpu = page.locator('[data-testid=usage-chart-cpu]');
    await cpu.waitFor();
    const points = async () => Number(await cpu.getAttribute('data-points'));
    await waitUntil('CPU chart points', 60_000, async () => (await points()) >= 2);
    const before = await points();
    await waitUntil('a live point without reload', 30_000, async () => (await points()) > before);
    assert.ok((await cpu.locator('polyline').count()) === 1, 'a line is drawn');
    assert.match(await cpu.innerText(), /100%/, 'the value axis has its unit');
    await ui.shot('usage-02-instance-charts');
  });

  test("the host page charts the host's own CPU (with the guests' share), its memory with the total, and its storage per location, live", async () => {
    const hostId = (await ui.server.json('GET', '/hosts')).items[0].id as string;
    await page.goto(ui.url(`hosts/${hostId}`));
    const cpu = page.locator('[data-testid=usage-chart-cpu]');
    await cpu.waitFor();
    await waitUntil('host CPU chart points', 60_000, async () => Number(await cpu.getAttribute('data-points')) >= 4);
    assert.equal(await cpu.locator('polyline').count(), 2, 'host and guests lines');
    const keys = await cpu.locator('.chart-key').allInnerTexts();
    assert.deepEqual(keys, ['host', 'guests']);
    assert.match(await cpu.innerText(), /100%/, 'the value axis has its unit');
    const memory = page.locator('[data-testid=usage-chart-memory]');
    assert.deepEqual(await memory.locator('.chart-key').allInnerTexts(), ['used', 'guests', 'total']);
    assert.match(await memory.innerText(), /GiB|MiB/);
    const storage = page.locator('[data-testid^=usage-chart-storage-]');
    await storage.first().waitFor({ timeout: 15_000 });
    assert.ok(Number(await storage.first().getAttribute('data-points')) >= 1);
    await assertStorageChart(storage.first());
    await assertGrowsLive(page, storage.first(), "the host's storage chart");
    await ui.shot('usage-02b-host-charts');
  });

  test("the pool page charts its hosts' storage per location, with axes and units, live", async () => {
    const poolId = (await ui.server.json('GET', '/pools')).items[0].id as string;
    await page.goto(ui.url(`pools/${poolId}`));
    const storage = page.locator('[data-testid^=usage-chart-storage-]');
    await storage.first().waitFor({ timeout: 15_000 });
    assert.equal(await storage.count(), 1, 'one location: the default storage pool');
    await assertStorageChart(storage.first());
    await assertGrowsLive(page, storage.first(), "the pool's storage chart");
    await ui.shot('usage-02c-pool-charts');
  });

  test('the audit page filters by user and by target', async () => {
    await page.goto(ui.url('audit'));
    const rows = page.locator('[data-testid=audit-row]');
    await rows.first().waitFor();
    const form = page.locator('[data-testid=audit-filters]');
    await form.locator('input[name=target]').fill(instanceId);
    await form.getByRole('button', { name: 'Search' }).click();
    await waitUntil('rows of the instance only', 10_000, async () => {
      const targets = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-target')));
      return targets.length > 0 && targets.every((x) => x === instanceId);
    });
    await form.locator('input[name=target]').fill('');
    await form.locator('input[name=user]').fill('nobody');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No entries match.').waitFor();
    await form.locator('input[name=user]').fill('admin');
    await form.getByRole('button', { name: 'Search' }).click();
    await waitUntil('rows of admin only', 10_000, async () => {
      const users = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-user')));
      return users.length > 0 && users.every((u) => u === 'admin');
    });
    await ui.shot('usage-03-audit');
    assert.deepEqual(ui.errors, []);
  });
});
