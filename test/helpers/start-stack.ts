import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, inject } from 'vitest';
import { parseSettings } from '../../src/config/load-settings.js';
import {
  createFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamOptions,
} from '../../src/fake-upstream/create-fake-upstream.js';
import { type Gateway, type GatewayOptions, startGateway } from '../../src/start-gateway.js';
import { dumpSqliteRows } from '../secret-scan/dump-sqlite-rows.js';
import { writeStackRecord } from '../secret-scan/stack-record.js';
import { startRecordingProxy } from './recording-proxy.js';

export const clientToken = 'sk-client-test-token';

/** What the secret scan keeps of one stack's answers: enough for any test, bounded for the scan. */
const maxRecordedAnswerBytes = 4 * 1024 * 1024;

export interface Stack {
  readonly fake: FakeUpstream;
  readonly gateway: Gateway;
  /** AUTH_TOKEN, or the token the gateway generated when it was empty. */
  readonly adminToken: string;
  /** The gateway behind a proxy that records its answers for the secret scan. */
  readonly url: string;
  /** The gateway itself, unrecorded: only for answers that must hold a key (GET /api/keys/:id/secret). */
  readonly directUrl: string;
  /** Every log line the gateway wrote. */
  readonly logLines: string[];
  close(): Promise<void>;
}

/**
 * A fake Gemini upstream and a real gateway (HTTP server, SQLite in a temporary folder) wired to
 * it. `settings` are environment-style strings, as an operator would write them. The default keys
 * are long enough for the secret scan (test/secret-scan) to look for, and differ early: keys that
 * differ only in a last character share most of their base64 forms. Their `ok-` prefix makes the
 * fake upstream treat them as healthy.
 */
export async function startStack(
  settings: Record<string, string> = {},
  fakeOptions: FakeUpstreamOptions = {},
  gatewayOptions: GatewayOptions = {},
): Promise<Stack> {
  const fake = await createFakeUpstream(fakeOptions);
  const directory = mkdtempSync(join(tmpdir(), 'gemgate-test-'));
  const databasePath = join(directory, 'gemgate.db');
  const logLines: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  const parsed = parseSettings({
    API_KEYS: 'ok-alpha-default-key,ok-bravo-default-key,ok-charlie-default-key',
    ALLOWED_TOKENS: clientToken,
    AUTH_TOKEN: 'admin-token-for-tests',
    BASE_URL: `${fake.url}/v1beta`,
    VERTEX_EXPRESS_BASE_URL: `${fake.url}/v1beta1/publishers/google`,
    SQLITE_DATABASE: databasePath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'trace',
    ...settings,
  });
  const gateway = await startGateway(parsed, { logDestination, troubleBackoffMs: 5, ...gatewayOptions });
  const proxy = await startRecordingProxy(
    { host: '127.0.0.1', port: Number(new URL(gateway.url).port) },
    maxRecordedAnswerBytes,
  );
  // Keys removed at run time are gone from the pool by the end, so the pool is read at both ends.
  const held = new Set([...parsed.API_KEYS, parsed.PAID_KEY, ...gateway.pool.secrets()]);
  const adminToken = parsed.AUTH_TOKEN || gateway.generatedAuthToken || '';
  return {
    fake,
    gateway,
    adminToken,
    url: proxy.url,
    directUrl: gateway.url,
    logLines,
    async close() {
      for (const secret of gateway.pool.secrets()) held.add(secret);
      try {
        await gateway.close();
        await proxy.close();
        const scanFolder = inject('secretScanFolder');
        if (scanFolder !== undefined) {
          const { text, droppedBytes } = proxy.recorded();
          writeStackRecord(scanFolder, {
            logs: logLines.join(''),
            answers: text,
            droppedAnswerBytes: droppedBytes,
            // A test may point the gateway at a database of its own; only the stack's own is dumped.
            rows: existsSync(databasePath) ? dumpSqliteRows(databasePath) : '',
            secrets: [...held, adminToken].filter((secret) => secret !== ''),
          });
        }
      } finally {
        await fake.close();
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

export function generateBody(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }], ...extra });
}

export async function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

/** A native generateContent through the stack, with the client token. */
export const generate = (stack: Stack) =>
  post(`${stack.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${clientToken}`, generateBody('hi'));

/** `count` generateContent calls one after the other: their statuses, each answer read whole. */
export async function generateMany(stack: Stack, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let call = 0; call < count; call += 1) {
    const response = await generate(stack);
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
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
