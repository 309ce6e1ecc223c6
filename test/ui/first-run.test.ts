/**
 * Story: the first visit. The initial admin with the password rules checked while typing, the
 * dashboard, logout, a refused login and a login.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: first run', { skip: skipUi, timeout: 180_000 }, () => {
  let ui: Ui;
  before(async () => {
    ui = await startUi({ bootstrap: false });
  });
  after(() => ui?.close());

  test('first visit: initial admin with the password rules checked while typing; logout; login', async () => {
    const { page } = ui;
    await page.goto(ui.url());
    await page.getByRole('heading', { name: 'Welcome to onebox' }).waitFor();
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('password');
    await page.locator('.hint-weak').waitFor();
    assert.ok((await page.locator('.rules .rule-broken').count()) >= 2, 'digit and upper-case rules are shown as broken');
    await ui.shot('01-setup-weak-password');
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('input[name=repeat]').fill(ADMIN.password);
    assert.equal(await page.locator('.hint-weak').count(), 0);
    assert.equal(await page.locator('.rules .rule-broken').count(), 0);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.locator('.footer-user', { hasText: ADMIN.username }).waitFor();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('.tile').first().waitFor();
    await ui.shot('02-dashboard');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('Wrong1234');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.note-error').waitFor();
    await ui.shot('03-login-failed');
    await page.reload();
    await ui.login();
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
