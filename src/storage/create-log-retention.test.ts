import { describe, expect, it } from 'vitest';
import { retentionPlan } from './create-log-retention.js';

describe('retentionPlan', () => {
  const nowMs = Date.UTC(2026, 11, 6);
  const day = 86_400_000;
  it.each([
    [true, false, [['error_log', nowMs - 7 * day]]],
    [false, true, [['request_log', nowMs - 30 * day]]],
    [
      true,
      true,
      [
        ['error_log', nowMs - 7 * day],
        ['request_log', nowMs - 30 * day],
      ],
    ],
    [false, false, []],
  ])('error logs %s, request logs %s', (errors, requests, expected) => {
    const settings = {
      AUTO_DELETE_ERROR_LOGS_ENABLED: errors,
      AUTO_DELETE_ERROR_LOGS_DAYS: 7,
      AUTO_DELETE_REQUEST_LOGS_ENABLED: requests,
      AUTO_DELETE_REQUEST_LOGS_DAYS: 30,
    };
    expect(retentionPlan(settings, nowMs)).toEqual(expected);
  });
});
