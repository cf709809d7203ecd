import { maskKey } from './key-identity.js';

// Google's own error messages can quote the caller's key (a suspended key's 403 says
// "Consumer 'api_key:AIza…' has been suspended."), and a hostile or broken upstream may send a key
// back spelled otherwise: JSON `\uXXXX` escapes, percent-encoding (character by character, mixed
// freely with plain characters) or base64 at any byte alignment. Upstream text is scrubbed of all
// of them before it reaches a client, a log line or a database row.

const keyBody = 35;
const keyShape = new RegExp(`^AIza[0-9A-Za-z_-]{${keyBody}}$`);

/** Regex source for a text character spelled as itself, `%XX` or a JSON `\u00XX` escape. */
function spellingsOf(character: string): string {
  const hex = character.charCodeAt(0).toString(16).padStart(2, '0');
  const anyCase = [...hex].map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit));
  const plain = character.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  // JSON may also escape these three with a backslash alone.
  const jsonShort = character === '"' || character === '\\' || character === '/' ? `|\\\\\\${character}` : '';
  return `(?:${plain}|%${anyCase.join('')}|\\\\u00${anyCase.join('')}${jsonShort})`;
}

const escapedUnit = /%[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2}|\\["\\/]/g;

/** Undoes the escapes `spellingsOf` allows. */
function decodeEscapes(text: string): string {
  return text.replace(escapedUnit, (unit) =>
    unit.startsWith('\\u')
      ? String.fromCharCode(Number.parseInt(unit.slice(2), 16))
      : unit.startsWith('%')
        ? String.fromCharCode(Number.parseInt(unit.slice(1), 16))
        : unit.slice(1),
  );
}

// `AIza` and 35 key characters, each plain or escaped; what it decodes to is checked after.
const googleKeyPattern = new RegExp(
  `${[...'AIza'].map(spellingsOf).join('')}(?:[0-9A-Za-z_-]|%[0-9A-Fa-f]{2}|\\\\u00[0-9A-Fa-f]{2}){${keyBody}}`,
  'g',
);

/**
 * The base64 characters that depend on `bytes` alone when they start `offset` (0, 1 or 2) bytes
 * into a 3-byte group, with the index of the first of them within the group's encoding.
 */
function base64Core(bytes: Buffer, offset: number): { core: string; skip: number } {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const skip = Math.ceil((offset * 8) / 6);
  const end = Math.floor(((offset + bytes.length) * 8) / 6);
  return { core: encoded.slice(skip, end), skip };
}

const toBase64Url = (text: string) => text.replaceAll('+', '-').replaceAll('/', '_');

/** A secret's base64 forms (standard and URL alphabet, each alignment), shorter ones left out. */
function base64FormsOf(secret: string): string[] {
  const forms = new Set<string>();
  for (const offset of [0, 1, 2]) {
    const { core } = base64Core(Buffer.from(secret, 'utf8'), offset);
    if (core.length < 8) continue;
    forms.add(core);
    forms.add(toBase64Url(core));
  }
  return [...forms];
}

// Where a Google key starts inside base64: the stable characters of `AIza` at each alignment.
const googleKeyBase64 = [0, 1, 2].map((offset) => ({ offset, ...base64Core(Buffer.from('AIza'), offset) }));

/**
 * Base64 text whose bytes hold a Google key: the characters that spell the key are overwritten with
 * `A` (zero bits), so the text stays valid base64 of the same length, minus the key.
 */
function redactGoogleKeysInBase64(text: string): string {
  let result = text;
  for (const { offset, core, skip } of googleKeyBase64) {
    let at = result.indexOf(core);
    while (at !== -1) {
      const groupStart = at - skip;
      const groupLength = Math.ceil((offset + 4 + keyBody) / 3) * 4;
      const window = result.slice(Math.max(groupStart, 0), groupStart + groupLength);
      const bytes = groupStart >= 0 ? Buffer.from(window, 'base64') : Buffer.alloc(0);
      const candidate = bytes.subarray(offset, offset + 4 + keyBody).toString('latin1');
      if (keyShape.test(candidate)) {
        const keyEnd = groupStart + Math.floor(((offset + 4 + keyBody) * 8) / 6);
        result = `${result.slice(0, at)}${'A'.repeat(keyEnd - at)}${result.slice(keyEnd)}`;
      }
      at = result.indexOf(core, at + 1);
    }
  }
  return result;
}

interface SecretPatterns {
  readonly spelled: RegExp;
  readonly base64: readonly string[];
}

// Secrets are few (the key of one call) and reused across calls: their patterns are kept.
const patternCache = new Map<string, SecretPatterns>();
const patternCacheLimit = 10_000;

function patternsOf(secret: string): SecretPatterns {
  let patterns = patternCache.get(secret);
  if (!patterns) {
    patterns = {
      spelled: new RegExp([...secret].map(spellingsOf).join(''), 'g'),
      base64: base64FormsOf(secret),
    };
    if (patternCache.size >= patternCacheLimit) patternCache.clear();
    patternCache.set(secret, patterns);
  }
  return patterns;
}

/**
 * Replaces every known secret and anything shaped like a Google API key, in whatever spelling, with
 * its masked form (base64 spellings with `A`s).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const { spelled, base64 } = patternsOf(secret);
    result = result.replace(spelled, maskKey(secret));
    for (const form of base64) {
      if (result.includes(form)) result = result.replaceAll(form, 'A'.repeat(form.length));
    }
  }
  result = result.replace(googleKeyPattern, (match) => {
    const key = decodeEscapes(match);
    return keyShape.test(key) ? maskKey(key) : match;
  });
  return redactGoogleKeysInBase64(result);
}

/**
 * Texts at least one of which every spelling of `secret` or of a Google key contains: a stream
 * checks each whole event against them (indexOf, no decoding) and scrubs only the rare event that
 * matches.
 */
function secretHints(secret: string): string[] {
  const hints = new Set(['AIza', ...googleKeyBase64.map(({ core }) => core)]);
  if (secret.length > 0) {
    hints.add(secret);
    for (const form of patternsOf(secret).base64) hints.add(form);
    // JSON's short escapes, only for a secret that has such a character.
    for (const character of ['"', '\\', '/']) if (secret.includes(character)) hints.add(`\\${character}`);
  }
  return [...hints];
}

export interface SecretScrubber {
  /** `bytes` (whole UTF-8 text) unchanged — the same object — or scrubbed of every secret. */
  bytes(bytes: Buffer): Buffer;
  text(text: string): string;
}

// One scrubber per key, made on its first stream: its hints are a dozen small buffers.
const scrubberCache = new Map<string, SecretScrubber>();

/**
 * `redactSecrets` for a stream's events or an answer's body: a cheap check on each, a full pass on
 * the few that hit.
 */
export function createSecretScrubber(secret: string): SecretScrubber {
  let scrubber = scrubberCache.get(secret);
  if (!scrubber) {
    scrubber = buildScrubber(secret);
    if (scrubberCache.size >= patternCacheLimit) scrubberCache.clear();
    scrubberCache.set(secret, scrubber);
  }
  return scrubber;
}

function buildScrubber(secret: string): SecretScrubber {
  const textHints = secretHints(secret);
  const byteHints = textHints.map((hint) => Buffer.from(hint, 'utf8'));
  return {
    bytes: (bytes) =>
      byteHints.some((hint) => bytes.includes(hint)) || hasKeyCharacterEscape(bytes)
        ? Buffer.from(redactSecrets(bytes.toString('utf8'), [secret]))
        : bytes,
    text: (text) =>
      textHints.some((hint) => text.includes(hint)) || hasKeyCharacterEscape(text)
        ? redactSecrets(text, [secret])
        : text,
  };
}

const percent = 0x25;
const backslash = 0x5c;
const jsonEscapeStart = '\\u00';

/** The value of a hex digit's character code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Whether a character may be part of a key (or be one of JSON's backslash-escaped three). */
function isKeyCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x2d ||
    code === 0x5f ||
    code === 0x22 ||
    code === 0x2f ||
    code === backslash
  );
}

/**
 * Whether the text escapes (`%XX` or `\u00XX`) a character a key can hold. Google's JSON escapes
 * `=`, `<` and `>` as `\u003d`, `\u003c`, `\u003e` all over its answers (an image's base64 ends in
 * them), and links carry `%20`: neither spells a key, and neither should cost a full pass.
 */
function hasKeyCharacterEscape(text: Buffer | string): boolean {
  const codeAt =
    typeof text === 'string' ? (at: number) => text.charCodeAt(at) : (at: number) => text[at] ?? 0;
  const find = (needle: number | string, from: number) =>
    typeof text === 'string'
      ? text.indexOf(typeof needle === 'number' ? String.fromCharCode(needle) : needle, from)
      : text.indexOf(needle, from);
  const escapes: [number | string, number][] = [
    [percent, 1],
    [jsonEscapeStart, 4],
  ];
  for (const [needle, digits] of escapes) {
    for (let at = find(needle, 0); at !== -1; at = find(needle, at + 1)) {
      const high = hexValue(codeAt(at + digits));
      const low = hexValue(codeAt(at + digits + 1));
      if (high !== -1 && low !== -1 && isKeyCharacter(high * 16 + low)) return true;
    }
  }
  return false;
}
