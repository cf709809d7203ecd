import { describe, expect, it } from 'vitest';
import { fakeAnswerText } from '../src/fake-upstream/fake-answers.js';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

const auth = { 'x-goog-api-key': clientToken };
const start = useStacks();

function stream(s: Stack, text: string) {
  return post(
    `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
    generateBody(text),
    auth,
  );
}

function eventsOf(body: string): Record<string, unknown>[] {
  return body
    .split(/\r\n\r\n|\n\n/)
    .filter((event) => event.trim())
    .map((event) => JSON.parse(event.replace(/^data: /, '')));
}

describe('upstream timeouts as clients feel them', () => {
  it('costs a stream request about FIRST_BYTE_TIMEOUT on a stalled key before another key serves it', async () => {
    // TIME_OUT stays at its five minutes: only the first-byte limit can rescue this request in time.
    const s = await start({ API_KEYS: 'k-stalled,k-b', FIRST_BYTE_TIMEOUT_SECONDS: '1' }, { slowMs: 20_000 });
    s.fake.script('k-stalled', 'slow');
    const started = Date.now();
    const response = await stream(s, 'rescued');
    const events = eventsOf(await response.text()) as {
      candidates: { content: { parts: { text: string }[] } }[];
    }[];
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    expect(events.map((event) => event.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      fakeAnswerText('rescued'),
    );
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2500);
    expect(s.fake.requests.map((request) => request.key)).toEqual(['k-stalled', 'k-b']);
    await s.gateway.logWriter.flush();
    const errors = await s.gateway.database.db
      .selectFrom('error_log')
      .select(['message', 'error_type'])
      .execute();
    expect(errors).toEqual([
      {
        error_type: expect.any(String),
        message: 'Google did not send a first byte within 1 s (FIRST_BYTE_TIMEOUT_SECONDS).',
      },
    ]);
  });

  it('ends a stream silent for STREAM_IDLE_TIMEOUT with an in-band error naming the limit', async () => {
    const s = await start({ API_KEYS: 'stall-1', STREAM_IDLE_TIMEOUT_SECONDS: '1' });
    const started = Date.now();
    const { text, complete } = await readStream(await stream(s, 'stall'));
    expect(complete).toBe(false);
    const events = eventsOf(text);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(events[0]).toHaveProperty('candidates');
    expect(events.at(-1)).toMatchObject({
      error: {
        code: 504,
        status: 'DEADLINE_EXCEEDED',
        message: expect.stringContaining('silent for more than 1 s (STREAM_IDLE_TIMEOUT_SECONDS)'),
      },
    });
  });
});
