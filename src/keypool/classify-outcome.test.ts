import { describe, expect, it } from 'vitest';
import {
  deadlineError,
  type FakeError,
  internalError,
  invalidArgumentError,
  invalidKeyError,
  locationNotSupportedError,
  modelNotFoundError,
  overloadedError,
  perDayQuotaError,
  perMinuteQuotaError,
  suspendedError,
  unknownFieldError,
  unknownQuotaError,
} from '../fake-upstream/fake-errors.js';
import { parseGeminiError } from '../upstream/parse-gemini-error.js';
import {
  classifyOutcome,
  confirmationOf,
  describeOutcome,
  type Outcome,
  type UpstreamAnswer,
} from './classify-outcome.js';

// 2026-11-28 10:00 in Los Angeles (PST, UTC-8): the next Pacific midnight is 2026-11-29 08:00 UTC.
const now = Date.UTC(2026, 10, 28, 18, 0, 0);
const pacificMidnight = Date.UTC(2026, 10, 29, 8, 0, 0);

const answer = (error: FakeError): UpstreamAnswer => ({
  kind: 'response',
  status: error.status,
  error: parseGeminiError(JSON.stringify(error.body)),
});
const raw = (status: number, body: unknown): UpstreamAnswer => ({
  kind: 'response',
  status,
  error: parseGeminiError(JSON.stringify(body)),
});

