import { describe, expect, it } from 'vitest';
import { type AttemptRecord, encodeAttemptTrace, parseAttemptTrace } from './attempt-trace.js';

describe('attempt trace', () => {
  it.each<[string, AttemptRecord[]]>([
    ['one served attempt', [{ keyId: '3fa1b2c3d4e5f607', status: 200, outcome: 'ok', ms: 840 }]],
    [
      'a key at its daily quota, then another that served',
      [
        { keyId: '3fa1b2c3d4e5f607', status: 429, outcome: 'quota-day', ms: 120 },
        { keyId: '9a00000000000c0c', status: 200, outcome: 'ok', ms: 840 },
      ],
    ],
    ['no answer', [{ keyId: 'abc', status: null, outcome: 'timeout', ms: 30000 }]],
    ['none', []],
  ])('%s survives a round trip', (_name, records) => {
    expect(parseAttemptTrace(encodeAttemptTrace(records))).toEqual(records);
  });

  it('rounds times and keeps them non-negative', () => {
    expect(encodeAttemptTrace([{ keyId: 'ab', status: 200, outcome: 'ok', ms: -3.2 }])).toBe('ab 200 ok 0');
    expect(encodeAttemptTrace([{ keyId: 'ab', status: 200, outcome: 'ok', ms: 12.6 }])).toBe('ab 200 ok 13');
  });

  it.each([null, '', 'garbage', 'ab 200 OK 1', 'zz 200 ok 1', 'ab 99 ok 1', `ab 200 ok ${'9'.repeat(12)}`])(
    'reads nothing from %j',
    (text) => {
      expect(parseAttemptTrace(text)).toEqual([]);
    },
  );

  it('keeps the readable parts of a damaged trace', () => {
    expect(parseAttemptTrace('ab 200 ok 1;junk;cd - timeout 5')).toEqual([
      { keyId: 'ab', status: 200, outcome: 'ok', ms: 1 },
      { keyId: 'cd', status: null, outcome: 'timeout', ms: 5 },
    ]);
  });
});
