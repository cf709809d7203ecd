import { describe, expect, it } from 'vitest';
import { encodeKeyListCursor, parseKeyListQuery } from './parse-key-list-query.js';

describe('parseKeyListQuery', () => {
  it.each<[Record<string, unknown>, unknown]>([
    [{}, { sort: 'id', order: 'asc', limit: 50 }],
    [
      {
        state: 'refused',
        model: 'gemini-2.5-pro',
        errorClass: 'invalid-key',
        source: 'runtime',
        tag: 'team.a-1',
      },
      {
        state: 'refused',
        model: 'gemini-2.5-pro',
        errorClass: 'invalid-key',
        source: 'runtime',
        tag: 'team.a-1',
        sort: 'id',
        order: 'asc',
        limit: 50,
      },
    ],
    [{ q: '  AIza x ' }, { text: 'AIza x', sort: 'id', order: 'asc', limit: 50 }],
    [{ q: '   ' }, { sort: 'id', order: 'asc', limit: 50 }],
    [
      { sort: 'restingUntil', order: 'desc', limit: '500' },
      { sort: 'restingUntil', order: 'desc', limit: 500 },
    ],
    [{ limit: '1' }, { sort: 'id', order: 'asc', limit: 1 }],
  ])('%j', (raw, expected) => {
    expect(parseKeyListQuery(raw)).toEqual({ query: expected });
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ state: 'sleeping' }, /^state: /],
    [{ state: ['active', 'resting'] }, /^state: /],
    [{ limit: '0' }, /^limit: expected 1 to 500/],
    [{ limit: '501' }, /^limit: /],
    [{ limit: '-1' }, /^limit: /],
    [{ limit: '1e2' }, /^limit: /],
    [{ limit: '9'.repeat(400) }, /^limit: /],
    [{ sort: 'secret' }, /^sort: /],
    [{ order: 'up' }, /^order: /],
    [{ source: 'elsewhere' }, /^source: /],
    [{ tag: 'a b' }, /^tag: /],
    [{ tag: 'x'.repeat(33) }, /^tag: /],
    [{ errorClass: 'Invalid Key' }, /^errorClass: /],
    [{ model: '' }, /^model: /],
    [{ q: 'x'.repeat(201) }, /^q: /],
    [{ page: '2' }, /page/],
    [{ cursor: 'not-a-cursor' }, /^cursor: /],
    [{ cursor: Buffer.from('[1,2]').toString('base64url') }, /^cursor: /],
    [{ cursor: Buffer.from('{"__proto__":1}').toString('base64url') }, /^cursor: /],
    [{ cursor: encodeKeyListCursor('requests', 'asc', { value: 3, id: 'ab' }) }, /^cursor: /],
    [
      { sort: 'requests', cursor: encodeKeyListCursor('requests', 'asc', { value: 'x', id: 'ab' }) },
      /^cursor: /,
    ],
    [{ cursor: '%FF%FE' }, /^cursor: /],
  ])('refuses %j', (raw, message) => {
    const parsed = parseKeyListQuery(raw);
    expect(parsed).toEqual({ problem: expect.stringMatching(message) });
  });

  it('reads back the cursors it makes, for their own sort and order only', () => {
    const cursor = encodeKeyListCursor('failures', 'desc', { value: 4, id: '00ff00ff00ff00ff' });
    expect(parseKeyListQuery({ sort: 'failures', order: 'desc', cursor })).toMatchObject({
      query: { after: { value: 4, id: '00ff00ff00ff00ff' } },
    });
    expect(parseKeyListQuery({ sort: 'failures', cursor })).toHaveProperty('problem');
    const byId = encodeKeyListCursor('id', 'asc', { value: 'abc', id: 'abc' });
    expect(parseKeyListQuery({ cursor: byId })).toMatchObject({
      query: { after: { value: 'abc', id: 'abc' } },
    });
  });
});