describe('classifyOutcome', () => {
  it.each<[string, UpstreamAnswer, Outcome]>([
    ['2xx', { kind: 'response', status: 200 }, { kind: 'ok', retry: false }],
    ['400 API_KEY_INVALID', answer(invalidKeyError()), { kind: 'key-dead', reason: 'invalid', retry: true }],
    [
      // Google's messages quote the client's input: words in a message never judge a key.
      '400 quoting "API key not valid" from the client, without ErrorInfo',
      answer(unknownFieldError('API key not valid. Please pass a valid API key.')),
      { kind: 'client-error', retry: false },
    ],
    [
      '400 "API key expired" with ErrorInfo API_KEY_INVALID',
      raw(400, {
        error: {
          code: 400,
          message: 'API key expired. Please renew the API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      }),
      { kind: 'key-dead', reason: 'invalid', retry: true },
    ],
    [
      '403 CONSUMER_SUSPENDED',
      answer(suspendedError('AIzaX')),
      { kind: 'key-dead', reason: 'suspended', retry: true },
    ],
    [
      '403 without a structured reason (the probe decides)',
      raw(403, {
        error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' },
      }),
      { kind: 'key-dead', reason: 'refused', retry: true },
    ],
    [
      '401 for a client OAuth parameter (the probe decides)',
      raw(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
          details: [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED' },
          ],
        },
      }),
      { kind: 'key-dead', reason: 'refused', retry: true },
    ],
    [
      '400 FAILED_PRECONDITION rests the key for the model',
      answer(locationNotSupportedError()),
      { kind: 'cool', reason: 'precondition', retry: true },
    ],
    [
      '403 SERVICE_DISABLED',
      raw(403, {
        error: {
          code: 403,
          message: 'Generative Language API has not been used in project 1 before or it is disabled.',
          status: 'PERMISSION_DENIED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }],
        },
      }),
      { kind: 'key-dead', reason: 'refused', retry: true },
    ],
    [
      '429 per-day quota',
      answer(perDayQuotaError('gemini-2.5-pro')),
      { kind: 'cool', reason: 'day', untilMs: pacificMidnight, retry: true },
    ],
    [
      '429 per-minute quota with RetryInfo',
      answer(perMinuteQuotaError('gemini-2.5-flash', 26)),
      { kind: 'cool', reason: 'minute', retryAfterMs: 26_000, retry: true },
    ],
    [
      '429 per-minute quota without RetryInfo',
      raw(429, {
        error: {
          code: 429,
          message: 'quota',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier' }],
            },
          ],
        },
      }),
      { kind: 'cool', reason: 'minute', retryAfterMs: 60_000, requestSized: true, retry: true },
    ],
    [
      '429 on a message that quotes "PerDay" from the client, without QuotaFailure',
      raw(429, {
        error: {
          code: 429,
          message: 'GenerateRequestsPerDayPerProjectPerModel',
          status: 'RESOURCE_EXHAUSTED',
        },
      }),
      { kind: 'cool', reason: 'unknown', retry: true },
    ],
    ['429 without details', answer(unknownQuotaError()), { kind: 'cool', reason: 'unknown', retry: true }],
    ['500', answer(internalError()), { kind: 'upstream-trouble', cause: 'server', retry: true }],
    ['503', answer(overloadedError()), { kind: 'upstream-trouble', cause: 'server', retry: true }],
    ['504', answer(deadlineError()), { kind: 'upstream-trouble', cause: 'server', retry: true }],
    [
      'network error',
      { kind: 'network', cause: 'connection' },
      { kind: 'upstream-trouble', cause: 'connection', retry: true },
    ],
    [
      'timeout',
      { kind: 'network', cause: 'timeout' },
      { kind: 'upstream-trouble', cause: 'timeout', retry: true },
    ],
    [
      'an outbound proxy that failed the call',
      { kind: 'network', cause: 'proxy' },
      { kind: 'upstream-trouble', cause: 'proxy', retry: true },
    ],
    ['400 unknown field', answer(unknownFieldError('foo')), { kind: 'client-error', retry: false }],
    [
      '400 bad request',
      answer(invalidArgumentError('* contents: contents is not specified')),
      { kind: 'client-error', retry: false },
    ],
    [
      '404 model',
      answer(modelNotFoundError('x', 'v1beta', 'generateContent')),
      { kind: 'client-error', retry: false },
    ],
    [
      '413',
      raw(413, { error: { code: 413, message: 'Request too large', status: 'INVALID_ARGUMENT' } }),
      { kind: 'client-error', retry: false },
    ],
    [
      '403 on a file owned by another project',
      raw(403, {
        error: {
          code: 403,
          message: 'You do not have permission to access the File abc or it may not exist.',
          status: 'PERMISSION_DENIED',
        },
      }),
      { kind: 'key-dead', reason: 'refused', retry: true },
    ],
  ])('%s', (_name, upstream, expected) => {
    expect(classifyOutcome(upstream, now)).toEqual(expected);
  });

  it.each<[string, UpstreamAnswer, Outcome]>([
    [
      'a connection lost after the first byte',
      { kind: 'interrupted', cause: 'connection' },
      { kind: 'upstream-trouble', cause: 'connection', retry: false },
    ],
    [
      'a stall after the first byte',
      { kind: 'interrupted', cause: 'timeout' },
      { kind: 'upstream-trouble', cause: 'timeout', retry: false },
    ],
  ])('%s is never retried', (_name, upstream, expected) => {
    expect(classifyOutcome(upstream, now)).toEqual(expected);
  });

  it.each<[Outcome, string]>([
    [{ kind: 'key-dead', reason: 'invalid', retry: true }, 'invalid-key'],
    [{ kind: 'key-dead', reason: 'suspended', retry: true }, 'suspended'],
    [{ kind: 'key-dead', reason: 'refused', retry: true }, 'refused'],
    [{ kind: 'cool', reason: 'precondition', retry: true }, 'precondition'],
    [{ kind: 'cool', reason: 'minute', retryAfterMs: 1, retry: true }, 'quota-minute'],
    [{ kind: 'cool', reason: 'day', untilMs: 1, retry: true }, 'quota-day'],
    [{ kind: 'cool', reason: 'unknown', retry: true }, 'rate-limited'],
    [{ kind: 'upstream-trouble', cause: 'server', retry: true }, 'upstream-error'],
    [{ kind: 'upstream-trouble', cause: 'timeout', retry: true }, 'timeout'],
    [{ kind: 'upstream-trouble', cause: 'proxy', retry: true }, 'proxy'],
    [{ kind: 'upstream-trouble', cause: 'connection', retry: false }, 'stream-connection'],
    [{ kind: 'client-error', retry: false }, 'client-error'],
  ])('names %j %s in the error log', (outcome, name) => {
    expect(describeOutcome(outcome)).toBe(name);
  });

  it.each<[Outcome, 'probe' | 'sibling' | undefined]>([
    [{ kind: 'key-dead', reason: 'invalid', retry: true }, 'probe'],
    [{ kind: 'key-dead', reason: 'refused', retry: true }, 'probe'],
    [{ kind: 'cool', reason: 'precondition', retry: true }, 'sibling'],
    [{ kind: 'cool', reason: 'minute', retryAfterMs: 1, requestSized: true, retry: true }, 'sibling'],
    [{ kind: 'cool', reason: 'minute', retryAfterMs: 1, retry: true }, undefined],
    [{ kind: 'cool', reason: 'day', untilMs: 1, retry: true }, undefined],
    [{ kind: 'upstream-trouble', cause: 'server', retry: true }, undefined],
    [{ kind: 'client-error', retry: false }, undefined],
  ])('%j is confirmed by %s before the pool applies it', (outcome, confirmation) => {
    expect(confirmationOf(outcome)).toBe(confirmation);
  });
});
