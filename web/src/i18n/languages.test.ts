import { describe, expect, it } from 'vitest';
import { initialLanguage, languages } from '../i18n';
import { en } from './en';

/** Every leaf of a language's texts, by its path: strings, and functions called with sample values. */
function leaves(texts: unknown, path = ''): Map<string, string> {
  const found = new Map<string, string>();
  if (typeof texts === 'string') found.set(path, texts);
  else if (typeof texts === 'function') found.set(path, String(texts(...Array(texts.length).fill('7'))));
  else if (texts !== null && typeof texts === 'object')
    for (const [name, value] of Object.entries(texts))
      for (const [leaf, text] of leaves(value, path ? `${path}.${name}` : name)) found.set(leaf, text);
  return found;
}

// The settings' English descriptions are the gateway's own (GET /api/config); other languages hold
// theirs here, checked against the setting catalog by pages/config/texts.test.ts.
const ownTexts = (path: string) => !path.startsWith('config.descriptions.');

describe('the console languages', () => {
  const english = leaves(en);

  it.each(Object.entries(languages))('%s has every text, none empty', (_code, texts) => {
    const own = leaves(texts);
    expect([...own.keys()].filter(ownTexts).sort()).toEqual([...english.keys()].sort());
    for (const [path, text] of own) expect(text.trim(), path).not.toBe('');
  });

  it('Chinese is Chinese: most texts differ from English and hold Han characters', () => {
    const chinese = leaves(languages['zh-CN']);
    const han = [...chinese.values()].filter((text) => /\p{Script=Han}/u.test(text));
    // Numbers, codes and names (429, p95, English) stay as they are.
    expect(han.length / chinese.size).toBeGreaterThan(0.85);
  });

  it('starts in the language saved, else Chinese for a browser that reads it, else English', () => {
    expect(initialLanguage('en', ['zh-CN'])).toBe('en');
    expect(initialLanguage(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(initialLanguage(null, ['fr-FR', 'en-US'])).toBe('en');
    expect(initialLanguage('klingon', ['de'])).toBe('en');
  });
});
