/**
 * Story: a Chinese-speaking user. Chooses 简体中文 on the login page (remembered after a
 * reload), logs in (a wrong password is refused in Chinese, translated from the API's code),
 * and tours the dashboard, the create dialog (a refusal with names, translated), the networks
 * and address pools pages with their create dialogs, and the instance page. On each page no untranslated text shows: no English string of the catalogue, and no
 * run of English words outside what is marked as the server's own English (`lang="en"`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { en } from '../../src/ui/i18n/en.js';
import { zhCN } from '../../src/ui/i18n/zh-cn.js';
import { miniImagePath } from '../fixtures/mini-image.js';
import { ADMIN, createInstance, skipUi, startUi, uploadImage, type Ui } from './fixture.js';

/** English strings of the catalogue whose Chinese differs: none may show in the Chinese UI. */
function englishOnly(): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown) => {
    if (typeof a === 'string' && a !== b && /\p{L}{3}/u.test(a) && a.length >= 5) out.push(a);
    if (typeof a === 'object' && a && typeof b === 'object' && b) for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  };
  walk(en, zhCN);
  return out;
}

/**
 * The text a user sees (and hears: labels, titles, placeholders), except what is marked as
 * English. A string, not a function: tsx would add helpers the page does not have.
 */
const SHOWN_TEXT = `(() => {
  const parts = [];
  const skip = (e) => e.closest('[lang="en"]') || ['SCRIPT', 'STYLE', 'CANVAS'].includes(e.tagName) || e.closest('.xterm');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (n.nodeType === 1 && skip(n) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.nodeType === 3) {
      if (n.parentElement && !n.parentElement.closest('dialog:not([open]), details:not([open]) > :not(summary)')) parts.push(n.nodeValue || '');
    } else {
      for (const attr of ['title', 'placeholder', 'aria-label']) {
        const v = n.getAttribute(attr);
        if (v) parts.push(v);
      }
    }
  }
  return parts.join('\\n');
})()`;

const shownText = (page: Page): Promise<string> => page.evaluate(SHOWN_TEXT);

