import { createHash } from 'node:crypto';

/** Which client token a request came with, as the logs and statistics name it: never the token. */
export interface ClientIdentity {
  /** 16 hex digits of the token's SHA-256, or `admin` for the admin token. */
  readonly id: string;
  /** What an operator recognises: `admin token`, or the token's last four characters. */
  readonly label: string;
}

export const adminClient: ClientIdentity = { id: 'admin', label: 'admin token' };

// A label shows at most the last four characters, and only of a token long enough that four are a
// small part of it; a short token is named by its id alone.
const minLengthForSuffix = 12;

export function clientIdentityOf(token: string): ClientIdentity {
  const id = createHash('sha256').update(`gemgate client\0${token}`).digest('hex').slice(0, 16);
  return {
    id,
    label: token.length >= minLengthForSuffix ? `…${token.slice(-4)}` : `token ${id.slice(0, 6)}`,
  };
}

/** Labels by id for the client tokens in force, to name the ids stored in the logs. */
function clientLabels(tokens: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>([[adminClient.id, adminClient.label]]);
  for (const token of tokens) {
    if (!token) continue;
    const client = clientIdentityOf(token);
    labels.set(client.id, client.label);
  }
  return labels;
}

/**
 * A client's label by id under the tokens in force (`tokens()` is read on each call; the labels
 * are made again only when it returns another list).
 */
export function createClientLabeller(tokens: () => readonly string[]): (id: string) => string | undefined {
  let known: { tokens: readonly string[]; labels: Map<string, string> } | undefined;
  return (id) => {
    const current = tokens();
    if (known?.tokens !== current) known = { tokens: current, labels: clientLabels(current) };
    return known.labels.get(id);
  };
}
