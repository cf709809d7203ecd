import { describe, expect, it } from 'vitest';
import { type HostileUpstream, sseEvent, startHostileUpstream } from './helpers/hostile-upstream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// Issue 9, item 2: each request's row counts the tokens Google's answer counted, whichever API the
// client spoke and whether it streamed. The expected numbers are read from the fake upstream's own
// answer to the same question, not written here.

const start = useStacks();
const question = 'Why is the sky blue?';
const auth = { authorization: `Bearer ${clientToken}` };

/** Google's usageMetadata for the question, asked of the fake directly (its last event's, streamed). */
async function usageFromFake(s: Stack, stream: boolean): Promise<Record<string, number>> {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const response = await post(
    `${s.fake.url}/v1beta/models/gemini-2.5-flash:${method}`,
    generateBody(question),
    {
      'x-goog-api-key': 'ok-direct-usage-key',
    },
  );
  const text = await response.text();
  const last = stream
    ? (
        text
          .trim()
          .split(/\r?\n\r?\n/)
          .at(-1) ?? ''
      ).replace(/^data: /, '')
    : text;
  return (JSON.parse(last) as { usageMetadata: Record<string, number> }).usageMetadata;
}

async function loggedTokens(s: Stack) {
  await s.gateway.logWriter.flush();
  return s.gateway.database.db
    .selectFrom('request_log')
    .select(['route', 'stream', 'status', 'input_tokens', 'output_tokens', 'thought_tokens', 'cached_tokens'])
    .orderBy('id')
    .execute();
}

const expected = (usage: Record<string, number>) => ({
  input_tokens: usage.promptTokenCount,
  output_tokens: usage.candidatesTokenCount,
  thought_tokens: usage.thoughtsTokenCount ?? 0,
  cached_tokens: usage.cachedContentTokenCount ?? 0,
});

describe('token counts in the request log', () => {
  it('counts the native API, whole and streamed, and OpenAI chat, whole and streamed', async () => {
    const s = await start();
    const native = `${s.url}/v1beta/models/gemini-2.5-flash`;
    const chat = (stream: boolean) =>
      post(
        `${s.url}/v1/chat/completions`,
        JSON.stringify({
          model: 'gemini-2.5-flash',
          stream,
          messages: [{ role: 'user', content: question }],
        }),
        auth,
      );
    for (const response of [
      await post(`${native}:generateContent`, generateBody(question), { 'x-goog-api-key': clientToken }),
      await post(`${native}:streamGenerateContent?alt=sse`, generateBody(question), {
        'x-goog-api-key': clientToken,
      }),
      await chat(false),
      await chat(true),
    ]) {
      expect(response.status).toBe(200);
      await response.text();
    }
    const whole = expected(await usageFromFake(s, false));
    const streamed = expected(await usageFromFake(s, true));
    expect(whole.input_tokens).toBeGreaterThan(0);
    expect(streamed.output_tokens).toBeGreaterThan(0);
    expect(await loggedTokens(s)).toEqual([
      { route: 'gemini generateContent', stream: 0, status: 200, ...whole },
      { route: 'gemini streamGenerateContent', stream: 1, status: 200, ...streamed },
      { route: expect.stringContaining('chat'), stream: 0, status: 200, ...whole },
      { route: expect.stringContaining('chat'), stream: 1, status: 200, ...streamed },
    ]);
  });

  it('leaves them empty when the answer counted none', async () => {
    const s = await start({ API_KEYS: 'invalid-token-log-key' });
    const refused = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody(question),
      { 'x-goog-api-key': clientToken },
    );
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const models = await fetch(`${s.url}/v1beta/models`, { headers: { 'x-goog-api-key': clientToken } });
    expect(models.status).toBeLessThan(600);
    for (const row of await loggedTokens(s)) {
      expect(row).toMatchObject({
        input_tokens: null,
        output_tokens: null,
        thought_tokens: null,
        cached_tokens: null,
      });
    }
  });

  it("keeps the row when a hostile upstream's counts are not counts", async () => {
    const usageMetadata = {
      promptTokenCount: 1e15,
      candidatesTokenCount: -3,
      thoughtsTokenCount: 'many',
      cachedContentTokenCount: 1.5,
    };
    const chunk = (text: string) =>
      JSON.stringify({
        candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }],
        usageMetadata,
      });
    let upstream: HostileUpstream | undefined;
    try {
      upstream = await startHostileUpstream((request) =>
        request.url?.includes('alt=sse')
          ? {
              kind: 'pieces',
              contentType: 'text/event-stream',
              pieces: [sseEvent(chunk('a')), sseEvent(chunk('b'))],
            }
          : { kind: 'pieces', contentType: 'application/json; charset=UTF-8', pieces: [chunk('whole')] },
      );
      const s = await start({ BASE_URL: `${upstream.url}/v1beta`, API_KEYS: 'ok-hostile-usage-key' });
      const native = `${s.url}/v1beta/models/gemini-2.5-flash`;
      for (const path of [':generateContent', ':streamGenerateContent?alt=sse']) {
        const response = await post(`${native}${path}`, generateBody(question), {
          'x-goog-api-key': clientToken,
        });
        expect(response.status).toBe(200);
        await response.text();
      }
      const counts = { input_tokens: 2_147_483_647, output_tokens: 0, thought_tokens: 0, cached_tokens: 2 };
      expect(await loggedTokens(s)).toEqual([
        { route: 'gemini generateContent', stream: 0, status: 200, ...counts },
        { route: 'gemini streamGenerateContent', stream: 1, status: 200, ...counts },
      ]);
    } finally {
      await upstream?.close();
    }
  });
});
