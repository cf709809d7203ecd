import { describe, expect, it } from 'vitest';
import { byGroup, matches, parseText, pendingChanges, type SettingView, textOf } from './model';

const view = (name: string, kind: Partial<SettingView>, value: unknown = ''): SettingView => ({
  name,
  group: 'API',
  value,
  source: 'default',
  live: true,
  applies: 'next request',
  secret: false,
  revealable: true,
  description: `${name} description`,
  type: 'string',
  ...kind,
});

describe('parseText', () => {
  it('checks whole numbers and their range', () => {
    const kind = { type: 'integer', min: 1, max: 100 } as const;
    expect(parseText(kind, ' 42 ')).toEqual({ ok: true, value: 42 });
    expect(parseText(kind, 'many')).toEqual({ ok: false, problem: { code: 'integer' } });
    expect(parseText(kind, '1.5')).toEqual({ ok: false, problem: { code: 'integer' } });
    expect(parseText(kind, '')).toEqual({ ok: false, problem: { code: 'required' } });
    expect(parseText(kind, '101')).toEqual({ ok: false, problem: { code: 'range', min: 1, max: 100 } });
  });

  it('checks numbers against a minimum only', () => {
    const kind = { type: 'number', min: 0.1 } as const;
    expect(parseText(kind, '0.5')).toEqual({ ok: true, value: 0.5 });
    expect(parseText(kind, '0')).toEqual({ ok: false, problem: { code: 'range', min: 0.1 } });
    expect(parseText(kind, '1e400')).toEqual({ ok: false, problem: { code: 'number' } });
  });

  it('reads lists one item a line, blanks dropped', () => {
    expect(parseText({ type: 'list' }, ' a \n\nb\n')).toEqual({ ok: true, value: ['a', 'b'] });
  });

  it('asks maps for a JSON object, and JSON for anything but null', () => {
    expect(parseText({ type: 'map' }, '{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseText({ type: 'map' }, '[1]')).toEqual({ ok: false, problem: { code: 'object' } });
    expect(parseText({ type: 'map' }, '{"a": 1')).toEqual({ ok: false, problem: { code: 'json' } });
    expect(parseText({ type: 'json' }, '[]')).toEqual({ ok: true, value: [] });
    expect(parseText({ type: 'json' }, 'null')).toEqual({ ok: false, problem: { code: 'json' } });
  });

  it('reads back what textOf wrote', () => {
    const cases: [Partial<SettingView>, unknown][] = [
      [{ type: 'boolean' }, true],
      [{ type: 'boolean' }, false],
      [{ type: 'integer' }, 3],
      [{ type: 'number' }, 0.016],
      [{ type: 'list' }, ['a', 'b']],
      [{ type: 'map' }, { 'gemini-2.5-flash': 1024 }],
      [{ type: 'json' }, [{ category: 'c', threshold: 't' }]],
      [{ type: 'url' }, 'https://example.com/prefix'],
      [{ type: 'enum', options: ['a', 'b'] }, 'b'],
    ];
    for (const [kind, value] of cases) {
      const setting = view('X', kind, value);
      expect(parseText(setting, textOf(setting, value))).toEqual({ ok: true, value });
    }
  });
});

describe('pendingChanges', () => {
  const settings = [
    view('MAX_RETRIES', { type: 'integer', min: 1, max: 100 }, 3),
    view('FILTERED_MODELS', { type: 'list' }, ['a']),
    view('SHOW_SEARCH_LINK', { type: 'boolean' }, true),
  ];
  it('counts drafts that change a value or do not parse, not those that come back to it', () => {
    const pending = pendingChanges(
      { MAX_RETRIES: 'x', FILTERED_MODELS: 'a\n\n', SHOW_SEARCH_LINK: 'false' },
      settings,
      (setting) => setting.value,
    );
    expect(pending).toEqual({
      values: { SHOW_SEARCH_LINK: false },
      problems: { MAX_RETRIES: { code: 'integer' } },
      count: 2,
    });
  });
});

describe('search and groups', () => {
  it('matches the name, the server description or the translated one, in any case', () => {
    const setting = view('MAX_RETRIES', {});
    expect(matches(setting, '重试次数', 'retries')).toBe(true);
    expect(matches(setting, '重试次数', '重试')).toBe(true);
    expect(matches(setting, '重试次数', 'DESCRIPTION')).toBe(true);
    expect(matches(setting, '重试次数', 'pool')).toBe(false);
  });

  it("orders groups as the seed's console does, an unknown group last", () => {
    const groups = byGroup([
      view('A', { group: 'DB' }),
      view('B', { group: 'New' }),
      view('C', { group: 'API' }),
    ]);
    expect(groups.map(([group]) => group)).toEqual(['API', 'DB', 'New']);
  });
});
