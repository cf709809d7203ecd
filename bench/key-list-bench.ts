import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseSettings } from '../src/config/load-settings.js';
import { createFakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { startGateway } from '../src/start-gateway.js';

// `npx tsx bench/key-list-bench.ts`: GET /api/keys over a pool of 100,000 keys (BENCH_KEYS), a
// tenth refused, a tenth resting, some tagged, through the real HTTP server. Prints the median and
// the slowest of several runs per query, first page and a page deep in the list.
const keyCount = Number(process.env.BENCH_KEYS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 15);
const adminToken = 'bench-admin-token';

const fake = await createFakeUpstream();
const directory = mkdtempSync(join(tmpdir(), 'gemgate-key-list-'));
const secrets = Array.from(
  { length: keyCount },
  (_, index) => `ok-bench-key-${index.toString().padStart(7, '0')}`,
);
const gateway = await startGateway(
  parseSettings({
    API_KEYS: secrets.join(','),
    AUTH_TOKEN: adminToken,
    ALLOWED_TOKENS: 'bench-client',
    BASE_URL: `${fake.url}/v1beta`,
    SQLITE_DATABASE: join(directory, 'gemgate.db'),
    PORT: '0',
    HOST: '127.0.0.1',
    CHECK_INTERVAL_HOURS: '0',
  }),
  { logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) },
);

try {
  const pool = gateway.pool;
  const keys = pool.keys();
  const nowMs = Date.now();
  for (const [index, key] of keys.entries()) {
    const model = index % 3 === 0 ? 'gemini-2.5-pro' : 'gemini-2.5-flash';
    if (index % 10 === 1)
      pool.learn(
        key,
        '*',
        { kind: 'key-dead', reason: 'invalid', retry: true },
        { status: 400, type: 'invalid-key', message: 'API key not valid.' },
      );
    else if (index % 10 === 2)
      pool.learn(key, model, { kind: 'cool', reason: 'day', untilMs: nowMs + 60_000 + index, retry: true });
    else pool.learn(key, model, { kind: 'ok', retry: false });
  }
  // The states just set are saved now, not in the background while queries are timed.
  await gateway.keySaver.save();
  const headers = { authorization: `Bearer ${adminToken}` };
  for (let index = 0; index < keyCount; index += 50) {
    await fetch(`${gateway.url}/api/keys/${keys[index]?.id}/meta`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ note: `batch ${index % 7}`, tags: ['team-a', `batch-${index % 7}`] }),
    });
    if (index >= 5_000) break;
  }

  const queries = [
    '',
    '?state=refused',
    '?sort=requests&order=desc&limit=500',
    '?sort=restingUntil&order=desc&state=resting',
    '?tag=team-a',
    '?q=ab',
    '?model=gemini-2.5-pro&sort=lastError&order=desc',
  ];
  // Wall time, and the CPU time of this process (server and client alike) over the call: on a
  // shared machine the second says what the query costs when the first says how long it waited.
  const time = async (query: string) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const response = await fetch(`${gateway.url}/api/keys${query}`, { headers });
    const body = (await response.json()) as { nextCursor: string | null; matched: number };
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, body };
  };
  console.log(
    `GET /api/keys over ${keyCount} keys, ${runs} runs each (wall ms median / slowest, CPU ms median)`,
  );
  for (const query of queries) {
    await time(query);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let last: Awaited<ReturnType<typeof time>> | undefined;
    for (let run = 0; run < runs; run++) {
      last = await time(query);
      times.push(last.ms);
      cpuTimes.push(last.cpuMs);
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    // A page deep in the list: the cursor of the first page, followed 20 pages on.
    let cursor = last?.body.nextCursor;
    for (let page = 0; page < 20 && cursor; page++) {
      const separator = query === '' ? '?' : '&';
      cursor = (await time(`${query}${separator}cursor=${cursor}`)).body.nextCursor;
    }
    const deep = cursor
      ? (await time(`${query}${query === '' ? '?' : '&'}cursor=${cursor}`)).ms.toFixed(1)
      : 'n/a';
    console.log(
      `${(query || '(no filter)').padEnd(52)} ${times[Math.floor(times.length / 2)]?.toFixed(1)} / ${times.at(-1)?.toFixed(1)}, CPU ${cpuTimes[Math.floor(cpuTimes.length / 2)]?.toFixed(1)}  matched ${last?.body.matched}  page 22: ${deep}`,
    );
  }
} finally {
  await gateway.close();
  await fake.close();
  rmSync(directory, { recursive: true, force: true });
}
