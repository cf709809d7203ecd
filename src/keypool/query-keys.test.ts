import { describe, expect, it } from 'vitest';
import type { KeyMeta } from './key-meta-store.js';
import type { KeyRow } from './key-pool.js';
import type { KeyState } from './key-state.js';
import { type KeyQuery, keyListStateOf, queryKeys } from './query-keys.js';

const nowMs = 1_000_000;

function row(id: string, options: Partial<Omit<KeyRow, 'key'>> & { masked?: string } = {}): KeyRow {
  return {
    key: { id, masked: options.masked ?? `AIza…${id.slice(-4)}` },
    source: options.source ?? 'settings',
    state: options.state ?? { models: {} },
    requests: options.requests ?? 0,
    failures: options.failures ?? 0,
    usage: options.usage ?? new Map(),
  };
}

const resting: KeyState = {
  models: { 'gemini-2.5-pro': { coolUntilMs: nowMs + 60_000, rateLimitStreak: 1, softFailures: 0 } },
};
const rested: KeyState = {
  models: { 'gemini-2.5-pro': { coolUntilMs: nowMs - 1, rateLimitStreak: 0, softFailures: 0 } },
};
const refused: KeyState = {
  models: {},
  disabled: { reason: 'invalid', atMs: 5 },
  lastError: { atMs: 5, status: 400, type: 'invalid-key', message: 'API key not valid.' },
};
const switchedOff: KeyState = { models: {}, disabled: { reason: 'operator', atMs: 7 } };

const rows: KeyRow[] = [
  row('00aa', { requests: 5 }),
  row('00bb', { state: resting, requests: 9, failures: 2 }),
  row('11cc', { state: refused, source: 'runtime', failures: 1 }),
  row('22dd', { state: switchedOff, requests: 5 }),
  row('33ee', {
    state: rested,
    usage: new Map([['gemini-2.5-flash', { minuteStartMs: 0, minuteCount: 1, dayEndMs: 0, dayCount: 1 }]]),
  }),
];
const meta = new Map<string, KeyMeta>([
  ['00aa', { note: 'Team Blue trial', tags: ['blue', 'trial'] }],
  ['22dd', { note: '', tags: ['red'] }],
]);
const base: KeyQuery = { sort: 'id', order: 'asc', limit: 50 };
const ids = (query: Partial<KeyQuery>) =>
  queryKeys(rows, (id) => meta.get(id), { ...base, ...query }, nowMs).items.map((item) => item.key.id);

describe('keyListStateOf', () => {
  it.each<[KeyState, string]>([
    [{ models: {} }, 'active'],
    [rested, 'active'],
    [resting, 'resting'],
    [refused, 'refused'],
    [switchedOff, 'disabled'],
    [{ ...resting, disabled: { reason: 'suspended', atMs: 1 } }, 'refused'],
  ])('%j is %s', (state, expected) => {
    expect(keyListStateOf(state, nowMs)).toBe(expected);
  });
});

describe('queryKeys filters', () => {
  it.each<[Partial<KeyQuery>, string[]]>([
    [{}, ['00aa', '00bb', '11cc', '22dd', '33ee']],
    [{ state: 'active' }, ['00aa', '33ee']],
    [{ state: 'resting' }, ['00bb']],
    [{ state: 'refused' }, ['11cc']],
    [{ state: 'disabled' }, ['22dd']],
    [{ source: 'runtime' }, ['11cc']],
    [{ model: 'gemini-2.5-pro' }, ['00bb', '33ee']],
    [{ model: 'gemini-2.5-flash' }, ['33ee']],
    [{ model: 'constructor' }, []],
    [{ model: '__proto__', sort: 'restingUntil' }, []],
    [{ errorClass: 'invalid-key' }, ['11cc']],
    [{ tag: 'blue' }, ['00aa']],
    [{ tag: 'Blue' }, []],
    [{ text: '00' }, ['00aa', '00bb']],
    [{ text: '00A' }, ['00aa']],
    [{ text: 'aiza…22' }, ['22dd']],
    [{ text: 'team blue' }, ['00aa']],
    [{ text: 'RED' }, ['22dd']],
    [{ text: 'a.b(' }, []],
    [{ text: 'nothing', exactId: '33ee' }, ['33ee']],
    [{ state: 'active', text: 'trial' }, ['00aa']],
  ])('%j', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it('counts per state the keys every other filter passes, and how many the state filter leaves', () => {
    const page = queryKeys(rows, (id) => meta.get(id), { ...base, state: 'active', text: '00' }, nowMs);
    expect(page.counts).toEqual({ total: 2, active: 1, resting: 1, disabled: 0, refused: 0 });
    expect(page.matched).toBe(1);
  });
});

describe('queryKeys order and pages', () => {
  it.each<[Partial<KeyQuery>, string[]]>([
    [{ order: 'desc' }, ['33ee', '22dd', '11cc', '00bb', '00aa']],
    // Ties are broken by id, in the same direction.
    [{ sort: 'requests' }, ['11cc', '33ee', '00aa', '22dd', '00bb']],
    [{ sort: 'requests', order: 'desc' }, ['00bb', '22dd', '00aa', '33ee', '11cc']],
    [{ sort: 'failures', order: 'desc' }, ['00bb', '11cc', '33ee', '22dd', '00aa']],
    [{ sort: 'lastError', order: 'desc' }, ['11cc', '33ee', '22dd', '00bb', '00aa']],
    [{ sort: 'restingUntil', order: 'desc' }, ['00bb', '33ee', '22dd', '11cc', '00aa']],
  ])('%j', (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it.each<Partial<KeyQuery>>([
    { sort: 'id' },
    { sort: 'requests', order: 'desc' },
    { sort: 'failures' },
    { sort: 'restingUntil', order: 'desc' },
  ])('walks every key once, page by page, for %j', (query) => {
    const many = Array.from({ length: 237 }, (_, index) =>
      row(`k${((index * 7919) % 1000).toString().padStart(4, '0')}`, {
        requests: index % 5,
        failures: index % 3,
        state: index % 4 === 0 ? resting : { models: {} },
      }),
    );
    const seen: string[] = [];
    let after: KeyQuery['after'];
    for (let pages = 0; pages < 100; pages++) {
      const page = queryKeys(
        many,
        () => undefined,
        { ...base, ...query, limit: 10, ...(after ? { after } : {}) },
        nowMs,
      );
      seen.push(...page.items.map((item) => item.key.id));
      expect(page.matched).toBe(237);
      if (!page.next) break;
      after = page.next;
    }
    const whole = queryKeys(many, () => undefined, { ...base, ...query, limit: 500 }, nowMs);
    expect(whole.next).toBeUndefined();
    expect(seen).toEqual(whole.items.map((item) => item.key.id));
    expect(new Set(seen).size).toBe(237);
  });

  it('gives no cursor on the last page, also when it is exactly full', () => {
    expect(queryKeys(rows, () => undefined, { ...base, limit: 5 }, nowMs).next).toBeUndefined();
    expect(queryKeys(rows, () => undefined, { ...base, limit: 4 }, nowMs).next).toEqual({
      value: '22dd',
      id: '22dd',
    });
  });

  it('continues after a key removed since its page was read', () => {
    const page = queryKeys(
      rows.filter((item) => item.key.id !== '00bb'),
      () => undefined,
      { ...base, after: { value: '00bb', id: '00bb' } },
      nowMs,
    );
    expect(page.items.map((item) => item.key.id)).toEqual(['11cc', '22dd', '33ee']);
  });
});
