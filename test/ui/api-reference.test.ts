/**
 * Story: a user who automates onebox finds the API reference from the UI's footer: one page
 * served by onebox itself (no script, nothing from outside), grouped by tag, with every
 * operation of /api/v1 and the problem codes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ARTIFACTS, axeViolations, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: the API reference', { skip: skipUi, timeout: 180_000 }, () => {
  let ui: Ui;
  before(async () => {
    ui = await startUi();
    await ui.page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('the footer links the API reference; it lists /api/v1/instances by tag with its parameters, the problem codes, and passes axe', async () => {
    const { page } = ui;
    const link = page.getByRole('link', { name: 'API reference' });
    await link.waitFor();
    const target = await link.getAttribute('href');
    assert.equal(target, '/api/docs');
    await page.goto(new URL(target, ui.server.origin).href);
    await page.getByRole('heading', { level: 1, name: /onebox API/ }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Instances' }).waitFor();
    const list = page.locator('section.op', { has: page.locator('h3 code', { hasText: /^\/api\/v1\/instances$/ }) });
    assert.equal(await list.count(), 2, 'GET and POST /api/v1/instances');
    const get = list.filter({ has: page.locator('.method', { hasText: 'GET' }) });
    for (const param of ['limit', 'cursor', 'state', 'pool']) assert.equal(await get.locator('td code', { hasText: new RegExp(`^${param}$`) }).count(), 1, param);
    assert.equal(await page.locator('#Problem code', { hasText: /^instance_not_found$/ }).count(), 1);
    assert.equal(await page.locator('script').count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'api-reference.png') });
    assert.deepEqual(await axeViolations(page), [], 'axe on the API reference');
    assert.deepEqual(ui.errors, [], 'no page error, no CSP violation');
  });
});
