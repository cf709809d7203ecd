import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config/load-settings.js';
import { createFakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { startGateway } from '../src/start-gateway.js';
import { clientToken, generateBody, useStacks } from './helpers/start-stack.js';

// gateway.close() in the test process: kept-alive connections do not hold it open, and a start
// that fails half-way leaves nothing open behind it.

const generatePath = '/v1beta/models/gemini-2.5-flash:generateContent';
const streamPath = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('gateway.close()', () => {
  const startStack = useStacks();

  // First: the handles other tests' gateways leave closing for a moment would blur its count.
  it('closes what a start failing at listen had opened', async () => {
    const occupant = createServer();
    await new Promise<void>((done) => occupant.listen(0, '127.0.0.1', done));
    const port = (occupant.address() as { port: number }).port;
    const fake = await createFakeUpstream();
    const directory = mkdtempSync(join(tmpdir(), 'gemgate-close-'));
    const databasePath = join(directory, 'gemgate.db');
    try {
      const handlesBefore = process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP'));
      await expect(
        startGateway(
          parseSettings({
            API_KEYS: 'ok-gateway-close-test-key-1',
            BASE_URL: fake.url,
            SQLITE_DATABASE: databasePath,
            HOST: '127.0.0.1',
            PORT: String(port),
            LOG_LEVEL: 'silent',
          }),
        ),
      ).rejects.toThrow(/EADDRINUSE/);
      // SQLite removes the write-ahead log when its last connection closes: the database was closed.
      expect(existsSync(databasePath)).toBe(true);
      expect(existsSync(`${databasePath}-wal`)).toBe(false);
      // The handle of the failed listen goes a moment later; nothing else of the gateway may stay.
      await expect
        .poll(() => process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP')), {
          timeout: 2000,
        })
        .toEqual(handlesBefore);
    } finally {
      await new Promise((done) => occupant.close(done));
      await fake.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('closes a kept-alive connection as soon as its answer ends, not after the keep-alive timeout', async () => {
    // A slow key: the answer is still on its way when the close begins.
    const stack = await startStack({ API_KEYS: 'slow-gateway-close-test-key-1' }, { slowMs: 600 });
    const agent = new Agent({ keepAliveTimeout: 120_000 });
    try {
      const answer = request(`${stack.directUrl}${generatePath}`, {
        method: 'POST',
        body: generateBody('hi'),
        headers: { 'x-goog-api-key': clientToken },
        dispatcher: agent,
      });
      await expect.poll(() => stack.fake.callsFor('slow-gateway-close-test-key-1')).toBe(1);
      const startMs = performance.now();
      const closed = stack.gateway.close(10_000);
      const response = await answer;
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(await response.body.text())).toHaveProperty('candidates');
      await closed;
      // The answer took the rest of the slow key's 600 ms; the keep-alive timeout is 72 s, and the
      // drain would reset the connection only at its 10 s deadline. Room left for a loaded machine.
      expect(performance.now() - startMs).toBeLessThan(5000);
    } finally {
      await agent.destroy();
    }
  });

  const cut = 'The gateway is shutting down: this answer was cut before its end. Send the request again.';
  const geminiCut = `data: ${JSON.stringify({ error: { code: 503, message: cut, status: 'UNAVAILABLE' } })}\r\n\r\n`;
  const openAICut = `data: ${JSON.stringify({ error: { message: cut, type: 'server_error', param: null, code: null } })}\n\n`;
  const chatBody = JSON.stringify({
    model: 'gemini-2.5-flash',
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  /** A stream's text: what it began with, then whatever, then its protocol's error last. */
  const endingWith = (begin: string, error: string) =>
    new RegExp(`^${escapeRegExp(begin)}[^]*${escapeRegExp(error)}$`);
  it.each([
    [
      'a paced native stream',
      { STREAM_OPTIMIZER_ENABLED: 'true' },
      `${streamPath}?alt=sse`,
      endingWith('data: {"candidates"', geminiCut),
    ],
    [
      'a fake native SSE stream',
      { FAKE_STREAM_ENABLED: 'true' },
      `${streamPath}?alt=sse`,
      endingWith(': keep-alive', geminiCut),
    ],
    // Its keep-alives are JSON whitespace, and the array has not begun: the error is the array's
    // one element, which Google's own array streams use for errors too.
    [
      'a fake native JSON-array stream',
      { FAKE_STREAM_ENABLED: 'true' },
      streamPath,
      /^\s+\[\{"error":\{"code":503,"message":"The gateway is shutting down[^\]]*\}\]$/,
    ],
    [
      'a fake OpenAI stream',
      { FAKE_STREAM_ENABLED: 'true' },
      '/v1/chat/completions',
      endingWith(': keep-alive', openAICut),
    ],
  ])(
    'cuts %s still open at the deadline: its protocol’s error where it has one, then a reset',
    async (_name, settings, path, whole) => {
      const stack = await startStack({ API_KEYS: 'stall-gateway-close-test-key-1', ...settings });
      const response = await fetch(`${stack.directUrl}${path}`, {
        method: 'POST',
        body: path.includes('chat') ? chatBody : generateBody('hi'),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${clientToken}` },
      });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      const read = async () => {
        const chunk = await reader.read();
        if (chunk.value) text += Buffer.from(chunk.value).toString('utf8');
        return chunk.done;
      };
      // Once the stream has begun (its first event, or the fake stream's first keep-alive).
      while (text === '') await read();
      const closed = stack.gateway.close(300);
      let end: 'clean' | 'reset' = 'clean';
      try {
        while (!(await read()));
      } catch {
        end = 'reset';
      }
      await closed;
      expect(end).toBe('reset');
      expect(text).toMatch(whole);
    },
  );

  it('returns at once with an idle kept-alive connection open', async () => {
    const stack = await startStack();
    const agent = new Agent({ keepAliveTimeout: 120_000 });
    try {
      const response = await request(`${stack.directUrl}${generatePath}`, {
        method: 'POST',
        body: generateBody('hi'),
        headers: { 'x-goog-api-key': clientToken },
        dispatcher: agent,
      });
      expect(response.statusCode).toBe(200);
      await response.body.text();
      const startMs = performance.now();
      await stack.gateway.close(10_000);
      expect(performance.now() - startMs).toBeLessThan(2000);
    } finally {
      await agent.destroy();
    }
  });
});
