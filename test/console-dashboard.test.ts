import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  elementsWiderThan,
  launchBrowser,
  openConsole,
  seriousViolations,
  signIn,
} from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

const invalidKey = 'invalid-dashboard-key-0001';
const restingKey = 'quota-day-dashboard-key-01';

async function signedIn(stack: Stack, url: string, name: string, options = {}) {
  const opened = await openConsole(browser, url, name, options);
  await signIn(opened.page, stack.adminToken);
  return opened;
}

let browser: Browser;

// The dashboard against traffic the test sent: what it shows must be what happened.
// Browser steps on a loaded CI machine take several times their time here.
describe('the console dashboard', { timeout: 60_000 }, () => {
  let stack: Stack;

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    stack = await startStack(
      { API_KEYS: `${invalidKey},${restingKey},ok-dashboard-key-000001,ok-dashboard-key-000002` },
      {},
      { consoleDirectory },
    );
    browser = await launchBrowser();
    const generate = (model: string) =>
      post(`${stack.url}/v1beta/models/${model}:generateContent`, generateBody('Hello'), {
        'x-goog-api-key': clientToken,
      });
    // Four that succeed (the refused and the resting key are met once each and failed over), one
    // the client got wrong.
    for (let sent = 0; sent < 4; sent += 1) expect((await generate('gemini-2.5-flash')).status).toBe(200);
    expect((await generate('gemini-no-such-model')).status).toBe(404);
    await stack.gateway.logWriter.flush();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the requests, the pool, the refused keys and the failures, each linking to its detail', async () => {
    const { page, finish } = await signedIn(stack, stack.url, 'dashboard');
    const lastHour = page.getByRole('region', { name: 'Last hour' });
    await expect.poll(() => lastHour.locator('.metric').textContent()).toBe('5');
    await expect.poll(() => lastHour.getByText('80%').count()).toBe(1);

    const pool = page.getByRole('region', { name: 'Key pool' });
    await expect.poll(() => pool.getByRole('link', { name: /Refused/ }).textContent()).toBe('1 Refused');
    expect(await pool.getByRole('link', { name: /Resting/ }).textContent()).toBe('1 Resting');
    expect(await pool.getByRole('link', { name: /Active/ }).textContent()).toBe('2 Active');
    expect(await pool.getByRole('row', { name: /gemini-2.5-flash/ }).textContent()).toContain(
      'per-day quota ×1',
    );

    const attention = page.getByRole('region', { name: 'Keys with the most refusals' });
    const refusedRows = attention.getByRole('row');
    // A header and the two keys Google refused or limited.
    await expect.poll(() => refusedRows.count()).toBe(3);

    const byModel = page.getByRole('region', { name: 'Usage by model' });
    expect(await byModel.getByRole('row', { name: /gemini-2\.5-flash/ }).textContent()).toContain('4');

    // The trend chart is drawn.
    await expect.poll(() => page.locator('.trend canvas').count()).toBeGreaterThan(0);
    await page.getByText('7 days').click();
    await expect.poll(() => page.getByRole('img', { name: /7 days/ }).count()).toBe(1);

    // A failure class opens the request log filtered by it, over the range shown.
    const failures = page.getByRole('region', { name: 'Why requests failed' });
    await failures.getByRole('link', { name: /client-error/ }).click();
    const opened = new URL(page.url());
    expect(opened.pathname).toBe('/logs');
    expect(opened.searchParams.get('view')).toBe('requests');
    expect(opened.searchParams.get('outcome')).toBe('client-error');
    expect(Date.now() - Date.parse(opened.searchParams.get('from') ?? '')).toBeGreaterThan(6 * 86_400_000);

    await page.goBack();
    await page
      .getByRole('region', { name: 'Key pool' })
      .getByRole('link', { name: /Refused/ })
      .click();
    expect(new URL(page.url()).search).toBe('?state=refused');
    await finish();
  });

  it('has no serious accessibility violation, in light, dark and on a phone', async () => {
    for (const [name, options] of [
      ['light', { colorScheme: 'light' }],
      ['dark', { colorScheme: 'dark' }],
      ['phone', { phone: true }],
    ] as const) {
      const { page, finish } = await signedIn(stack, stack.url, `dashboard-${name}`, options);
      await page.getByRole('region', { name: 'Why requests failed' }).getByRole('table').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      if (name === 'phone') {
        // Nothing wider than the screen but the tables, which scroll inside their frames.
        expect(await elementsWiderThan(page, 390)).toEqual([]);
      }
      await finish();
    }
  });
});
