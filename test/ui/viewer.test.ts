/**
 * Story: a viewer. A user who is only a viewer of the default group sees the instance list and
 * an instance's page without the controls the API would refuse them: no New instance, no
 * start or delete, no console tabs; the admin, in the same run, sees them all.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hashPassword } from '../../src/services/passwords.js';
import { DEFAULT_GROUP_ID } from '../../src/shared/permissions.js';
import { axeViolations, skipUi, startUi, type Ui } from './fixture.js';

const VIEWER = { username: 'vera', password: 'Viewer1pass' };
/** The power and delete controls (the instance's other panels, e.g. snapshots and disks, still show theirs; the API refuses them). */
const POWER = ['start', 'start-from-iso', 'resume', 'stop', 'reboot', 'pause', 'force-stop', 'reset', 'delete'].map((a) => `[data-action="${a}"]`).join(', ');

describe('browser UI: a viewer sees no controls they may not use', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let instanceId: string;
  before(async () => {
    ui = await startUi();
    // Users are made through the users API elsewhere; here the row is written directly (the server runs on WAL).
    const db = new Database(join(ui.server.dataDir, 'onebox.db'));
    db.prepare(`INSERT INTO users (id, username, password_hash, role) VALUES ('usr_vera', ?, ?, 'user')`).run(VIEWER.username, await hashPassword(VIEWER.password));
    db.close();
    const member = await ui.server.call('POST', `/groups/${DEFAULT_GROUP_ID}/members`, { json: { userId: 'usr_vera', role: 'viewer' } });
    assert.equal(member.status, 201);
    const created = await ui.server.json('POST', '/instances', { json: { name: 'watched', cores: 1, memoryMiB: 128, disk: { source: 'blank', sizeGiB: 1 } } });
    instanceId = created.instance.id;
    for (let i = 0; i < 600 && (await ui.server.json('GET', `/operations/${created.operation.id}`)).state === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
  });
  after(() => ui?.close());

  test('the viewer reads the list and the instance, with no create, power, delete or console controls', async () => {
    const { page } = ui;
    await page.goto(ui.url('instances'));
    await page.locator('input[name=username]').fill(VIEWER.username);
    await page.locator('input[name=password]').fill(VIEWER.password);
    await page.locator('form button[type=submit]').click();
    await page.locator('.footer-user', { hasText: VIEWER.username }).waitFor();
    await page.goto(ui.url('instances'));
    await page.getByRole('link', { name: 'watched' }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'New instance' }).count(), 0);
    assert.equal(await page.locator(POWER).count(), 0, 'no row controls');
    await page.goto(ui.url(`instances/${instanceId}`));
    await page.getByRole('heading', { name: /watched/ }).waitFor();
    assert.equal(await page.locator(POWER).count(), 0, 'no start or delete');
    assert.equal(await page.getByRole('button', { name: /^Clone/ }).count(), 0, 'no clone');
    await page.locator('#disks-table').waitFor();
    for (const action of ['take-snapshot', 'add-disk', 'grow-disk', 'add-nic', 'create-image', 'reset-system-disk', 'migrate'])
      assert.equal(await page.locator(`[data-action=${action}]`).count(), 0, `no ${action} for a viewer`);
    const tabs = await page.locator('nav.tabs a').allTextContents();
    assert.deepEqual(tabs, ['Overview', 'Settings']);
    assert.equal(await page.locator('nav.sidenav a', { hasText: 'Audit log' }).count(), 0, 'no audit log for a viewer');
    await page.goto(ui.url(`instances/${instanceId}/settings`));
    await page.getByTestId('instance-settings').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0, 'no edit');
    await ui.shot('viewer-instance');
    assert.deepEqual(await axeViolations(page), [], 'axe on the viewer’s instance page');
  });

  test('the admin sees the same page with its controls', async () => {
    const page = await ui.newPage();
    await page.goto(ui.url(`instances/${instanceId}`));
    await ui.login(page);
    await page.getByRole('heading', { name: /watched/ }).waitFor();
    await page.locator('[data-action=start]').waitFor();
    assert.equal(await page.locator('[data-action=delete]').count(), 1);
    assert.equal(await page.getByRole('button', { name: /^Clone/ }).count(), 1);
    await page.locator('#disks-table').waitFor();
    for (const action of ['take-snapshot', 'add-disk', 'grow-disk', 'add-nic'])
      assert.equal(await page.locator(`[data-action=${action}]`).count(), 1, `${action} for the admin`);
    assert.equal(await page.locator('nav.tabs a').count(), 4);
    assert.equal(await page.locator('nav.sidenav a', { hasText: 'Audit log' }).count(), 1);
  });
});
