/** One upstream call a request made: which key, what came of it, and how long it took. */
export interface AttemptRecord {
  readonly keyId: string;
  /** Google's HTTP status; null when no answer came (network error, timeout, the client left). */
  readonly status: number | null;
  /** The outcome class (keypool/classify-outcome.ts describeOutcome), `ok` for an answer served. */
  readonly outcome: string;
  readonly ms: number;
}

// Stored as one short text per request (`3f…a1 429 quota-day 120;9a…0c 200 ok 840`) rather than
// rows of their own: the request log writes a row per request on the hot path, and the attempts are
// read only with their request.
const separator = ';';
const field = /^([0-9a-f]{1,16}) (\d{3}|-) ([a-z][a-z-]{0,63}) (\d{1,9})$/;

export function encodeAttemptTrace(records: readonly AttemptRecord[]): string {
  let text = '';
  for (const record of records) {
    if (text) text += separator;
    text += `${record.keyId} ${record.status ?? '-'} ${record.outcome} ${Math.max(0, Math.round(record.ms))}`;
  }
  return text;
}

/** The attempts a stored trace names; a part that is not one (a row from elsewhere) is left out. */
export function parseAttemptTrace(text: string | null): AttemptRecord[] {
  if (!text) return [];
  const records: AttemptRecord[] = [];
  for (const part of text.split(separator)) {
    const match = field.exec(part);
    if (!match) continue;
    const [, keyId, status, outcome, ms] = match as unknown as [string, string, string, string, string];
    records.push({ keyId, status: status === '-' ? null : Number(status), outcome, ms: Number(ms) });
  }
  return records;
}
