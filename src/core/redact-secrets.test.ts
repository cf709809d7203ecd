import { describe, expect, it } from 'vitest';
import { createKeyIdentity, maskKey } from './key-identity.js';
import { createSecretScrubber, redactSecrets } from './redact-secrets.js';

// Built at run time: a literal of this shape in the source would look like a leaked key.
const googleShaped = `AIza${'SyFAKEfake'.repeat(3)}00009`;
const poolKey = `AIza${'Sy?PLANT>ed~'.repeat(3)}xy`.replace(/[?>~]/g, 'Q');
const oddKey = 'odd-key/with"quote\\and+plus';

const percentAll = (text: string, lower = false) =>
  [...text]
    .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .map((u) => (lower ? u : u.toUpperCase()))
    .join('');
const jsonAll = (text: string) =>
  [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
/** Every other character escaped, alternating percent and JSON. */
const mixed = (text: string) =>
  [...text]
    .map((c, index) =>
      index % 2 === 0
        ? c
        : index % 4 === 1
          ? percentAll(c, true)
          : jsonAll(c).toUpperCase().replace('\\U', '\\u'),
    )
    .join('');
const base64At = (text: string, offset: number, alphabet: 'base64' | 'base64url' = 'base64') =>
  Buffer.concat([Buffer.from('xyz'.slice(0, offset)), Buffer.from(text), Buffer.from('tail')]).toString(
    alphabet,
  );

/** Each form a secret could take, found by an independent search of the output. */
function leaks(output: string, secret: string): string[] {
  const found: string[] = [];
  if (output.includes(secret)) found.push('raw');
  if (output.includes(JSON.stringify(secret).slice(1, -1))) found.push('json');
  if (output.includes(encodeURIComponent(secret))) found.push('percent');
  for (const alphabet of ['base64', 'base64url'] as const) {
    for (const offset of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret)]).toString(alphabet);
      const needle = encoded.slice(
        Math.ceil((offset * 8) / 6),
        Math.floor(((offset + secret.length) * 8) / 6),
      );
      if (output.includes(needle)) found.push(`${alphabet}@${offset}`);
    }
  }
  // Decoded back from every escape, nothing of the secret survives either.
  const decoded = output.replace(/%([0-9a-f]{2})|\\u([0-9a-f]{4})/gi, (_m, p: string, u: string) =>
    String.fromCharCode(Number.parseInt(p ?? u, 16)),
  );
  if (decoded.includes(secret)) found.push('escaped');
  return found;
}

describe('redactSecrets', () => {
  it('masks known secrets and anything shaped like a Google key', () => {
    expect(redactSecrets(`Consumer 'api_key:${googleShaped}' and my-own-key-123`, ['my-own-key-123'])).toBe(
      "Consumer 'api_key:AIza…0009' and my-o…-123",
    );
  });

  it('leaves ordinary text alone', () => {
    const text = 'The model is overloaded. 100% sure: \\u003c/b\\u003e, QUl6 and base64 aGVsbG8gd29ybGQ=';
    expect(redactSecrets(text, ['k-secret'])).toBe(text);
  });

  it.each([
    ['raw', (s: string) => s],
    ['percent-encoded, upper case', (s: string) => percentAll(s)],
    ['percent-encoded, lower case', (s: string) => percentAll(s, true)],
    ['JSON-escaped', jsonAll],
    ['JSON.stringify', (s: string) => JSON.stringify(s).slice(1, -1)],
    ['encodeURIComponent', encodeURIComponent],
    ['mixed escapes', mixed],
    ['base64 at offset 0', (s: string) => base64At(s, 0)],
    ['base64 at offset 1', (s: string) => base64At(s, 1)],
    ['base64 at offset 2', (s: string) => base64At(s, 2)],
    ['base64url at offset 1', (s: string) => base64At(s, 1, 'base64url')],
    ['base64url at offset 2', (s: string) => base64At(s, 2, 'base64url')],
  ])('removes a secret spelled %s', (_name, spell) => {
    for (const secret of [poolKey, oddKey, googleShaped]) {
      const text = `{"error":{"message":"bad: ${spell(secret)}."}}`;
      expect(leaks(text, secret).length, secret).toBeGreaterThan(0);
      const redacted = redactSecrets(text, [secret]);
      expect(leaks(redacted, secret), `${secret} in ${redacted}`).toEqual([]);
      expect(redacted).toMatch(/^\{"error":\{"message":"bad: .*\."\}\}$/);
    }
  });

  it.each([
    ['raw', (s: string) => s],
    ['percent-encoded', (s: string) => percentAll(s)],
    ['JSON-escaped', jsonAll],
    ['mixed escapes', mixed],
    ['base64 at offset 0', (s: string) => base64At(s, 0)],
    ['base64 at offset 1', (s: string) => base64At(s, 1)],
    ['base64 at offset 2', (s: string) => base64At(s, 2)],
    ['base64url at offset 2', (s: string) => base64At(s, 2, 'base64url')],
  ])('removes a Google-shaped key nobody named, spelled %s', (_name, spell) => {
    const redacted = redactSecrets(`see ${spell(googleShaped)} here`);
    expect(leaks(redacted, googleShaped)).toEqual([]);
  });

  it('keeps redacted base64 valid and of the same length', () => {
    const blob = base64At(googleShaped, 1);
    const redacted = redactSecrets(blob);
    expect(redacted).toHaveLength(blob.length);
    expect(redacted).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(redacted, 'base64').toString('latin1')).not.toContain('AIza');
  });

  it('masks escaped spellings with the mask of the key', () => {
    expect(redactSecrets(`k=${percentAll(googleShaped)}`)).toBe(`k=${maskKey(googleShaped)}`);
  });
});

