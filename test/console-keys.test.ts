import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { launchBrowser, openConsole, seriousViolations, signIn } from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// The keys page in a real browser against a real gateway and the fake upstream: keys added by
// paste, a refused key and a resting one as a failover leaves them, rests cleared, keys verified
// with progress, switched off and on, notes and tags, a whole key searched without a URL holding it.

const refusedKey = 'invalid-keys-page-refused-first';
const restingKey = 'quota-minute-keys-page-resting-second';
const healthyKey = 'ok-keys-page-healthy-third-key';
// Two Google-shaped keys (AIza and 35 more), among prose as an operator would paste them.
const pastedKeys = [`AIza${'Pq7'.repeat(11)}x0`, `AIza${'Zr4'.repeat(11)}y1`];
const idOf = (secret: string) => createKeyIdentity(secret).id;

describe('the keys page', { timeout: 60_000 }, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    // The refused key first, so the first request fails over from it (and from the resting one).
    stack = await startStack(
      { API_KEYS: [refusedKey, restingKey, healthyKey].join(',') },
      { retryDelaySeconds: 600 },
      { consoleDirectory },
    );
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const signedIn = (page: Page) => signIn(page, stack.adminToken);

  const row = (page: Page, secret: string) => page.locator(`tr[data-key-id="${idOf(secret)}"]`);

  async function keyOf(secret: string) {
    const response = await fetch(`${stack.url}/api/keys/${idOf(secret)}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      status: string;
      state: string;
      note: string;
      tags: string[];
    };
  }

  it('adds the keys found in pasted text', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-add');
    await signedIn(page);
    await row(page, healthyKey).waitFor();
    await page.getByRole('button', { name: 'Add keys' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add keys' });
    await dialog
      .getByLabel('Text with keys')
      .fill(
        `Keys for the team:\nthe first is ${pastedKeys[0]} (project A),\n"${pastedKeys[1]}" is B's; ${pastedKeys[0]} again.`,
      );
    await dialog.getByRole('button', { name: 'Add the keys' }).click();
    await expect
      .poll(() => dialog.getByRole('status').textContent())
      .toBe('Added 2; 0 already in the pool; 1 repeated in the text; 0 malformed.');
    for (const secret of pastedKeys) expect(stack.gateway.pool.findSecret(secret)?.id).toBe(idOf(secret));
    await dialog.getByRole('button', { name: 'Close' }).click();
    for (const secret of pastedKeys) {
      await row(page, secret).waitFor();
      expect(await row(page, secret).textContent()).toContain(`${secret.slice(0, 4)}…${secret.slice(-4)}`);
    }
    await finish();
  });

  it('shows the key a failover refused, and clears the rest of a resting one', async () => {
    const response = await post(
      `${stack.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hello'),
      { authorization: `Bearer ${clientToken}` },
    );
    expect(response.status).toBe(200);
    expect(stack.fake.callsFor(refusedKey)).toBeGreaterThan(0);
    // The refusal is confirmed by a probe in the background.
    await expect.poll(() => stack.gateway.pool.stateOf(idOf(refusedKey))?.disabled?.reason).toBe('invalid');

    // The dashboard links to the refused keys this way.
    const { page, finish } = await openConsole(browser, `${stack.url}/keys?state=refused`, 'keys-refused');
    await signedIn(page);
    await row(page, refusedKey).waitFor();
    expect(await page.locator('tbody tr[data-key-id]').count()).toBe(1);
    expect(await row(page, refusedKey).textContent()).toContain('Refused');
    expect(await row(page, refusedKey).textContent()).toContain('invalid-key');
    expect(await page.getByRole('button', { name: /^Refused/ }).getAttribute('aria-pressed')).toBe('true');

    await page.getByRole('button', { name: /^Resting/ }).click();
    expect(new URL(page.url()).search).toBe('?state=resting');
    await row(page, restingKey).waitFor();
    expect(await row(page, restingKey).textContent()).toMatch(
      /gemini-2\.5-flash rests, (9|10) min \d+ s left · per-minute quota/,
    );
    const model = () => stack.gateway.pool.stateOf(idOf(restingKey))?.models['gemini-2.5-flash'];
    expect(model()?.coolUntilMs ?? 0).toBeGreaterThan(Date.now());

    await row(page, restingKey).getByRole('checkbox').check();
    await page.getByText('1 selected').waitFor();
    await page.getByRole('button', { name: 'Clear rest', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Rest cleared on 1 key.');
    expect(model()?.coolUntilMs ?? 0).toBeLessThanOrEqual(Date.now());
    expect((await keyOf(restingKey)).state).toBe('active');
    // The resting tab now has no key.
    await expect.poll(() => page.locator('tbody tr[data-key-id]').count()).toBe(0);
    await finish();
  });

  it('verifies every key on the page with a progress bar, switches a key off and on', async () => {
    const before = stack.fake.callsFor(pastedKeys[0] as string);
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-verify');
    await signedIn(page);
    await row(page, healthyKey).waitFor();
    await page.getByLabel('Select every key on this page').check();
    await page.getByText('5 selected').waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Verification finished' }).count())
      .toBe(1);
    const progress = page.getByRole('progressbar', { name: 'Verification progress' });
    expect(await progress.getAttribute('value')).toBe('5');
    expect(await progress.getAttribute('max')).toBe('5');
    expect(await page.getByRole('status').filter({ hasText: 'Verification finished' }).textContent()).toBe(
      'Verification finished: 4 serve, 1 refused, 0 unknown.',
    );
    // Each key was probed at the fake upstream.
    expect(stack.fake.callsFor(pastedKeys[0] as string)).toBe(before + 1);

    // The selection ends with the action it was for.
    await page.getByText('0 selected').waitFor();
    await row(page, healthyKey).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Switch off', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('1 key switched off.');
    expect(await keyOf(healthyKey)).toMatchObject({ status: 'disabled', state: 'disabled' });
    await expect.poll(() => row(page, healthyKey).textContent()).toContain('switched off by an operator');

    await page.getByRole('button', { name: /^Switched off/ }).click();
    await row(page, healthyKey).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('1 key enabled.');
    expect(await keyOf(healthyKey)).toMatchObject({ status: 'active', state: 'active' });
    await finish();
  });

  it('saves a note and tags in the key panel, and finds a whole key without putting it in the URL', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-panel');
    await signedIn(page);
    await row(page, healthyKey).getByRole('button', { name: 'Details' }).click();
    const panel = page.getByRole('dialog');
    await panel.getByRole('heading', { name: 'Key ok-k…-key' }).waitFor();
    // The failover's request was served by this key.
    await panel.getByRole('table', { name: 'Recent requests' }).waitFor();
    await panel.getByLabel('Note').fill('Team A, billing account 7');
    await panel.getByLabel('Tags').fill('team-a, paid paid');
    await panel.getByRole('button', { name: 'Save note and tags' }).click();
    await panel.getByText('Note and tags saved.').waitFor();
    expect(await keyOf(healthyKey)).toMatchObject({
      note: 'Team A, billing account 7',
      tags: ['team-a', 'paid'],
    });
    expect(await seriousViolations(page)).toEqual([]);
    await panel.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row(page, healthyKey).textContent()).toContain('team-a');

    await page.getByLabel('Tag', { exact: true }).fill('team-a');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?tag=team-a');
    await expect.poll(() => page.locator('tbody tr[data-key-id]').count()).toBe(1);
    await page.getByRole('button', { name: 'Reset' }).click();

    const secret = pastedKeys[1] as string;
    await page.getByLabel('Search', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => new URL(page.url()).search).toBe(`?id=${idOf(secret)}`);
    await expect.poll(() => page.locator('tbody tr[data-key-id]').count()).toBe(1);
    await row(page, secret).waitFor();
    expect(page.url()).not.toContain(secret.slice(4, 20));
    await finish();
  });

  it('pages by cursor, acts on every key matching the filter, and deletes after a confirmation', async () => {
    const settingsKeys = [refusedKey, restingKey, healthyKey];
    const { page, finish } = await openConsole(
      browser,
      `${stack.url}/keys?source=settings&limit=2`,
      'keys-matching',
    );
    await signedIn(page);
    await page.getByText('3 keys match').waitFor();
    expect(await page.locator('tbody tr[data-key-id]').count()).toBe(2);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(() => page.locator('tbody tr[data-key-id]').count()).toBe(1);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1').waitFor();

    await page.getByLabel('Select every key on this page').check();
    await page.getByRole('button', { name: 'Select all 3 matching keys' }).click();
    await page.getByText('3 selected').waitFor();
    await page.getByRole('button', { name: 'Switch off', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('3 keys switched off.');
    // Every key the filter matched, across pages, and no other.
    for (const secret of settingsKeys)
      expect(stack.gateway.pool.stateOf(idOf(secret))?.disabled?.reason).toBeDefined();
    for (const secret of pastedKeys)
      expect(stack.gateway.pool.stateOf(idOf(secret))?.disabled).toBeUndefined();
    await page.getByLabel('Select every key on this page').check();
    await page.getByRole('button', { name: 'Select all 3 matching keys' }).click();
    await page.getByRole('button', { name: 'Enable', exact: true }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('3 keys enabled.');
    expect((await keyOf(healthyKey)).status).toBe('active');

    await page.getByRole('button', { name: 'Reset' }).click();
    const doomed = pastedKeys[0] as string;
    await row(page, doomed).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete 1 key?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(stack.gateway.pool.findSecret(doomed)).toBeDefined();
    await row(page, doomed).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('1 key deleted.');
    expect(stack.gateway.pool.findSecret(doomed)).toBeUndefined();
    await expect.poll(() => row(page, doomed).count()).toBe(0);
    await finish();
  });

  // On the gateway itself, not through the recording proxy: these answers hold keys by design.
  it('exports the keys in one state as a file, and reveals one key on request', async () => {
    const { page, finish } = await openConsole(browser, `${stack.directUrl}/keys`, 'keys-export');
    await signedIn(page);
    await row(page, healthyKey).waitFor();
    await page.getByRole('button', { name: 'Export' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export keys' });
    await dialog.getByLabel('Keys to export').selectOption('active');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe('gemgate-keys-active.txt');
    const lines = (await readFile((await file.path()) as string, 'utf8')).trim().split('\n').sort();
    const active = [healthyKey, restingKey, refusedKey, pastedKeys[1] as string].filter(
      (secret) => stack.gateway.pool.stateOf(idOf(secret))?.disabled === undefined,
    );
    expect(lines).toEqual(active.sort());

    await row(page, healthyKey).getByRole('button', { name: 'Details' }).click();
    const panel = page.getByRole('dialog');
    const field = panel.getByLabel('The key itself');
    expect(await field.inputValue()).not.toContain(healthyKey);
    await panel.getByRole('button', { name: 'Reveal' }).click();
    await expect.poll(() => field.inputValue()).toBe(healthyKey);
    await panel.getByRole('button', { name: 'Hide' }).click();
    expect(await field.inputValue()).not.toContain(healthyKey);
    await finish();
  });

  it('has no serious accessibility violation, in light and dark, and renders on a phone', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, finish } = await openConsole(browser, `${stack.url}/keys`, `keys-a11y-${colorScheme}`, {
        colorScheme,
      });
      await signedIn(page);
      await row(page, healthyKey).waitFor();
      await row(page, healthyKey).getByRole('checkbox').check();
      expect(await seriousViolations(page)).toEqual([]);
      await row(page, restingKey).getByRole('button', { name: 'Details' }).click();
      await page.getByRole('dialog').getByRole('heading', { name: 'Recent errors' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await finish();
    }
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-phone', { phone: true });
    await signedIn(page);
    await row(page, healthyKey).waitFor();
    expect(await page.locator('tbody tr[data-key-id]').count()).toBe(4);
    // The table scrolls inside its frame; the page itself does not grow sideways.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    // In Chinese too, every text of the page comes from the language's file.
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: /^被拒绝/ }).waitFor();
    expect(await page.getByRole('columnheader').allTextContents()).toEqual([
      '',
      '密钥',
      '状态',
      '各模型状态',
      '最近错误',
      '用量',
      '备注与标签',
      '操作',
    ]);
    await page.getByLabel('语言').selectOption('en');
    await finish();
  });
});
