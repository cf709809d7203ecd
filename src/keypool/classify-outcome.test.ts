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
  describeOutcome,
  isRetryable,
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
    ['2xx', { kind: 'response', status: 200 }, { kind: 'ok' }],
    ['400 API_KEY_INVALID', answer(invalidKeyError()), { kind: 'key-dead', reason: 'invalid' }],
    [
      '400 "API Key not found" without ErrorInfo',
      raw(400, {
        error: {
          code: 400,
          message: 'API Key not found. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
        },
      }),
      { kind: 'key-dead', reason: 'invalid' },
    ],
    [
      '400 "API key expired"',
      raw(400, {
        error: {
          code: 400,
          message: 'API key expired. Please renew the API key.',
          status: 'INVALID_ARGUMENT',
        },
      }),
      { kind: 'key-dead', reason: 'invalid' },
    ],
    ['403 CONSUMER_SUSPENDED', answer(suspendedError('AIzaX')), { kind: 'key-dead', reason: 'suspended' }],
    [
      '403 caller does not have permission',
      raw(403, {
        error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' },
      }),
      { kind: 'key-dead', reason: 'suspended' },
    ],
    [
      '400 FAILED_PRECONDITION',
      answer(locationNotSupportedError()),
      { kind: 'key-dead', reason: 'precondition' },
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
      { kind: 'key-dead', reason: 'precondition' },
    ],
    [
      '429 per-day quota',
      answer(perDayQuotaError('gemini-2.5-pro')),
      { kind: 'cool', reason: 'day', untilMs: pacificMidnight },
    ],
    [
      '429 per-minute quota with RetryInfo',
      answer(perMinuteQuotaError('gemini-2.5-flash', 26)),
      { kind: 'cool', reason: 'minute', retryAfterMs: 26_000 },
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
      { kind: 'cool', reason: 'minute', retryAfterMs: 60_000 },
    ],
    ['429 without details', answer(unknownQuotaError()), { kind: 'cool', reason: 'unknown' }],
    ['500', answer(internalError()), { kind: 'upstream-trouble', cause: 'server' }],
    ['503', answer(overloadedError()), { kind: 'upstream-trouble', cause: 'server' }],
    ['504', answer(deadlineError()), { kind: 'upstream-trouble', cause: 'server' }],
    [
      'network error',
      { kind: 'network', cause: 'connection' },
      { kind: 'upstream-trouble', cause: 'connection' },
    ],
    ['timeout', { kind: 'network', cause: 'timeout' }, { kind: 'upstream-trouble', cause: 'timeout' }],
    ['400 unknown field', answer(unknownFieldError('foo')), { kind: 'client-error' }],
    [
      '400 bad request',
      answer(invalidArgumentError('* contents: contents is not specified')),
      { kind: 'client-error' },
    ],
    ['404 model', answer(modelNotFoundError('x', 'v1beta', 'generateContent')), { kind: 'client-error' }],
    [
      '413',
      raw(413, { error: { code: 413, message: 'Request too large', status: 'INVALID_ARGUMENT' } }),
      { kind: 'client-error' },
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
      { kind: 'client-error' },
    ],
  ])('%s', (_name, upstream, expected) => {
    expect(classifyOutcome(upstream, now)).toEqual(expected);
  });

  it('retries everything but success and the client’s own errors', () => {
    expect(isRetryable({ kind: 'ok' })).toBe(false);
    expect(isRetryable({ kind: 'client-error' })).toBe(false);
    expect(isRetryable({ kind: 'key-dead', reason: 'invalid' })).toBe(true);
    expect(isRetryable({ kind: 'cool', reason: 'unknown' })).toBe(true);
    expect(isRetryable({ kind: 'upstream-trouble', cause: 'timeout' })).toBe(true);
  });

  it.each<[Outcome, string]>([
    [{ kind: 'key-dead', reason: 'invalid' }, 'invalid-key'],
    [{ kind: 'key-dead', reason: 'suspended' }, 'suspended'],
    [{ kind: 'cool', reason: 'minute', retryAfterMs: 1 }, 'quota-minute'],
    [{ kind: 'cool', reason: 'day', untilMs: 1 }, 'quota-day'],
    [{ kind: 'cool', reason: 'unknown' }, 'rate-limited'],
    [{ kind: 'upstream-trouble', cause: 'server' }, 'upstream-error'],
    [{ kind: 'upstream-trouble', cause: 'timeout' }, 'timeout'],
    [{ kind: 'client-error' }, 'client-error'],
  ])('names %j %s in the error log', (outcome, name) => {
    expect(describeOutcome(outcome)).toBe(name);
  });
});
