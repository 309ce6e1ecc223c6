/**
 * Story: a keyboard and screen-reader user. Dialogs take the focus, keep it and give it back;
 * activity cards and errors are announced (live regions); every page has its own title; axe-core
 * finds no serious or critical violation on any page. The server runs in a lab (test/lab), so the
 * networks pages can show a NAT network without one on the system libvirtd.
 */
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { miniImagePath } from '../fixtures/mini-image.js';
import { axeViolations, createInstance, skipLabUi, startUi, uploadImage, type Ui } from './fixture.js';

/** Whether the focused element is inside the open dialog. */
const focusInDialog = (page: Page) => page.evaluate(() => document.querySelector('dialog[open]')?.contains(document.activeElement) === true);

describe('browser UI: keyboard and screen readers', { skip: skipLabUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  let instanceId = '';
  let hostId = '';
  let networkId = '';
  let addressPoolId = '';
  const junk = join(tmpdir(), `onebox-ui-junk-${process.pid}.qcow2`);

  before(async () => {
    writeFileSync(junk, 'not a disk image\n');
    ui = await startUi({ lab: `a11y-${process.pid}` });
    page = ui.page;
    const lab = ui.lab!;
    const net = await ui.server.json('POST', '/networks', { json: { kind: 'nat', name: 'natnet', subnet: `${lab.address(1, 0)}/24` } });
    networkId = net.id;
    const range = { start: lab.address(1, 10), end: lab.address(1, 19), prefix: 24 };
    addressPoolId = (await ui.server.json('POST', '/address-pools', { json: { name: 'natpool', network: net.id, gateway: net.gateway, ranges: [range] } })).id;
    const image = await uploadImage(ui.server, await miniImagePath(), 'mini');
    instanceId = (await createInstance(ui.server, { name: 'ui-1', disk: { source: 'image', imageId: image.id } })).id;
    hostId = (await ui.server.json('GET', '/hosts')).items[0].id;
    await page.goto(ui.url());
    await ui.login();
  });
  after(async () => {
    await ui?.close();
    rmSync(junk, { force: true });
  });

  test('a dialog takes the focus, keeps it on Tab and Shift+Tab, and Escape gives it back to the opener', async () => {
    await page.goto(ui.url('instances'));
    const opener = page.getByRole('button', { name: 'New instance' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.waitFor();
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'name', undefined, { timeout: 5000 });
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await focusInDialog(page), `focus left the dialog after ${i + 1} Tab presses`);
    }
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift+Tab');
      assert.ok(await focusInDialog(page), `focus left the dialog after ${i + 1} Shift+Tab presses`);
    }
    await ui.shot('a11y-01-dialog-focus');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await opener.evaluate((e) => e === document.activeElement), true, 'the focus is back on "New instance"');
  });

  test('activity cards are in a polite live region, errors are alerts', async () => {
    await page.goto(ui.url('images'));
    const region = page.locator('[role=status][aria-live=polite]');
    assert.equal(await region.count(), 1, 'the live region is in the page before anything happens');
    const form = page.getByRole('form', { name: 'Upload' });
    await form.locator('input[type=file]').setInputFiles(junk);
    await form.locator('input[name=name]').fill('mini'); // taken: the server refuses it
    await form.getByRole('button', { name: 'Upload' }).click();
    await region.locator('.activity-item[data-state=failed]', { hasText: 'mini' }).waitFor({ timeout: 30_000 });
    await form.locator('[role=alert]').waitFor();
    await ui.shot('a11y-02-live-regions');
  });

  test('every page has its own title', async () => {
    const routes = ['dashboard', 'instances', `instances/${instanceId}`, 'images', 'media', 'hosts', `hosts/${hostId}`, 'pools', 'pools/default', 'networks', `networks/${networkId}`, 'address-pools', `address-pools/${addressPoolId}`, 'audit', 'users', 'account'];
    const titles: string[] = [];
    for (const route of routes) {
      await page.goto(ui.url(route));
      await page.locator('main h1').first().waitFor();
      await page.waitForFunction(() => document.title !== 'onebox', undefined, { timeout: 5000 }).catch(() => undefined);
      titles.push(await page.title());
    }
    assert.equal(new Set(titles).size, routes.length, `distinct titles: ${titles.join(' | ')}`);
    assert.ok(titles.includes('ui-1 · Instances · onebox'), titles.join(' | '));
    assert.ok(titles.includes('Images · onebox'), titles.join(' | '));
    assert.ok(titles.includes('natpool · Address pools · onebox'), titles.join(' | '));
    await ui.logout();
    assert.equal(await page.title(), 'Log in · onebox');
    await ui.login();
  });

  test('axe-core finds no serious or critical violation on any page', async () => {
    const findings: string[] = [];
    const check = async (where: string) => {
      for (const v of await axeViolations(page)) findings.push(`${where}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.slice(0, 3).join(', ')}`);
    };
    await ui.logout();
    await check('login');
    await ui.login();
    const routes = ['dashboard', 'instances', `instances/${instanceId}`, `instances/${instanceId}/console`, `instances/${instanceId}/serial`, `instances/${instanceId}/settings`, 'images', 'media', 'hosts', `hosts/${hostId}`, 'pools', 'pools/default', 'networks', `networks/${networkId}`, 'address-pools', `address-pools/${addressPoolId}`, 'audit', 'users', 'account'];
    for (const route of routes) {
      await page.goto(ui.url(route));
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(400);
      await check(`#/${route}`);
    }
    await page.goto(ui.url('instances'));
    await page.getByRole('button', { name: 'New instance' }).click();
    await page.getByRole('dialog', { name: 'New instance' }).locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    await check('create dialog');
    await page.keyboard.press('Escape');
    const dialogs: [string, string, string][] = [
      ['networks', 'New network', 'New network'],
      ['address-pools', 'New address pool', 'New address pool'],
      [`hosts/${hostId}`, 'Make a bridge', 'Make a bridge for bridged networking'],
      [`instances/${instanceId}`, 'Take snapshot…', 'Take a snapshot of ui-1'],
      ['users', 'New user', 'Create a user'],
    ];
    for (const [route, button, title] of dialogs) {
      await page.goto(ui.url(route));
      await page.getByRole('button', { name: button }).click();
      const dialog = page.getByRole('dialog', { name: title });
      await dialog.waitFor();
      await page.waitForTimeout(400);
      await check(`${title} dialog`);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    }
    assert.deepEqual(findings, []);
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
