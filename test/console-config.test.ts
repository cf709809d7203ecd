import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole, seriousViolations, signIn } from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

const keys = ['ok-alpha-default-key', 'ok-bravo-default-key', 'ok-charlie-default-key'];

// The configuration page in a real browser against a real gateway: a setting changed there applies
// to the next client request without a restart; wrong input is refused before anything is sent;
// a saved value goes back to the environment's; secrets stay masked until revealed.
// Browser steps on a loaded CI machine take several times their time here.
describe('the configuration page', { timeout: 60_000 }, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    stack = await startStack({ MAX_RETRIES: '2' }, {}, { consoleDirectory });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signedIn(page: Page) {
    await signIn(page, stack.adminToken);
    await page.getByRole('heading', { name: 'Configuration', level: 1 }).waitFor();
    await page.locator('#setting-MAX_RETRIES').waitFor();
  }

  /** The saved values in the database, as the gateway stored them. */
  async function savedRows(): Promise<Record<string, string>> {
    const rows = await stack.gateway.database.db
      .selectFrom('setting')
      .select(['name', 'value'])
      .where('name', 'like', 'config.%')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.name.slice('config.'.length), row.value]));
  }

  async function listedModels(): Promise<string[]> {
    const response = await fetch(`${stack.url}/v1beta/models`, {
      headers: { 'x-goog-api-key': clientToken },
    });
    expect(response.status).toBe(200);
    const { models } = (await response.json()) as { models: { name: string }[] };
    return models.map((model) => model.name.replace(/^models\//, ''));
  }

  /** Upstream calls one client request makes when every key meets Google's own trouble: MAX_RETRIES. */
  async function attemptsOnTrouble(): Promise<number> {
    stack.fake.reset();
    for (const key of keys) stack.fake.script(key, 'overloaded');
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-pro:generateContent`,
      generateBody('hello'),
      { 'x-goog-api-key': clientToken },
    );
    expect(response.status).toBe(503);
    const calls = stack.fake.requests.filter((request) => request.method === 'POST').length;
    stack.fake.reset();
    return calls;
  }

  /** A setting's value as the operator API reads it. */
  async function readValue(name: string): Promise<unknown> {
    const response = await fetch(`${stack.url}/api/config/${name}/value`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    return ((await response.json()) as { value: unknown }).value;
  }

  const setting = (page: Page, name: string) => page.locator(`#setting-${name}`);
  const sourceOf = (page: Page, name: string) =>
    setting(page, name).locator('.badge[class*="source-"]').textContent();

  it('saves a model list edited in the page, and the next client request obeys it without a restart', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/config`, 'config-live');
    await signedIn(page);
    expect(await listedModels()).toContain('gemini-2.5-pro');

    const field = page.getByLabel('FILTERED_MODELS', { exact: true });
    const before = await field.inputValue();
    expect(before.split('\n')).toContain('gemini-pro-vision');
    await field.fill(`${before}\ngemini-2.5-pro`);
    expect(await page.getByRole('status').first().textContent()).toContain('1 unsaved change');
    await page.getByRole('button', { name: 'Save changes (1)' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Saved 1 change');

    // Stored, in force, and shown as saved: no restart in between.
    expect(JSON.parse((await savedRows()).FILTERED_MODELS ?? '[]')).toContain('gemini-2.5-pro');
    expect(await listedModels()).not.toContain('gemini-2.5-pro');
    expect(await sourceOf(page, 'FILTERED_MODELS')).toContain('Saved');
    expect(await setting(page, 'FILTERED_MODELS').locator('.setting-fallback').textContent()).toContain(
      'the default: gemini-1.0-pro-vision-latest, gemini-pro-vision',
    );

    await page.getByRole('button', { name: 'Use environment value FILTERED_MODELS' }).click();
    await expect.poll(() => sourceOf(page, 'FILTERED_MODELS')).toContain('Default');
    expect(await field.inputValue()).toBe(before);
    expect(await savedRows()).toEqual({});
    expect(await listedModels()).toContain('gemini-2.5-pro');
    await finish();
  });

  it('refuses text in a number field, a number out of range and bad JSON in the browser, and saves nothing', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/config`, 'config-invalid');
    await signedIn(page);
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET') puts.push(`${request.method()} ${request.url()}`);
    });

    await page.getByLabel('MAX_RETRIES', { exact: true }).fill('many');
    await expect.poll(() => setting(page, 'MAX_RETRIES').textContent()).toContain('Enter a whole number.');
    expect(await page.getByLabel('MAX_RETRIES', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('THINKING_BUDGET_MAP', { exact: true }).fill('{"gemini-2.5-flash": 1024');
    await expect
      .poll(() => setting(page, 'THINKING_BUDGET_MAP').textContent())
      .toContain('This is not valid JSON.');
    await page.getByRole('button', { name: 'Save changes (2)' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('Nothing was saved: 2 settings need fixing.');
    // The first wrong field has the focus, for the operator to fix.
    expect(await page.evaluate('document.activeElement.id')).toBe('setting-MAX_RETRIES-control');

    await page.getByLabel('MAX_RETRIES', { exact: true }).fill('500');
    await expect
      .poll(() => setting(page, 'MAX_RETRIES').textContent())
      .toContain('Enter a value from 1 to 100.');
    expect(puts).toEqual([]);
    expect(await savedRows()).toEqual({});

    // A value the browser cannot judge is refused by the gateway, and named beside its field.
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await page.getByLabel('MAX_RETRIES', { exact: true }).inputValue()).toBe('2');
    await page.getByLabel('CUSTOM_HEADERS', { exact: true }).fill('{"not a header name": "x"}');
    await page.getByRole('button', { name: 'Save changes (1)' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('the gateway refused these values');
    expect(await setting(page, 'CUSTOM_HEADERS').locator('.setting-problem').textContent()).toContain(
      'header name',
    );
    expect(await savedRows()).toEqual({});
    await finish(/status of 400/);
  });

  it('shows a saved value as saved, and "Use environment value" brings back the environment’s', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/config`, 'config-environment');
    await signedIn(page);
    const retries = page.getByLabel('MAX_RETRIES', { exact: true });
    expect(await retries.inputValue()).toBe('2');
    expect(await sourceOf(page, 'MAX_RETRIES')).toContain('Environment');

    expect(await attemptsOnTrouble()).toBe(2);

    await retries.fill('1');
    await page.getByRole('button', { name: 'Save changes (1)' }).click();
    await expect.poll(() => sourceOf(page, 'MAX_RETRIES')).toContain('Saved');
    expect(await retries.inputValue()).toBe('1');
    // What "Use environment value" would bring back is named beside it.
    expect(await setting(page, 'MAX_RETRIES').locator('.setting-fallback').textContent()).toBe(
      'Environment’s value: 2',
    );
    expect(await savedRows()).toEqual({ MAX_RETRIES: '1' });
    // The next request spends one attempt: the saved value is in force, without a restart.
    expect(await attemptsOnTrouble()).toBe(1);

    await page.getByRole('button', { name: 'Use environment value MAX_RETRIES' }).click();
    await expect.poll(() => sourceOf(page, 'MAX_RETRIES')).toContain('Environment');
    expect(await retries.inputValue()).toBe('2');
    expect(await savedRows()).toEqual({});
    expect(await attemptsOnTrouble()).toBe(2);
    // Settings read at start are shown with the reason, not offered for editing.
    expect(await setting(page, 'PORT').textContent()).toContain('Restart needed');
    expect(await setting(page, 'PORT').locator('input, textarea, select').count()).toBe(0);
    await finish();
  });

  it('masks a secret until Reveal shows it, and never shows the admin token', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/config`, 'config-secret');
    await signedIn(page);
    const tokens = setting(page, 'ALLOWED_TOKENS');
    expect(await tokens.textContent()).not.toContain(clientToken);
    expect(await tokens.locator('textarea').count()).toBe(0);

    await page.getByRole('button', { name: 'Reveal ALLOWED_TOKENS' }).click();
    const field = page.getByLabel('ALLOWED_TOKENS', { exact: true });
    await field.waitFor();
    expect(await field.inputValue()).toBe(clientToken);
    await page.getByRole('button', { name: 'Hide ALLOWED_TOKENS' }).click();
    await expect.poll(() => tokens.locator('textarea').count()).toBe(0);
    expect(await tokens.textContent()).not.toContain(clientToken);

    const admin = setting(page, 'AUTH_TOKEN');
    expect(await admin.getByRole('button').count()).toBe(0);
    expect(await admin.textContent()).not.toContain(stack.adminToken);
    expect(await page.content()).not.toContain(stack.adminToken);
    await finish();
  });

  it('filters by search, jumps to a group, and reads in Chinese', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/config?q=retries`, 'config-search');
    await signedIn(page);
    await expect.poll(() => page.locator('.setting').count()).toBe(1);
    expect(await page.locator('.setting').first().getAttribute('id')).toBe('setting-MAX_RETRIES');
    await page.getByLabel('Search settings').fill('keep-alives of');
    await expect.poll(() => page.locator('.setting').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('keep-alives of');
    await page.getByLabel('Search settings').fill('');
    await page.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: 'Streaming' }).click();
    expect(new URL(page.url()).hash).toBe('#group-Stream');

    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '流式输出' }).waitFor();
    expect(await setting(page, 'MAX_RETRIES').textContent()).toContain('每次换一个密钥');
    await page.getByLabel('搜索设置').fill('密钥池');
    await expect.poll(() => page.locator('.setting').count()).toBe(1);
    await page.getByLabel('语言').selectOption('en');
    await finish();
  });

  it('has no serious accessibility violation, in light and dark, and works on a phone', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, finish } = await openConsole(
        browser,
        `${stack.url}/config`,
        `config-a11y-${colorScheme}`,
        {
          colorScheme,
        },
      );
      await signedIn(page);
      // A change pending, a problem shown and a secret revealed: every state of a field checked.
      await page.getByLabel('MAX_RETRIES', { exact: true }).fill('many');
      await page.getByLabel('SHOW_SEARCH_LINK', { exact: true }).click();
      await page.getByRole('button', { name: 'Reveal ALLOWED_TOKENS' }).click();
      await page.getByLabel('ALLOWED_TOKENS', { exact: true }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await finish();
    }

    const { page, finish } = await openConsole(browser, `${stack.url}/config`, 'config-phone', {
      phone: true,
    });
    await signedIn(page);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByLabel('STREAM_CHUNK_SIZE', { exact: true }).fill('8');
    const save = page.getByRole('button', { name: 'Save changes (1)' });
    // The save bar stays in view at the foot of the screen while the page scrolls.
    expect(await save.isVisible()).toBe(true);
    const box = await save.boundingBox();
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(844);
    await save.click();
    await expect.poll(() => sourceOf(page, 'STREAM_CHUNK_SIZE')).toContain('Saved');
    expect(await readValue('STREAM_CHUNK_SIZE')).toBe(8);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Use environment value STREAM_CHUNK_SIZE' }).click();
    await expect.poll(() => sourceOf(page, 'STREAM_CHUNK_SIZE')).toContain('Default');
    await finish();
  }, 60_000);
});
