/**
 * Story: every page renders, also in a narrow (phone-sized) window without sideways scrolling,
 * and the navigation drawer opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { createInstance, skipUi, startUi, uploadImage, type Ui } from './fixture.js';

describe('browser UI: layout', { skip: skipUi, timeout: 180_000 }, () => {
  let ui: Ui;
  let page: Page;
  let instanceId = '';
  before(async () => {
    ui = await startUi();
    page = ui.page;
    const image = await uploadImage(ui.server, await miniImagePath(), 'mini');
    instanceId = (await createInstance(ui.server, { name: 'ui-1', disk: { source: 'image', imageId: image.id } })).id;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('other pages render; a narrow window has no horizontal overflow', async () => {
    for (const [route, heading] of [['hosts', 'Hosts'], ['pools', 'Pools'], ['media', 'Media'], ['dashboard', 'Dashboard']] as const) {
      await page.goto(ui.url(route));
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForTimeout(300);
      await ui.shot(`11-${route}`);
    }
    await page.setViewportSize({ width: 400, height: 800 });
    for (const route of ['instances', 'dashboard', `instances/${instanceId}`, 'images', 'hosts', 'pools', 'media']) {
      await page.goto(ui.url(route));
      await page.locator('.footer-user').waitFor();
      await page.waitForTimeout(500);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      assert.ok(scrollWidth <= innerWidth, `#/${route} overflows at 400 px: scrollWidth ${scrollWidth} > ${innerWidth}`);
      await ui.shot(`12-narrow-${route.startsWith('instances/') ? 'instance' : route}`);
    }
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.locator('.sidenav a', { hasText: 'Hosts' }).waitFor();
    await ui.shot('13-narrow-menu');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('every list page has a search box and sortable columns', async () => {
    for (const [route, table] of [['instances', 'instances-table'], ['images', 'images-table'], ['hosts', 'hosts-table'], ['pools', 'pools-table']] as const) {
      await page.goto(ui.url(route));
      await page.locator(`#${table}`).waitFor();
      assert.equal(await page.getByRole('searchbox').count(), 1, `#/${route} has a search box`);
      assert.ok((await page.locator(`#${table} th[aria-sort] button`).count()) >= 2, `#/${route} sorts by its columns`);
    }
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
