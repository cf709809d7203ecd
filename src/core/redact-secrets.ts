import { maskKey } from './key-identity.js';

// Google's own error messages can quote the caller's key (a suspended key's 403 says
// "Consumer 'api_key:AIza…' has been suspended."), so upstream text is scrubbed before it
// reaches a client, a log line or a database row.
const googleKeyShape = /AIza[0-9A-Za-z_-]{35}/g;

/** Replaces every known secret and anything shaped like a Google API key with its masked form. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0 && result.includes(secret)) result = result.replaceAll(secret, maskKey(secret));
  }
  return result.replace(googleKeyShape, (match) => maskKey(match));
}
