/**
 * Story: an admin manages users. Creates one on the Users page; that user logs in in a second
 * browser, sees no Users entry, changes their password on the Account page, revokes their other
 * session and makes an API token; the admin disables, resets and deletes them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, skipUi, startUi, type Ui } from './fixture.js';

const BOB = { username: 'bob', password: 'B0bPassword1', next: 'B0bNewPass22' };

/** Logs in on the login page of `page`. */
async function loginAs(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('.footer-user', { hasText: username }).waitFor();
}

describe('browser UI: users, account, sessions and tokens', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let bob: Page;
  before(async () => {
    ui = await startUi();
    await ui.page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('the admin creates a user on the Users page; the form checks the password rules', async () => {
    const { page } = ui;
    await page.locator('.sidenav a', { hasText: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await page.getByTestId('user-row').first().waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a user' });
    await dialog.locator('input[name=username]').fill(BOB.username);
    await dialog.locator('input[name=password]').fill('weak');
    assert.ok((await dialog.locator('.rules .rule-broken').count()) >= 2);
    await dialog.locator('input[name=password]').fill(BOB.password);
    await dialog.locator('input[name=displayName]').fill('Bob Builder');
    await dialog.locator('input[name=email]').fill('bob@example.org');
    assert.deepEqual(await axeViolations(page), [], 'axe on the create-user dialog');
    await ui.shot('users-01-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid=user-row][data-username=bob]');
    await row.getByText('Bob Builder').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'axe on the Users page');
    await ui.shot('users-02-list');
  });

  test('the user logs in in a second browser, sees no Users entry, and changes their password', async () => {
    bob = await ui.newPage();
    await bob.goto(ui.url());
    await loginAs(bob, BOB.username, BOB.password);
    assert.equal(await bob.locator('.sidenav a', { hasText: 'Users' }).count(), 0, 'no Users entry for a non-admin');
    await bob.locator('.sidenav a', { hasText: 'Account' }).click();
    await bob.getByRole('heading', { name: 'Your account' }).waitFor();
    await bob.getByText('Bob Builder').first().waitFor();
    const form = bob.getByTestId('change-password-form');
    await form.locator('input[name=currentPassword]').fill('Wrong1234x');
    await form.locator('input[name=newPassword]').fill(BOB.next);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.locator('[role=alert]').getByText('The current password is wrong').waitFor();
    await form.locator('input[name=currentPassword]').fill(BOB.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Password changed.').waitFor();
    assert.deepEqual(await axeViolations(bob), [], 'axe on the Account page');
    await ui.shot('users-03-password-changed', bob);
  });

  test('a second session of the user shows in the list and is revoked at once', async () => {
    const other = await ui.newPage();
    await other.goto(ui.url());
    await loginAs(other, BOB.username, BOB.next);
    await bob.reload();
    await bob.getByRole('heading', { name: 'Your account' }).waitFor();
    const rows = bob.getByTestId('session-row');
    await bob.waitForFunction(() => document.querySelectorAll('[data-testid=session-row]').length === 2, undefined, { timeout: 10_000 });
    assert.equal(await rows.count(), 2);
    await bob.locator('[data-testid=session-row][data-current=false]').getByRole('button', { name: 'Revoke' }).click();
    const confirm = bob.getByRole('dialog', { name: 'Revoke this session?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'detached' });
    await bob.waitForFunction(() => document.querySelectorAll('[data-testid=session-row]').length === 1, undefined, { timeout: 10_000 });
    await ui.shot('users-04-session-revoked', bob);
    await other.reload();
    await other.locator('input[name=username]').waitFor(); // back on the login page
  });

  test('the user creates an API token with an expiry: the secret shows once and works; revoking it stops it', async () => {
    const form = bob.getByTestId('token-create-form');
    await form.locator('input[name=name]').fill('script');
    await form.locator('input[name=expiresInDays]').fill('7');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = (await bob.getByTestId('token-secret').locator('code').innerText()).trim();
    assert.match(secret, /^obt_/);
    await bob.locator('[data-testid=token-row][data-name=script]').waitFor();
    assert.equal((await ui.server.call('GET', '/tokens', { token: secret })).status, 200);
    await ui.shot('users-05-token', bob);
    await bob.locator('[data-testid=token-row][data-name=script]').getByRole('button', { name: 'Revoke' }).click();
    await bob.getByRole('dialog', { name: 'Revoke the token script?' }).getByRole('button', { name: 'Revoke' }).click();
    await bob.locator('[data-testid=token-row][data-name=script]').waitFor({ state: 'detached' });
    assert.equal((await ui.server.call('GET', '/tokens', { token: secret })).status, 401);
  });

  test('the admin disables the user (their browser is logged out), resets the password, and deletes them', async () => {
    const { page } = ui;
    const row = page.locator('[data-testid=user-row][data-username=bob]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    await bob.reload();
    await bob.locator('input[name=username]').waitFor();
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByText('enabled', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Reset password' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset the password of bob' });
    await reset.locator('input[name=newPassword]').fill('R3setBob999');
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await reset.waitFor({ state: 'detached' });
    await loginAs(bob, BOB.username, 'R3setBob999');
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete user bob?' });
    await ui.shot('users-06-delete-confirm');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await bob.reload();
    await bob.locator('input[name=username]').waitFor();
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
