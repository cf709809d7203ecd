import { describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../core/log-sink.js';
import { RequestLogQueue } from './request-log-queue.js';

describe('RequestLogQueue', () => {
  it('gives back what it was given, in order, tokens included where there were any', () => {
    const base: RequestLogEntry = {
      createdAt: 5,
      route: 'r',
      model: 'm',
      keyId: 'k',
      status: 200,
      success: true,
      latencyMs: 2,
      attempts: 1,
      stream: false,
    };
    const entries: RequestLogEntry[] = [
      { ...base, tokens: { input: 0, output: 7, thoughts: 3, cached: 1 } },
      { ...base, model: null, keyId: null, status: 429, success: false, stream: true },
      { ...base, tokens: { input: 9, output: 0, thoughts: 0, cached: 0 } },
      {
        ...base,
        clientId: 'c',
        requestSeq: 41,
        trace: [{ keyId: 'k', status: 200, outcome: 'ok', ms: 12 }],
      },
      {
        ...base,
        success: false,
        errorClass: 'quota-day',
        requestSeq: 42,
        trace: [
          { keyId: 'j', status: 429, outcome: 'quota-day', ms: 3 },
          { keyId: 'k', status: null, outcome: 'timeout', ms: 30_000 },
        ],
      },
      { ...base, trace: [] },
    ];
    const queue = new RequestLogQueue();
    for (const entry of entries) queue.push(entry);
    expect(queue.drain()).toEqual(entries);
    expect(queue.length).toBe(0);
    expect(queue.drain()).toEqual([]);
  });
});
