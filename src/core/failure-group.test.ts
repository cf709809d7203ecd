import { describe, expect, it } from 'vitest';
import { failureGroupOf } from './failure-group.js';

describe('failureGroupOf', () => {
  it.each([
    ['ok', undefined],
    ['quota-minute', 'per-minute'],
    ['quota-day', 'per-day'],
    ['precondition', 'no-free-tier'],
    ['invalid-key', 'invalid-key'],
    ['suspended', 'suspended'],
    ['upstream-error', 'google-5xx'],
    ['stream-timeout', 'timeout'],
    ['proxy', 'connection'],
    ['client-error', 'client-error'],
    ['malformed-answer', 'gateway'],
    ['something-new', 'gateway'],
  ])('%s → %s', (outcome, group) => {
    expect(failureGroupOf(outcome)).toBe(group);
  });
});