describe('browser UI in Simplified Chinese', { skip: skipUi, timeout: 180_000 }, () => {
  let ui: Ui;
  let page: Page;
  let instanceId = '';
  const catalogueEnglish = englishOnly();
  /** Names the test gave things (they are data, not UI text). */
  const data = ['system-test', 'onebox', ADMIN.username, 'mini', 'zh-1', 'default'];

  before(async () => {
    ui = await startUi();
    page = ui.page;
    const image = await uploadImage(ui.server, await miniImagePath(), 'mini');
    instanceId = (await createInstance(ui.server, { name: 'zh-1', disk: { source: 'image', imageId: image.id } })).id;
  });
  after(() => ui?.close());

  /** Fails on English text shown on the current page. */
  async function assertTranslated(where: string): Promise<void> {
    // Names the test made are data, not untranslated text (the fixture's API token is 'system-test').
    let rest = await shownText(page);
    for (const d of data) rest = rest.split(d).join(' ');
    const leftovers = catalogueEnglish.filter((s) => rest.includes(s));
    assert.deepEqual(leftovers, [], `${where}: English catalogue strings shown`);
    const runs = rest.match(/\b[A-Za-z]{2,}(?:[ -][A-Za-z]{2,}){2,}\b/g) ?? [];
    assert.deepEqual(runs, [], `${where}: runs of English words`);
  }

  test('the language is chosen on the login page and remembered in this browser', async () => {
    await page.goto(ui.url());
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: '登录' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.reload();
    await page.getByRole('button', { name: '登录' }).waitFor();
    assert.equal(await page.title(), '登录 · onebox');
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill('Wrong1234');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('.note-error', { hasText: '用户名或密码错误。' }).waitFor();
    await assertTranslated('login page');
    await ui.shot('zh-01-login');
    await ui.login();
  });

  test('dashboard, create dialog, networks pages and instance page speak Chinese', async () => {
    await page.getByRole('heading', { name: '概览', exact: true }).waitFor();
    await page.locator('main .usage-summary').waitFor();
    await assertTranslated('dashboard');
    await ui.shot('zh-02-dashboard');

    await page.locator('.sidenav a', { hasText: '实例' }).click();
    await page.getByRole('button', { name: '新建实例' }).click();
    const dialog = page.getByRole('dialog', { name: '新建实例' });
    await dialog.locator('select[name=imageId] option', { hasText: 'mini' }).waitFor({ state: 'attached' });
    await dialog.locator('input[name=name]').fill('zh-1');
    await dialog.locator('input[name=start]').uncheck();
    await dialog.getByRole('button', { name: '创建' }).click();
    await dialog.locator('.note-error', { hasText: '资源池“default”中已有名为“zh-1”的实例。' }).waitFor();
    await dialog.locator('input[name=name]').fill('bad name');
    await dialog.getByRole('button', { name: '创建' }).click();
    await dialog.getByText('名称只能包含字母、数字和“-”').waitFor();
    await assertTranslated('create dialog');
    await ui.shot('zh-03-create-dialog');
    await page.keyboard.press('Escape');

    for (const [nav, button] of [['网络', '新建网络'], ['地址池', '新建地址池']]) {
      await page.locator('.sidenav a', { hasText: nav }).click();
      await page.getByRole('heading', { name: nav, exact: true }).waitFor();
      await page.locator('main p.empty').waitFor();
      await assertTranslated(`${nav} page`);
      await page.getByRole('button', { name: button }).click();
      const create = page.getByRole('dialog', { name: button });
      await create.waitFor();
      await assertTranslated(`${button} dialog`);
      await ui.shot(`zh-05-${nav === '网络' ? 'networks' : 'address-pools'}-create`);
      await page.keyboard.press('Escape');
      await create.waitFor({ state: 'detached' });
    }

    await page.goto(ui.url(`instances/${instanceId}`));
    await page.getByTestId('instance-details').getByRole('link', { name: 'default' }).waitFor();
    await assertTranslated('instance page');
    await ui.shot('zh-04-instance');

    // The user menu has the language too; English comes back from there.
    const menu = page.getByTestId('user-menu');
    await menu.locator('summary').click();
    assert.equal(await menu.locator('select[name=language]').inputValue(), 'zh-CN');
    await menu.locator('select[name=language]').selectOption('en');
    await page.getByRole('link', { name: 'Overview' }).waitFor();
  });

  test('the Users page, its create dialog and the Account page speak Chinese', async () => {
    // The story before ended in English (chosen from the user menu): back to Chinese the same way.
    const menu = page.getByTestId('user-menu');
    if (!(await menu.evaluate((e) => (e as HTMLDetailsElement).open))) await menu.locator('summary').click();
    await menu.locator('select[name=language]').selectOption('zh-CN');
    // The switch re-renders every page: wait for it before leaving, so the next page cannot
    // load in between (under load the navigation once raced the re-render and came up English).
    await page.getByRole('link', { name: '概览' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.goto(ui.url('users'));
    await page
      .getByRole('heading', { name: '用户', exact: true })
      .waitFor()
      .catch(async (err: Error) => {
        // What the page showed instead (it failed here twice in CI and never alone): say it.
        await ui.shot('zh-05-users-failed');
        throw new Error(`${err.message}\nthe page (${page.url()}, lang ${await page.evaluate(() => document.documentElement.lang)}) showed:\n${(await page.locator('body').innerText()).slice(0, 1500)}`);
      });
    await page.getByTestId('user-row').first().waitFor();
    await assertTranslated('users page');
    await page.getByRole('button', { name: '新建用户' }).click();
    const create = page.getByRole('dialog', { name: '创建用户' });
    await create.locator('input[name=username]').fill('zh user');
    await create.locator('input[name=password]').fill('Zh1Password');
    await create.getByRole('button', { name: '创建' }).click();
    await create.getByText('用户名只能包含字母、数字').waitFor();
    await assertTranslated('create-user dialog');
    await ui.shot('zh-06-users-create');
    await page.keyboard.press('Escape');
    await create.waitFor({ state: 'detached' });
    await page.goto(ui.url('account'));
    await page.getByRole('heading', { name: '你的账户' }).waitFor();
    await page.getByTestId('session-row').first().waitFor();
    await assertTranslated('account page');
    await ui.shot('zh-07-account');
    await page.goto(ui.url());
  });

  test('no uncaught page errors', () => {
    assert.deepEqual(ui.errors, []);
  });
});
