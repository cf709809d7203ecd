import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openConsole, pageLanguage, seriousViolations } from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { type Stack, startStack } from './helpers/start-stack.js';

// The console in a real browser against a real gateway: sign-in, the pages' navigation, the
// languages, the session's end, and how the files are served.
// Browser steps on a loaded CI machine take several times their time here.
describe('the console shell', { timeout: 60_000 }, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    stack = await startStack({}, {}, { consoleDirectory });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in with the admin token, names its pages, switches to Chinese, and signs out', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/keys?state=active`, 'shell-sign-in');
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');

    await page.getByLabel('Admin token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    await expect
      .poll(() => nav.getByRole('link').allTextContents())
      .toEqual(['Dashboard', 'Keys', 'Configuration', 'Logs']);
    // Signed in on the page that was asked for, its query kept.
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/keys?state=active');
    expect(await nav.getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe('page');

    await nav.getByRole('link', { name: 'Logs' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/logs');
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/keys');

    await page.getByLabel('Language').selectOption('zh-CN');
    // The navigation itself is named in Chinese now.
    const navZh = page.getByRole('navigation', { name: '主导航' });
    await expect
      .poll(() => navZh.getByRole('link').allTextContents())
      .toEqual(['仪表盘', '密钥', '配置', '日志']);
    await expect.poll(() => pageLanguage(page)).toBe('zh-CN');
    // The choice is kept across a reload.
    await page.reload();
    await navZh.waitFor();
    await expect.poll(() => navZh.getByRole('link').first().textContent()).toBe('仪表盘');
    await page.getByLabel('语言').selectOption('en');

    const cookies = await page.context().cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    // The session the browser held is refused from now on.
    const cookie = cookies.map((entry) => `${entry.name}=${entry.value}`).join('; ');
    expect((await fetch(`${stack.url}/api/config`, { headers: { cookie } })).status).toBe(401);
    // The one refusal the page met: the wrong token.
    await finish(/status of 401/);
  });

  it('returns an expired session to sign-in and then to the same page', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/logs`, 'shell-expired');
    // The page's own search must have been answered before the session ends, or it meets the 401.
    const searched = page.waitForResponse((response) => response.url().includes('/api/logs/requests'));
    await page.getByLabel('Admin token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect((await searched).status()).toBe(200);
    // The session ends on the server (as at its expiry); the next call of the page meets a 401.
    await stack.gateway.database.db.deleteFrom('admin_session').execute();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByText('Your session ended').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByLabel('Admin token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await finish(/status of 401/);
  });

  it('has no serious accessibility violation on the sign-in page, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, finish } = await openConsole(browser, stack.url, `shell-a11y-${colorScheme}`, {
        colorScheme,
      });
      await page.getByLabel('Admin token').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await finish();
    }
  });

  it('serves hashed assets for a year, compressed, and the page with a strict policy', async () => {
    const html = await fetch(`${stack.url}/config`, { headers: { 'accept-encoding': 'br' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const text = await html.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(text)?.[1];
    expect(script).toMatch(/^\/assets\/index-[\w-]{8}\.js$/);
    const asset = await fetch(`${stack.url}${script}`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const again = await fetch(`${stack.url}${script}`, {
      headers: { 'if-none-match': asset.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${stack.url}/assets/nothing.js`)).status).toBe(404);
    // Files come from the build's map, by exact path: nothing outside it is reachable.
    for (const path of [
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/index.html',
      '/assets/../../etc/passwd',
    ]) {
      const answer = await fetch(`${stack.url}${path}`);
      expect([400, 404], path).toContain(answer.status);
      expect(await answer.text()).not.toContain('"dependencies"');
    }
  });

  it('loads under 200 KB of compressed JavaScript at first', async () => {
    const html = await (await fetch(`${stack.url}/`)).text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    let bytes = 0;
    for (const script of scripts) {
      const answer = await fetch(`${stack.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(answer.headers.get('content-encoding')).toBe('gzip');
      bytes += Number(answer.headers.get('content-length'));
    }
    expect(bytes).toBeGreaterThan(5_000);
    expect(bytes).toBeLessThan(200 * 1024);
  });
});
