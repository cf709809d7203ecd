import { describe, expect, it } from 'vitest';
import { createKeyIdentity } from '../../src/core/key-identity.js';
import { findSecrets } from './find-secrets.js';

// `?`, `>` and `~` put `+` and `/` into its base64 at every alignment, so base64url spells it apart.
const key = 'AIzaSy???PLANTED>>>planted~~~';
const named = `${createKeyIdentity(key).masked} (id ${createKeyIdentity(key).id})`;
// Characters every encoding spells differently, so each one is proved to be looked for on its own.
const oddKey = 'odd key/with+"quote"&é~';

function scan(text: string, secret = key) {
  return findSecrets([{ name: 'answers.txt', text: Buffer.from(text, 'utf8').toString('latin1') }], [secret]);
}

describe('the secret scan', () => {
  it.each([
    ['raw', oddKey, `log line ${oddKey} end`],
    ['json', oddKey, JSON.stringify({ message: `quoting ${oddKey}` })],
    ['percent', oddKey, `GET /x?key=${encodeURIComponent(oddKey)}&b=1`],
    ['form', oddKey, `a=1&${new URLSearchParams({ key: oddKey })}`],
  ])('finds a planted secret as %s', (encoding, secret, text) => {
    expect(scan(text, secret)).toEqual([
      {
        file: 'answers.txt',
        encoding,
        secret: `${createKeyIdentity(secret).masked} (id ${createKeyIdentity(secret).id})`,
        occurrences: 1,
      },
    ]);
  });

  // Whatever precedes the key decides its alignment; what follows must not hide it either.
  it.each(['base64', 'base64url'] as const)('finds a planted secret in %s at every alignment', (alphabet) => {
    for (const before of ['', 'x', 'xy', 'xyz', 'some longer prefix ']) {
      const text = Buffer.from(`${before}${key}?> trailing`).toString(alphabet);
      const offset = before.length % 3;
      expect(scan(`{"data":"${text}"}`), `${before.length} bytes before the key`).toEqual([
        { file: 'answers.txt', encoding: `${alphabet}@${offset}`, secret: named, occurrences: 1 },
      ]);
    }
  });

  it('counts every occurrence and names the file, never the secret itself', () => {
    const findings = findSecrets(
      [
        { name: 'clean.txt', text: 'nothing to see here, not even AIzaSy???PLANTED' },
        { name: 'logs.txt', text: `${key} and again ${key}` },
      ],
      [key, key],
    );
    expect(findings).toEqual([{ file: 'logs.txt', encoding: 'raw', secret: named, occurrences: 2 }]);
    expect(JSON.stringify(findings)).not.toContain(key);
  });

  it('skips secrets shorter than 12 characters and finds nothing in a clean text', () => {
    expect(scan('k-a and k-a again', 'k-a')).toEqual([]);
    expect(scan('ok-key-12ch is here', 'ok-key-12ch')).toEqual([]);
    expect(scan('ok-key-12chr is here', 'ok-key-12chr')).toHaveLength(1);
    expect(scan(`almost ${key.slice(0, -1)}`)).toEqual([]);
  });
});
