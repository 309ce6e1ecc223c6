/**
 * Story: the first visit. The initial admin with the password rules checked while typing, the
 * dashboard, logout, a refused login and a login.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { miniImagePath } from '../fixtures/mini-image.js';
import { ADMIN, axeViolations, skipUi, startUi, tokenForAdmin, uploadImage, type Ui } from './fixture.js';

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
    await page.locator('input[name=setupCode]').fill(ui.server.setupCode());
    // On by default; off here: on the system libvirtd a NAT network would add a bridge to the root namespace.
    assert.equal(await page.locator('input[name=createNetwork]').isChecked(), true);
    await page.locator('input[name=createNetwork]').uncheck();
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('password');
    await page.locator('.hint-weak').waitFor();
    assert.ok((await page.locator('.rules .rule-broken').count()) >= 2, 'digit and upper-case rules are shown as broken');
    await ui.shot('01-setup-weak-password');
    assert.deepEqual(await axeViolations(page), [], 'axe on the setup page');
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('input[name=repeat]').fill(ADMIN.password);
    assert.equal(await page.locator('.hint-weak').count(), 0);
    assert.equal(await page.locator('.rules .rule-broken').count(), 0);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.locator('.footer-user', { hasText: ADMIN.username }).waitFor();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('.tile').first().waitFor();
    await ui.shot('02-dashboard');

    await ui.logout();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('Wrong1234');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.note-error').waitFor();
    await ui.shot('03-login-failed');
    await page.reload();
    await ui.login();
  });

  test('the dashboard says guests run under TCG, shows one card for the one pool, and the next steps', async () => {
    const { page } = ui;
    await page.locator('.sidenav a', { hasText: 'Dashboard' }).click();
    const steps = page.getByTestId('next-steps');
    await steps.waitFor();
    await ui.shot('first-run-00-dashboard-next-steps');
    await tokenForAdmin(ui.server);
    const host = (await ui.server.json('GET', '/hosts')).items[0];
    if (host.accel === 'tcg') {
      const notice = page.getByTestId('tcg-notice');
      await notice.getByText('Guests run under TCG: software emulation').waitFor();
      assert.ok((await notice.innerText()).includes(host.accelReason), 'the notice says why');
    } else assert.equal(await page.getByTestId('tcg-notice').count(), 0);
    assert.equal(await page.locator('main .usage-summary').count(), 1, 'one usage card on a one-pool install');
    assert.equal(await page.getByRole('heading', { name: 'Zone', exact: true }).count(), 0);
    await steps.getByRole('link', { name: 'Upload a disk image' }).waitFor();
    await steps.getByRole('button', { name: 'Create your first instance' }).waitFor();
  });

  test('with nothing to install from, the empty instance list leads to the upload', async () => {
    const { page } = ui;
    await page.locator('.sidenav a', { hasText: 'Instances' }).click();
    const empty = page.getByTestId('instances-empty');
    await empty.waitFor();
    await ui.shot('first-run-01-instances-empty');
    await empty.getByRole('link', { name: 'Upload a disk image' }).click();
    await page.waitForURL(/#\/images$/);
    await page.getByRole('heading', { name: 'Images', exact: true }).waitFor();
  });

  test('the create dialog starts from the uploaded image; a blank disk without an ISO needs a tick', async () => {
    const { page, server } = ui;
    await uploadImage(server, await miniImagePath(), 'mini');
    await page.goto(ui.url('instances'));
    await page.getByTestId('instances-empty').getByRole('button', { name: 'Create the first instance' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    assert.equal(await dialog.locator('input[name=source][value=image]').isChecked(), true, 'the default system disk is the image');
    await ui.shot('first-run-02-create-defaults');

    await dialog.locator('input[name=source][value=blank]').check();
    await dialog.getByTestId('blank-no-iso').waitFor();
    await dialog.locator('input[name=name]').fill('bare');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Tick the box above to create an instance that cannot boot yet.').waitFor();
    await ui.shot('first-run-03-create-blank-warning');
    assert.deepEqual((await server.json('GET', '/instances')).items, [], 'nothing was created without the tick');
    await dialog.locator('input[name=confirmBlank]').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/#\/instances\/ins_/);
    const [created] = (await server.json('GET', '/instances')).items;
    assert.equal(created.name, 'bare');
    assert.equal(created.cloneMode, 'blank');
    // With an instance, the dashboard no longer shows the next steps.
    await page.locator('.sidenav a', { hasText: 'Dashboard' }).click();
    await page.locator('main .usage-summary').waitFor();
    assert.equal(await page.getByTestId('next-steps').count(), 0);
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
