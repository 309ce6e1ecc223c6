/**
 * Story: the Guest card of an instance page. Stopped, the agent is a quiet "unavailable" and Set
 * guest password is disabled; running without a guest agent (a blank-disk guest), the dialog
 * checks the password as you type and shows the API's refusal (guest_agent_unavailable) in place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, createInstance, skipUi, startUi, type Ui } from './fixture.js';

describe('browser UI: the guest card', { skip: skipUi, timeout: 240_000 }, () => {
  let ui: Ui;
  let page: Page;
  before(async () => {
    ui = await startUi();
    page = ui.page;
    await page.goto(ui.url());
    await ui.login();
  });
  after(() => ui?.close());

  test('stopped: agent unavailable as a quiet state, Set guest password disabled; running without an agent: the dialog shows the refusal', async () => {
    const inst = await createInstance(ui.server, { name: 'guest-ui', disk: { source: 'blank', sizeGiB: 1 } });
    await page.goto(ui.url(`instances/${inst.id}`));
    const card = page.getByTestId('guest-panel');
    await card.getByTestId('guest-agent').getByText('unavailable').waitFor();
    assert.equal(await card.locator('.text-error, [role=alert]').count(), 0, 'no error shown for a silent agent');
    const button = card.getByRole('button', { name: 'Set guest password' });
    assert.equal(await button.isDisabled(), true);

    const started = await ui.server.call('POST', `/instances/${inst.id}/actions/start`);
    assert.equal(started.status, 200, await started.clone().text());
    await page.waitForFunction(() => !document.querySelector('[data-testid=guest-panel] button')?.hasAttribute('disabled'));
    assert.match(await card.getByTestId('guest-agent').innerText(), /unavailable/);
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Set a guest password on guest-ui' });
    await dialog.locator('input[name=password]').fill('short');
    await dialog.getByText('The password must have at least 8 characters.').waitFor();
    await dialog.locator('input[name=username]').fill('Root');
    await dialog.getByText(/The guest user must be a Linux login name/).waitFor();
    await dialog.locator('input[name=username]').fill('');
    await dialog.locator('input[name=password]').fill('Guest-Pass-1');
    assert.deepEqual(await axeViolations(page), [], 'the Set guest password dialog passes axe');
    await ui.shot('guest-01-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/guest agent of instance 'guest-ui' does not answer/).waitFor();
    await ui.shot('guest-02-refused');
    assert.equal((await ui.server.call('POST', `/instances/${inst.id}/actions/force-stop`)).status, 200);
  });
});
