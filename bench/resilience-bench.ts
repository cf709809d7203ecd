import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Pool } from 'undici';
import { createKeyIdentity, maskKey } from '../src/core/key-identity.js';
import type { RecordedRequest } from '../src/fake-upstream/create-fake-upstream.js';
import { parseGeminiError } from '../src/upstream/parse-gemini-error.js';
import { startFakeUpstreamProcess, startGatewayProcess } from './spawn-service.js';

// `npm run bench:resilience`: a pool of keys of every kind under a fixed concurrent load, native
// non-stream and SSE requests alternating. It prints what clients saw, what each key was asked,
// the calls spent on keys the pool already knew to be bad, and what retries cost in latency.
// The fake upstream and the gateway run as processes of their own, so the fake's clock marks when
// a call really arrived.
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const probeSeconds = 10;
const token = 'bench-token';
// The healthy key last, so requests meet the broken ones first.
const keys = {
  invalid: 'invalid-bench-1',
  suspended: 'suspended-bench-1',
  'per-minute': 'quota-minute-bench-1',
  'per-day': 'quota-day-bench-1',
  'flaky 503': 'flaky-bench-1',
  '20 per 10 s': 'limited-bench-1',
  healthy: 'ok-bench-1',
};
const deadKeys = [keys.invalid, keys.suspended, keys['per-day']];
const limitedKeys = [keys['per-minute'], keys['20 per 10 s']];

type Call = Omit<RecordedRequest, 'headers' | 'body'>;

const fake = await startFakeUpstreamProcess([
  '--retry-delay',
  '5',
  '--limit-requests',
  '20',
  '--limit-window',
  '10',
  '--record-limit',
  '10000000',
]);
const directory = mkdtempSync(join(tmpdir(), 'gemgate-resilience-'));
const database = join(directory, 'gemgate.db');
const gateway = await startGatewayProcess({
  API_KEYS: Object.values(keys).join(','),
  AUTH_TOKEN: token,
  BASE_URL: fake.url,
  SQLITE_DATABASE: database,
  CHECK_INTERVAL_HOURS: String(probeSeconds / 3600),
  // Debug lines say when each call went on the wire, by the gateway's own clock.
  LOG_LEVEL: 'debug',
});

