import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const screenshots = resolve(import.meta.dirname, '../../test-results/console');
const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Debian's Chromium, headless; no tool downloads a browser of its own. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsolePage {
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page so far. */
  readonly problems: string[];
  /**
   * Keeps a screenshot named `name` (test-results/console) and fails on any problem of the page,
   * except the messages `expected` matches (a refusal the test itself provoked).
   */
  finish(expected?: RegExp): Promise<void>;
}

/** A new browser context (no cookies, no storage) on the console at `url`, in a desktop or phone viewport. */
export async function openConsole(
  browser: Browser,
  url: string,
  name: string,
  options: { phone?: boolean; colorScheme?: 'light' | 'dark' } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-US',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  await page.goto(url);
  return {
    page,
    problems,
    async finish(expected) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
      await context.close();
      expect(problems.filter((problem) => !expected?.test(problem))).toEqual([]);
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated, not added as a script tag, which the page's Content-Security-Policy refuses.
  await page.evaluate(readFileSync(axeScript, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .map((node) => JSON.stringify(node.target))
          .join(', ')}`,
    );
}

/**
 * Elements outside a scrolling table frame that reach past `width` pixels: on a phone, nothing
 * but a table may be wider than the screen. (Page scripts are strings: tests compile without DOM types.)
 */
export function elementsWiderThan(page: Page, width: number): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((element) => !element.closest('.table-wrap') && element.getBoundingClientRect().right > ${width} + 1)
    .map((element) => element.tagName + '.' + element.className)`);
}

/** The `lang` of the page's root element. */
export const pageLanguage = (page: Page): Promise<string> => page.evaluate('document.documentElement.lang');

/** Signs in on the console's sign-in form and waits for the page it was on. */
export async function signIn(page: Page, adminToken: string): Promise<void> {
  await page.getByLabel('Admin token').fill(adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
