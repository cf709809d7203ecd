import { createKeyIdentity } from '../../src/core/key-identity.js';
import { secretEncodings } from './secret-encodings.js';

/**
 * Shorter secrets are not looked for: test keys like `k-a` occur in ordinary text (and their
 * base64 forms are a few characters), so finding them would prove nothing.
 */
export const minimumSecretLength = 12;

export interface ScannedText {
  readonly name: string;
  /** The recorded bytes, one latin1 character each. */
  readonly text: string;
}

export interface SecretFinding {
  readonly file: string;
  readonly encoding: string;
  /** The secret as the gateway names keys (`AIza…0042 (id 1a2b3c4d)`), never the secret itself. */
  readonly secret: string;
  readonly occurrences: number;
}

interface Needle {
  readonly needle: string;
  readonly encoding: string;
  readonly secret: string;
}

/** Every place where any secret of at least `minimumSecretLength` characters occurs in any form. */
export function findSecrets(texts: Iterable<ScannedText>, secrets: Iterable<string>): SecretFinding[] {
  const needles = [...new Set(secrets)]
    .filter((secret) => secret.length >= minimumSecretLength)
    .flatMap((secret) => {
      const { id, masked } = createKeyIdentity(secret);
      return secretEncodings(secret).map(({ encoding, needle }) => ({
        needle,
        encoding,
        secret: `${masked} (id ${id})`,
      }));
    });
  if (needles.length === 0) return [];

  // One pass over each text whatever the number of needles: a table of two-byte starts rules out
  // almost every position, then a map from fixed-length prefixes names the candidate needles.
  const prefixLength = Math.min(...needles.map(({ needle }) => needle.length));
  const starts = new Uint8Array(65_536);
  const byPrefix = new Map<string, Needle[]>();
  for (const needle of needles) {
    starts[pairAt(needle.needle, 0)] = 1;
    const prefix = needle.needle.slice(0, prefixLength);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), needle]);
  }

  const findings = new Map<string, SecretFinding>();
  for (const { name, text } of texts) {
    for (let index = 0; index + prefixLength <= text.length; index++) {
      if (starts[pairAt(text, index)] === 0) continue;
      for (const candidate of byPrefix.get(text.slice(index, index + prefixLength)) ?? []) {
        if (!text.startsWith(candidate.needle, index)) continue;
        const key = `${name}\0${candidate.encoding}\0${candidate.secret}`;
        const found = findings.get(key);
        findings.set(key, {
          file: name,
          encoding: candidate.encoding,
          secret: candidate.secret,
          occurrences: (found?.occurrences ?? 0) + 1,
        });
      }
    }
  }
  return [...findings.values()];
}

function pairAt(text: string, index: number): number {
  return ((text.charCodeAt(index) & 0xff) << 8) | (text.charCodeAt(index + 1) & 0xff);
}
