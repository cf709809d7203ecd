import { describe, expect, it } from 'vitest';
import {
  invalidKeyError,
  overloadedError,
  perDayQuotaError,
  perMinuteQuotaError,
  suspendedError,
} from '../fake-upstream/fake-errors.js';
import { parseDurationMs, parseGeminiError } from './parse-gemini-error.js';

const text = (body: unknown) => JSON.stringify(body);

describe('parseGeminiError', () => {
  it('reads ErrorInfo.reason', () => {
    expect(parseGeminiError(text(invalidKeyError().body))).toMatchObject({
      reason: 'API_KEY_INVALID',
      rpcStatus: 'INVALID_ARGUMENT',
      message: 'API key not valid. Please pass a valid API key.',
    });
    expect(parseGeminiError(text(suspendedError('k').body)).reason).toBe('CONSUMER_SUSPENDED');
  });

  it('reads QuotaFailure quota ids and RetryInfo', () => {
    expect(parseGeminiError(text(perMinuteQuotaError('gemini-2.5-flash', 26).body))).toMatchObject({
      quotaIds: ['GenerateRequestsPerMinutePerProjectPerModel-FreeTier'],
      retryDelayMs: 26_000,
      rpcStatus: 'RESOURCE_EXHAUSTED',
    });
    const daily = parseGeminiError(text(perDayQuotaError('gemini-2.5-pro').body));
    expect(daily.quotaIds).toEqual(['GenerateRequestsPerDayPerProjectPerModel-FreeTier']);
    expect(daily.retryDelayMs).toBeUndefined();
  });

  it('reads a body without details', () => {
    expect(parseGeminiError(text(overloadedError().body))).toEqual({
      message: 'The model is overloaded. Please try again later.',
      rpcStatus: 'UNAVAILABLE',
      quotaIds: [],
    });
  });

  it('accepts an array-wrapped body and survives one that is not JSON', () => {
    expect(parseGeminiError(text([overloadedError().body])).rpcStatus).toBe('UNAVAILABLE');
    expect(parseGeminiError('<html>Bad Gateway</html>')).toEqual({
      message: '<html>Bad Gateway</html>',
      quotaIds: [],
    });
    expect(parseGeminiError('{"unexpected":true}').quotaIds).toEqual([]);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['26s', 26_000],
    ['0.5s', 500],
    ['26.493s', 26_493],
    ['1m', undefined],
    ['', undefined],
  ])('%j → %j', (duration, expected) => {
    expect(parseDurationMs(duration)).toBe(expected);
  });
});
