import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { launchBrowser, openConsole, signIn } from './helpers/browser.js';
import { buildConsole } from './helpers/console-build.js';
import { type Stack, startStack } from './helpers/start-stack.js';

// The keys page tells a Vertex AI express key (VERTEX_API_KEYS) from an AI Studio key, in the list
// and in the key's panel, in a real browser against a real gateway.

const studioKey = 'ok-console-studio-key-for-kinds';
const vertexKey = 'ok-console-vertex-express-key-for-kinds';
const idOf = (secret: string) => createKeyIdentity(secret).id;

describe('the keys page with Vertex AI express keys', { timeout: 60_000 }, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    const consoleDirectory = await buildConsole();
    stack = await startStack({ API_KEYS: studioKey, VERTEX_API_KEYS: vertexKey }, {}, { consoleDirectory });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('marks the express key in its row and in its panel, and only it', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-vertex');
    await signIn(page, stack.adminToken);
    const row = (secret: string) => page.locator(`tr[data-key-id="${idOf(secret)}"]`);
    await row(vertexKey).waitFor();
    expect(await row(vertexKey).textContent()).toContain('Vertex AI express, from VERTEX_API_KEYS');
    expect(await row(studioKey).textContent()).toContain('from API_KEYS');
    expect(await row(studioKey).textContent()).not.toContain('Vertex');
    await row(vertexKey)
      .getByRole('button', { name: /Details/ })
      .click();
    const panel = page.getByRole('dialog');
    await expect.poll(() => panel.textContent()).toContain('VERTEX_API_KEYS setting (Vertex AI express)');
    await finish();
  });

  it('says so in Chinese on a phone, the page not growing sideways', async () => {
    const { page, finish } = await openConsole(browser, `${stack.url}/keys`, 'keys-vertex-phone-zh', {
      phone: true,
    });
    await signIn(page, stack.adminToken);
    const row = page.locator(`tr[data-key-id="${idOf(vertexKey)}"]`);
    await row.waitFor();
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => row.textContent()).toContain('Vertex AI 快速模式，来自 VERTEX_API_KEYS');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await finish();
  });
});
