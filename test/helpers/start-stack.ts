import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { parseSettings } from '../../src/config/load-settings.js';
import {
  createFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamOptions,
} from '../../src/fake-upstream/create-fake-upstream.js';
import { type Gateway, startGateway } from '../../src/start-gateway.js';

export const clientToken = 'sk-client-test-token';

export interface Stack {
  readonly fake: FakeUpstream;
  readonly gateway: Gateway;
  readonly url: string;
  /** Every log line the gateway wrote. */
  readonly logLines: string[];
  close(): Promise<void>;
}

/**
 * A fake Gemini upstream and a real gateway (HTTP server, SQLite in a temporary folder) wired to
 * it. `settings` are environment-style strings, as an operator would write them.
 */
export async function startStack(
  settings: Record<string, string> = {},
  fakeOptions: FakeUpstreamOptions = {},
): Promise<Stack> {
  const fake = await createFakeUpstream(fakeOptions);
  const directory = mkdtempSync(join(tmpdir(), 'gemgate-test-'));
  const logLines: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  const gateway = await startGateway(
    parseSettings({
      API_KEYS: 'ok-key-a,ok-key-b,ok-key-c',
      ALLOWED_TOKENS: clientToken,
      AUTH_TOKEN: 'admin-token-for-tests',
      BASE_URL: `${fake.url}/v1beta`,
      SQLITE_DATABASE: join(directory, 'gemgate.db'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      ...settings,
    }),
    { logDestination, troubleBackoffMs: 5 },
  );
  return {
    fake,
    gateway,
    url: gateway.url,
    logLines,
    async close() {
      await gateway.close();
      await fake.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function generateBody(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], ...extra });
}

export async function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

/** A `startStack` for tests that each need their own settings; stacks close after each test. */
export function useStacks(): typeof startStack {
  const open: Stack[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((stack) => stack.close()));
  });
  return async (settings, fakeOptions) => {
    const stack = await startStack(settings, fakeOptions);
    open.push(stack);
    return stack;
  };
}
