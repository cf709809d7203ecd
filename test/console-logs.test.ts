import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole, seriousViolations, signIn } from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { clientToken, generateBody, post, type Stack, startStack } from './helpers/start-stack.js';

// The log viewer in a real browser against a real gateway whose pool holds a key the fake upstream
// refuses (tried first) and a healthy one: the failover's attempts, filters in the URL, the detail
// dialog, export, deletion, accessibility and the phone layout.
const refusedKey = 'invalid-logs-refused-key-7f3a91';
const healthyKey = 'ok-logs-healthy-key-c28d40';
const model = 'gemini-2.5-flash';

interface RequestItem {
  id: number;
  attempts: number;
  status: number;
  errorClass: string | null;
}
interface ErrorItem {
  id: number;
  errorType: string;
  status: number | null;
}

// Browser steps on a loaded CI machine take several times their time here.
describe('the logs page', { timeout: 60_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let refusedId: string;
  let healthyId: string;

  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${stack.url}${path}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const requestRows = async () =>
    (await admin<{ items: RequestItem[] }>('/api/logs/requests?limit=500')).items;
  const errorRows = async () => (await admin<{ items: ErrorItem[] }>('/api/logs/errors?limit=500')).items;

  async function signedIn(page: Page) {
    await signIn(page, stack.adminToken);
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor();
  }

  async function send(count: number, text = 'hello') {
    for (let index = 0; index < count; index++) {
      const response = await post(
        `${stack.url}/v1beta/models/${model}:generateContent`,
        generateBody(`${text} ${index}`),
        { 'x-goog-api-key': clientToken },
      );
      expect(response.status).toBe(200);
      await response.text();
    }
    // The log writer batches; what it holds is written now.
    await stack.gateway.logWriter.flush();
  }

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    stack = await startStack(
      { API_KEYS: `${refusedKey},${healthyKey}`, ERROR_LOG_RECORD_REQUEST_BODY: 'true' },
      {},
      { consoleDirectory },
    );
    browser = await launchBrowser();
    const ids = new Map(stack.gateway.pool.keys().map((key) => [key.secret, key.id]));
    refusedId = ids.get(refusedKey) ?? '';
    healthyId = ids.get(healthyKey) ?? '';
    await send(4);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows the failover in the request log and its attempts trace in the detail', async () => {
    const rows = await requestRows();
    expect(rows).toHaveLength(4);
    const failover = rows.find((row) => row.attempts === 2);
    expect(failover).toBeDefined();
    // The fake saw the refused key first, then the healthy one.
    const generations = stack.fake.requests.filter((call) => call.url.includes(':generateContent'));
    expect(generations.slice(0, 2).map((call) => [call.key, call.status])).toEqual([
      [refusedKey, 400],
      [healthyKey, 200],
    ]);

    const { page, finish } = await openConsole(browser, `${stack.url}/logs`, 'logs-failover');
    await signedIn(page);
    expect(await page.getByRole('tab', { name: 'Request log' }).getAttribute('aria-selected')).toBe('true');
    const table = page.getByRole('table', { name: 'Requests, one row each' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4);
    const row = table.locator(`tr[data-row-id="${failover?.id}"]`);
    const cells = await row.getByRole('cell').allTextContents();
    // checkbox, time, route, model, key, status, outcome, latency, attempts, tokens, client
    expect(cells.slice(2, 7)).toEqual(['gemini generateContent', model, expect.any(String), '200', 'ok']);
    expect(cells[8]).toBe('2');
    // Newest first: the failover was the first request sent, so it is the last row.
    expect(await table.locator('tbody tr').last().getAttribute('data-row-id')).toBe(String(failover?.id));

    await row.getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: `Request ${failover?.id}` });
    await dialog.waitFor();
    const attempts = dialog.getByRole('table', { name: 'Attempts' });
    const trace = await attempts
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    expect(trace).toHaveLength(2);
    expect(trace[0]?.[1]).toContain(refusedId);
    expect(trace[0]?.[2]).toBe('400');
    expect(trace[0]?.[3]).toBe('invalid-key');
    expect(trace[1]?.[1]).toContain(healthyId);
    expect(trace[1]?.[2]).toBe('200');
    expect(trace[1]?.[3]).toBe('ok');
    // The error row the refusal left, and the body recorded with it.
    const errors = dialog.getByRole('table', { name: 'Errors of this request' });
    expect(await errors.locator('tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await errors.textContent()).toContain('invalid-key');
    expect(await dialog.locator('pre').textContent()).toContain('"contents"');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Oldest first puts the failover on top and says so in the URL.
    await page.getByRole('button', { name: 'Newest first' }).click();
    expect(new URL(page.url()).searchParams.get('order')).toBe('asc');
    await expect
      .poll(() => table.locator('tbody tr').first().getAttribute('data-row-id'))
      .toBe(String(failover?.id));
    await finish();
  });

  it('reads its filters from the URL and writes the changed filters back', async () => {
    const invalid = (await errorRows()).filter((row) => row.errorType === 'invalid-key');
    expect(invalid.length).toBeGreaterThanOrEqual(1);
    const { page, finish } = await openConsole(
      browser,
      `${stack.url}/logs?view=errors&outcome=invalid-key&key=${refusedId}`,
      'logs-filters',
    );
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    await signedIn(page);
    expect(await page.getByRole('tab', { name: 'Error log' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByLabel('Outcome').inputValue()).toBe('invalid-key');
    expect(await page.getByLabel('Key id').inputValue()).toBe(refusedId);
    const table = page.getByRole('table', { name: 'Errors, one row each' });
    await expect
      .poll(() => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.rowId))))
      .toEqual(invalid.map((row) => row.id));

    // The error in detail: its whole message and the request body, pretty, copied on request.
    await table.locator('tbody tr').first().getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: `Error ${invalid[0]?.id}` });
    await dialog.waitFor();
    const body = dialog.locator('section', { has: page.getByRole('heading', { name: 'Request body' }) });
    const pretty = await body.locator('pre').textContent();
    expect(pretty).toContain('\n  "contents": [');
    await body.getByRole('button', { name: 'Copy request body' }).click();
    await body.getByText('Copied.').waitFor();
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).toBe(pretty);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A filter that matches nothing; then changed in the form, which rewrites the URL.
    await page.getByLabel('Status').fill('5xx');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('status')).toBe('5xx');
    await page.getByText('No rows match.').waitFor();
    expect(new URL(page.url()).searchParams.get('outcome')).toBe('invalid-key');
    await page.getByLabel('Status').fill('4xx');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(invalid.length);
    await page.getByRole('button', { name: 'Last hour' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBeTruthy();
    const since = Date.parse(new URL(page.url()).searchParams.get('from') ?? '');
    expect(Date.now() - since).toBeGreaterThan(3_590_000);
    expect(Date.now() - since).toBeLessThan(3_700_000);

    // The other log keeps the filters; the request log's outcome for the refused key is none of its rows.
    await page.getByRole('tab', { name: 'Request log' }).click();
    const query = new URL(page.url()).searchParams;
    expect(Object.fromEntries(query)).toMatchObject({
      view: 'requests',
      outcome: 'invalid-key',
      key: refusedId,
      status: '4xx',
    });
    await page.getByText('No rows match.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?view=requests');
    await expect
      .poll(() => page.getByRole('table', { name: 'Requests, one row each' }).locator('tbody tr').count())
      .toBe(4);
    await finish();
  });

  it('has no serious accessibility violation on both logs and the detail, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, finish } = await openConsole(browser, `${stack.url}/logs`, `logs-a11y-${colorScheme}`, {
        colorScheme,
      });
      await signedIn(page);
      const requests = page.getByRole('table', { name: 'Requests, one row each' });
      await expect.poll(() => requests.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await seriousViolations(page)).toEqual([]);
      await requests.locator('tbody tr').last().getByRole('button').click();
      await page.getByRole('dialog').getByRole('table', { name: 'Attempts' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await page.getByRole('tab', { name: 'Error log' }).click();
      const errors = page.getByRole('table', { name: 'Errors, one row each' });
      await expect.poll(() => errors.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await seriousViolations(page)).toEqual([]);
      await errors.locator('tbody tr').first().getByRole('button').click();
      await page.getByRole('dialog').getByRole('heading', { name: 'Message' }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await finish();
    }
  });

  it('works on a phone: the page does not overflow, the table scrolls, the detail opens', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/logs`, 'logs-phone', { phone: true });
    await signedIn(page);
    const table = page.getByRole('table', { name: 'Requests, one row each' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4);
    // The rows come first on a phone: the filters are folded away until opened.
    expect(await page.locator('details.logs-filters').getAttribute('open')).toBeNull();
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    // The wide table scrolls inside its frame.
    const frame = page.locator('.table-wrap').first();
    expect(await frame.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);
    await table.locator('tbody tr').first().getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('table', { name: 'Attempts' }).waitFor();
    const box = await dialog.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await finish();
  });

  it('exports the filter as CSV, deletes selected rows, matching rows, and all', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/logs?outcome=ok`, 'logs-delete');
    await signedIn(page);
    const table = page.getByRole('table', { name: 'Requests, one row each' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(4);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^gemgate-requests-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toMatch(/^id,at,route,model,key\.id,key\.masked,status/);
    const rows = await requestRows();
    expect(csv.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(
      rows.map((row) => row.id).sort((a, b) => a - b),
    );

    // Two rows selected and deleted; the database has the others.
    const ids = await table
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.rowId)));
    const chosen = ids.slice(0, 2);
    for (const id of chosen) await page.getByRole('checkbox', { name: `Select row ${id}` }).check();
    await page.getByRole('button', { name: 'Delete selected (2)' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete log rows' });
    await confirm.getByText('Delete the 2 selected rows from the request log?').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted 2 rows.').waitFor();
    const left = async () =>
      (await stack.gateway.database.db.selectFrom('request_log').select('id').orderBy('id').execute()).map(
        (row) => Number(row.id),
      );
    expect(await left()).toEqual(ids.filter((id) => !chosen.includes(id)).sort((a, b) => a - b));
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);

    // A new request (after the page loaded) also matches: "delete matching" takes it too.
    await send(1, 'later');
    await page.getByRole('button', { name: 'Delete matching' }).click();
    await confirm.getByText('Outcome: ok').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted 3 rows.').waitFor();
    expect(await left()).toEqual([]);
    await page.getByText('No rows match.').waitFor();

    // The whole error log.
    const errorsBefore = await errorRows();
    expect(errorsBefore.length).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Error log' }).click();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: 'Delete all' }).click();
    await confirm.getByText('Delete every row of the error log').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByText(`Deleted ${errorsBefore.length === 1 ? '1 row' : `${errorsBefore.length} rows`}.`)
      .waitFor();
    expect(await stack.gateway.database.db.selectFrom('error_log').select('id').execute()).toEqual([]);
    await finish();
  });

  it('loads more by cursor, and says how far a bounded search read before it goes on', async () => {
    // More rows than a page reads at most (20,000) unless a key narrows it, a second apart; the
    // newest 30 failed with a 503. A search for 503s finds those 30 in its window, says how far back
    // it read (older rows may match too), and goes on through the rest when asked.
    const total = 20_120;
    const newest = Date.now() - 60_000;
    const db = stack.gateway.database.db;
    for (let start = 0; start < total; start += 1_000) {
      await db
        .insertInto('request_log')
        .values(
          Array.from({ length: Math.min(1_000, total - start) }, (_, offset) => {
            const index = start + offset;
            const failed = index >= total - 30;
            return {
              created_at: newest - (total - 1 - index) * 1_000,
              route: 'gemini generateContent',
              model,
              key_id: healthyId,
              status: failed ? 503 : 200,
              success: failed ? 0 : 1,
              latency_ms: 10,
              attempts: 1,
              stream: 0,
              error_class: failed ? 'upstream-error' : null,
            };
          }),
        )
        .execute();
    }
    const { page, finish } = await openConsole(browser, `${stack.url}/logs?status=503`, 'logs-more');
    await signedIn(page);
    const table = page.getByRole('table', { name: 'Requests, one row each' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(30);
    const notice = page.getByText(/The search read back to .* without filling a page/);
    await notice.waitFor();
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Search further' }).click();
    await notice.waitFor({ state: 'detached' });
    await page.getByText('30 rows shown').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(30);
    expect(await page.getByRole('button', { name: /Search further|Load more/ }).count()).toBe(0);

    // No filter: 50 rows a page, the next 50 appended after the first.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(50);
    const rowIds = () =>
      table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.rowId)));
    const firstPage = await rowIds();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(100);
    const ids = await rowIds();
    expect(ids.slice(0, 50)).toEqual(firstPage);
    expect(new Set(ids).size).toBe(100);
    await finish();
  });
});