const client = new Pool(gateway.url, { connections: concurrency });
const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }] });
const clientResults: { ok: boolean; status: number }[] = [];
const deadline = Date.now() + seconds * 1000;
let counter = 0;

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const stream = counter++ % 2 === 1;
    const path = stream
      ? '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'
      : '/v1beta/models/gemini-2.5-flash:generateContent';
    try {
      const response = await client.request({
        method: 'POST',
        path,
        body,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': token },
      });
      const text = await response.body.text();
      // A stream can fail in-band after its 200: an error event.
      clientResults.push({
        ok: response.statusCode === 200 && !(stream && text.includes('"error"')),
        status: response.statusCode,
      });
    } catch {
      clientResults.push({ ok: false, status: 0 });
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
const statusAtEnd = new Map(
  (
    (await (
      await fetch(`${gateway.url}/api/keys`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      keys: { id: string; status: string }[];
    }
  ).keys.map((key) => [key.id, key.status]),
);
const journal = ((await (await fetch(`${fake.url}/__fake/journal`)).json()) as { requests: Call[] }).requests;
await client.close();
await gateway.stop();
const gatewayLines = gateway.lines();
await fake.stop();

// When the gateway learned of each failure: its error log, written as the answer was classified.
const sqlite = new SqliteDatabase(database, { readonly: true });
const learned = sqlite.prepare('select key_id, created_at from error_log where key_id is not null').all() as {
  key_id: string;
  created_at: number;
}[];
const latency = sqlite
  .prepare(
    `select attempts > 1 as retried, count(*) as requests, avg(latency_ms) as mean
       from request_log where route like 'gemini %' group by attempts > 1`,
  )
  .all() as { retried: number; requests: number; mean: number }[];
sqlite.close();
rmSync(directory, { recursive: true, force: true });

const generationCalls = (key: string) => journal.filter((call) => call.key === key && call.method === 'POST');
const learnedAt = (key: string) =>
  learned
    .filter((row) => row.key_id === createKeyIdentity(key).id)
    .map((row) => row.created_at)
    .sort((a, b) => a - b);

/** Generation calls that left the gateway after it had learned the key was refused or parked for the day. */
/** When the gateway put each generation call with the key on the wire, from its debug log. */
const sentAt = (key: string): number[] => {
  const id = createKeyIdentity(key).id;
  return gatewayLines
    .filter((line) => line.includes('"msg":"upstream call"'))
    .map((line) => JSON.parse(line) as { time: number; keyId: string; model: string; sent: boolean })
    .filter((entry) => entry.keyId === id && entry.sent && entry.model !== '*')
    .map((entry) => entry.time);
};

/** Generation calls sent after the gateway learned the key was refused or parked for the day. */
function callsAfterRefusal(key: string): number {
  const first = learnedAt(key)[0];
  return first === undefined ? 0 : sentAt(key).filter((time) => time > first).length;
}

/**
 * Calls sent after the gateway had learned of a 429 and before the rest that 429 asked for was
 * over. (Calls already on their way when it learned could not have known.)
 */
function callsInsideRest(key: string): number {
  const calls = generationCalls(key);
  const rests = learnedAt(key).map((at) => {
    const answer = [...calls].reverse().find((call) => call.status === 429 && (call.answeredAtMs ?? 0) <= at);
    const delay = answer?.errorBody ? (parseGeminiError(answer.errorBody).retryDelayMs ?? 0) : 0;
    return { from: at, until: (answer?.answeredAtMs ?? at) + delay };
  });
  return sentAt(key).filter((time) => rests.some((rest) => time > rest.from && time < rest.until)).length;
}

const wasted = new Map<string, number>([
  ...deadKeys.map((key) => [key, callsAfterRefusal(key)] as const),
  ...limitedKeys.map((key) => [key, callsInsideRest(key)] as const),
]);

const failures = clientResults.filter((result) => !result.ok);
console.log(
  `\n${clientResults.length} client requests in ${seconds} s at concurrency ${concurrency}, half of them streamed: ` +
    `${failures.length} failed${failures.length ? ` (statuses ${[...new Set(failures.map((f) => f.status))].join(', ')})` : ''}`,
);
console.log(
  `\n${'key'.padEnd(22)} ${'kind'.padEnd(12)} generation calls  probes  answers                 wasted  at end`,
);
for (const [kind, key] of Object.entries(keys)) {
  const calls = generationCalls(key);
  const answers = new Map<string, number>();
  for (const call of calls)
    answers.set(String(call.status ?? 'cut'), (answers.get(String(call.status ?? 'cut')) ?? 0) + 1);
  const probes = journal.filter((call) => call.key === key && call.method === 'GET').length;
  console.log(
    `${key.padEnd(22)} ${kind.padEnd(12)} ${String(calls.length).padStart(16)}  ${String(probes).padStart(6)}  ` +
      `${[...answers]
        .map(([status, count]) => `${status}×${count}`)
        .join(' ')
        .padEnd(22)} ` +
      `${String(wasted.get(key) ?? '-').padStart(6)}  ${statusAtEnd.get(createKeyIdentity(key).id) ?? '?'}`,
  );
}
const first = latency.find((row) => row.retried === 0);
const retried = latency.find((row) => row.retried === 1);
console.log(
  `\nlatency: ${first?.requests ?? 0} requests answered by their first attempt, mean ${first?.mean?.toFixed(2) ?? '-'} ms; ` +
    `${retried?.requests ?? 0} after a retry, mean ${retried?.mean?.toFixed(2) ?? '-'} ms` +
    (first && retried ? ` (retries add ${(retried.mean - first.mean).toFixed(2)} ms)` : ''),
);

const checks: [string, boolean][] = [
  ['no client-visible failure while a healthy key exists', failures.length === 0],
  [
    'invalid and suspended keys called at most once before a probe',
    [keys.invalid, keys.suspended].every((key) => generationCalls(key).length <= 1),
  ],
  [
    'no call to a key after it was refused or parked for the day',
    deadKeys.every((key) => wasted.get(key) === 0),
  ],
  [
    'no call to a rate-limited key before its retryDelay passed',
    limitedKeys.every((key) => wasted.get(key) === 0),
  ],
  ['503s never disable a key', statusAtEnd.get(createKeyIdentity(keys['flaky 503']).id) === 'active'],
];
console.log('');
for (const [name, passed] of checks) console.log(`${passed ? 'PASS' : 'FAIL'}  ${name}`);
console.log(
  `(keys are shown by name here; the gateway itself shows them as ids and masks such as ${maskKey(keys.healthy)})`,
);
process.exitCode = checks.every(([, passed]) => passed) ? 0 : 1;
