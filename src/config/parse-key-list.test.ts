import { describe, expect, it } from 'vitest';
import { parseSettings, SettingsError } from './load-settings.js';
import { parseKeyList } from './parse-key-list.js';

describe('parseKeyList', () => {
  it('reads keys as a list setting', () => {
    expect(parseKeyList(' k-one , k-two ')).toEqual(['k-one', 'k-two']);
    expect(parseKeyList('["k-one","k-two"]')).toEqual(['k-one', 'k-two']);
  });

  it.each([
    ['["k-one","k-t\\u0000wo"]', 'entry 2 has a control character at position 4'],
    ['["k one"]', 'entry 1 has whitespace at position 2'],
    ['k-one,k-twö', 'entry 2 has a character outside printable ASCII at position 5'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseKeyList(text)).toThrow(message);
  });
});

describe('API_KEYS at start', () => {
  it('stops the start naming the setting and the entry, never the value', () => {
    const secret = 'k-secret-value';
    try {
      parseSettings({ API_KEYS: `["k-fine","${secret}\\r\\nX-Injected: 1"]` });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toContain('API_KEYS: entry 2 has a control character at position 15');
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