describe('createSecretScrubber', () => {
  it.each([
    ['raw', (s: string) => s],
    ['percent-encoded', (s: string) => percentAll(s)],
    ['JSON-escaped', jsonAll],
    ['mixed escapes', mixed],
    ['base64 at offset 0', (s: string) => base64At(s, 0)],
    ['base64 at offset 1', (s: string) => base64At(s, 1)],
    ['base64 at offset 2', (s: string) => base64At(s, 2)],
    ['base64url at offset 2', (s: string) => base64At(s, 2, 'base64url')],
  ])('scrubs every event holding the key or a Google key spelled %s', (_name, spell) => {
    for (const [secret, planted] of [
      [poolKey, poolKey],
      ['k-short-secret', 'k-short-secret'],
      ['k-short-secret', googleShaped],
    ] as const) {
      const event = `data: {"error":{"message":"${spell(planted)}"}}\r\n\r\n`;
      const scrubber = createSecretScrubber(secret);
      expect(leaks(scrubber.bytes(Buffer.from(event)).toString(), planted)).toEqual([]);
      expect(leaks(scrubber.text(event), planted)).toEqual([]);
    }
  });

  it('passes an ordinary event through untouched, the same object', () => {
    const event = Buffer.from(
      'data: {"candidates":[{"content":{"parts":[{"text":"Hello there, how are you?"}],"role":"model"}}]}\r\n\r\n',
    );
    expect(createSecretScrubber(poolKey).bytes(event)).toBe(event);
  });

  it('takes no full pass over Google’s usual escapes (\\u003d in base64, %20 in links)', () => {
    const image = `${'iVBORw0KGgo'.repeat(1000)}\\u003d\\u003d`;
    const event = Buffer.from(
      `{"candidates":[{"content":{"parts":[{"inlineData":{"data":"${image}"}},{"text":"a \\u003cb\\u003e https://x.test/a%20b"}]}}]}`,
    );
    expect(createSecretScrubber(poolKey).bytes(event)).toBe(event);
    expect(createSecretScrubber(poolKey).text(event.toString())).toBe(event.toString());
  });
});

describe('key identity', () => {
  it('is stable, short and reveals only the ends of the key', () => {
    expect(createKeyIdentity('AIzaSyExample')).toEqual(createKeyIdentity('AIzaSyExample'));
    expect(createKeyIdentity('AIzaSyExample').id).toMatch(/^[0-9a-f]{16}$/);
    expect(createKeyIdentity('a').id).not.toBe(createKeyIdentity('b').id);
    expect(maskKey('AIzaSyExample')).toBe('AIza…mple');
    expect(maskKey('short')).toBe('…');
  });
});
