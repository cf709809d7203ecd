import { describe, expect, it } from 'vitest';
import { parseOpenAICompatPath } from './parse-openai-compat-path.js';

describe('parseOpenAICompatPath', () => {
  it.each([
    ['chat/completions', 'POST', '/v1beta/openai/chat/completions'],
    ['embeddings', 'POST', '/v1beta/openai/embeddings'],
    ['images/generations', 'POST', '/v1beta/openai/images/generations'],
    ['models', 'GET', '/v1beta/openai/models'],
    ['models/gemini-2.5-flash', 'GET', '/v1beta/openai/models/gemini-2.5-flash'],
    ['models/models/gemini-2.5-flash', 'GET', '/v1beta/openai/models/models/gemini-2.5-flash'],
  ])('%s %s → %s', (rest, method, path) => {
    expect(parseOpenAICompatPath(rest, method)).toEqual({ ok: true, path });
  });

  it.each([
    // Traversal and empty segments, plain or made of allowed characters.
    ['../models', 400],
    ['chat/../../v1beta/models', 400],
    ['./chat/completions', 400],
    ['chat//completions', 400],
    ['chat/completions/', 400],
    ['', 400],
    ['models/..', 400],
    ['models/.', 400],
    // Anything encoded, escaped or outside ASCII's path characters.
    ['chat%2Fcompletions', 400],
    ['chat/completions%3Fkey=x', 400],
    ['chat/completions%23', 400],
    ['%2e%2e/models', 400],
    ['chat/completions%0D%0AX-Injected:1', 400],
    ['chat/completions\r\nX-Injected: 1', 400],
    ['chat\\completions', 400],
    ['chat/completions?x=1', 400],
    ['models/gemini\u0000', 400],
    ['models/gemini\u007f', 400],
    ['models/gémini', 400],
    ['models/gemini 2', 400],
    ['models/a:generateContent', 400],
    // Well-formed, but not a resource of the endpoint.
    ['files', 404],
    ['batches', 404],
    ['chat', 404],
    ['chat/completions/x', 404],
    ['models/-x', 404],
    ['v1beta/models', 404],
    ['models/models/models/x', 404],
  ])('%j → %i', (rest, status) => {
    const parsed = parseOpenAICompatPath(rest, 'POST');
    expect(parsed).toMatchObject({ ok: false, status });
  });

  it.each([
    ['chat/completions', 'GET'],
    ['models', 'POST'],
    ['models/gemini-2.5-flash', 'DELETE'],
  ])('%s refuses %s with 405', (rest, method) => {
    expect(parseOpenAICompatPath(rest, method)).toMatchObject({ ok: false, status: 405 });
  });
});
