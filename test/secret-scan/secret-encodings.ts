/** A form a secret may take in a text, as the bytes (one latin1 character each) to look for. */
export interface SecretEncoding {
  readonly encoding: string;
  readonly needle: string;
}

/**
 * Every form in which a secret could leave the gateway: as is, inside a JSON string, percent-
 * encoded as a URL component or a form value, and in base64 or base64url. A base64 text depends on
 * what precedes the secret, so for each of the three byte alignments the needle is the run of
 * characters made of the secret's bits alone, stable whatever comes before or after it.
 * Needles are byte strings of the UTF-8 form, matched against texts read as latin1. Forms that
 * equal an earlier one (for a plain ASCII key, most of them) are listed once.
 */
export function secretEncodings(secret: string): SecretEncoding[] {
  const bytes = Buffer.from(secret, 'utf8');
  const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const forms: SecretEncoding[] = [
    { encoding: 'raw', needle: bytes.toString('latin1') },
    { encoding: 'json', needle: latin1(JSON.stringify(secret).slice(1, -1)) },
    { encoding: 'percent', needle: encodeURIComponent(secret) },
    { encoding: 'form', needle: new URLSearchParams({ s: secret }).toString().slice('s='.length) },
  ];
  for (const alphabet of ['base64', 'base64url'] as const) {
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet);
      // Character i carries bits [6i, 6i + 6); keep those that lie wholly inside the secret's bits.
      const first = Math.ceil((offset * 8) / 6);
      const end = Math.floor(((offset + bytes.length) * 8) / 6);
      forms.push({ encoding: `${alphabet}@${offset}`, needle: encoded.slice(first, end) });
    }
  }
  const seen = new Set<string>();
  return forms.filter(({ needle }) => !seen.has(needle) && seen.add(needle));
}
