import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientToken, type Stack, startStack } from './helpers/start-stack.js';

// An unknown path answers in the shape of the API the path belongs to (Anthropic's for
// `/v1/messages…`), and an unknown OpenAI path is not reported as an unknown model.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const call = (method: string, path: string) =>
  fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });

describe('unknown routes', () => {
  it.each([
    ['POST', '/v1/responses-not-here'],
    ['GET', '/v1/files'],
    ['POST', '/v1/chat/completion'],
    ['GET', '/hf/v1/nothing'],
  ])('%s %s answers 404 in OpenAI’s shape, not model_not_found', async (method, path) => {
    const response = await call(method, path);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url', param: null });
    expect(String(body.error.message)).toContain(path);
  });

  it.each([
    ['POST', '/v1/messages/batches'],
    ['GET', '/v1/messages'],
    ['GET', '/v1/messages/count_tokens?beta=true'],
  ])('%s %s answers 404 in Anthropic’s shape', async (method, path) => {
    const response = await call(method, path);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { type: string; error: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(String(body.error.message)).toContain(path.split('?')[0]);
  });

  it.each([
    ['POST', '/v1beta/nothing'],
    ['GET', '/gemini/v1beta/tunedModels'],
  ])('%s %s answers 404 in Gemini’s shape', async (method, path) => {
    const response = await call(method, path);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });
});
