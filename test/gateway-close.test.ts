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
      // The answer took the rest of the slow key's 600 ms; the keep-alive timeout is 72 s.
      expect(performance.now() - startMs).toBeLessThan(3000);
    } finally {
      await agent.destroy();
    }
  });

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
      expect(performance.now() - startMs).toBeLessThan(1000);
    } finally {
      await agent.destroy();
    }
  });
});
