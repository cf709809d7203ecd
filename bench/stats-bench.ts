import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { parseSettings } from '../src/config/load-settings.js';
import { clientIdentityOf } from '../src/core/client-identity.js';
import type { ErrorLogEntry, RequestLogEntry } from '../src/core/log-sink.js';
import { startGateway } from '../src/start-gateway.js';
import { createDatabase } from '../src/storage/create-database.js';
import { createLogRepository } from '../src/storage/log-repository.js';
import { migrateToLatest } from '../src/storage/migrate-to-latest.js';
import { createStatsRepository } from '../src/storage/stats-repository.js';
import { type BackendName, backends } from '../test/helpers/scratch-databases.js';

// `npm run bench:stats`: one million request-log rows over 30 days (and an error row per failed
// attempt) and 100,000 keys, written through the log writer's own repository so the rollups are
// what a gateway would have made; then every statistics, log and key-list query of the operator API,
// through a running gateway, each timed (median of 5 after one to warm up) against 100 ms.
const rows = Number(process.env.BENCH_STATS_ROWS ?? 1_000_000);
const keyCount = Number(process.env.BENCH_STATS_KEYS ?? 100_000);
const chosen = (process.env.BENCH_STATS_BACKENDS ?? 'sqlite,postgres').split(',') as BackendName[];
const budgetMs = 100;
const adminToken = 'bench-stats-admin-token';
const dayMs = 86_400_000;

const models = [
  'gemini-2.5-flash',
  'gemini-2.5-pro',
  'gemini-2.5-flash-lite',
  'gemini-2.0-flash',
  'imagen-4',
];
const routes = [
  'gemini generateContent',
  'gemini streamGenerateContent',
  'openai chat.completions',
  'openai embeddings',
];
const clients = ['sk-team-alpha-0001', 'sk-team-bravo-0002', 'sk-team-charlie-0003', 'sk-ci-runner-0004'].map(
  (token) => clientIdentityOf(token).id,
);
// What a free-tier pool sees: mostly answers, some rests, a few refusals and Google's trouble.
const failures: [string, number, number][] = [
  ['quota-minute', 429, 0.04],
  ['quota-day', 429, 0.01],
  ['upstream-error', 500, 0.02],
  ['client-error', 400, 0.01],
  ['suspended', 403, 0.005],
  ['timeout', 504, 0.005],
];

/** A small deterministic generator, so every backend gets the same rows. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = Array.from(
  { length: keyCount },
  (_, index) => `AIzaBench${index.toString(36).padStart(30, '0')}`,
);

async function seed(
  backend: BackendName,
  settings: ReturnType<typeof parseSettings>,
  nowMs: number,
  keyIds: string[],
) {
  const database = createDatabase(settings);
  await migrateToLatest(database);
  const repository = createLogRepository(database, { instance: 'bench-node' });
  const random = createRandom(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const startedAt = performance.now();
  const batch = 5_000;
  const spacing = (30 * dayMs) / rows;
  for (let done = 0; done < rows; done += batch) {
    const requests: RequestLogEntry[] = [];
    const errors: ErrorLogEntry[] = [];
    for (let index = done; index < Math.min(rows, done + batch); index++) {
      const createdAt = Math.round(nowMs - 30 * dayMs + index * spacing);
      const keyId = pick(keyIds);
      const model = random() < 0.01 ? 'gemini-rare-model' : pick(models);
      const route = pick(routes);
      const roll = random();
      let cumulative = 0;
      const failure = failures.find(([, , share]) => {
        cumulative += share;
        return roll < cumulative;
      });
      const latencyMs = Math.round(200 + random() * random() * 8_000);
      const clientId = pick(clients);
      const attempt = failure
        ? { keyId, status: failure[1], outcome: failure[0], ms: latencyMs }
        : { keyId, status: 200, outcome: 'ok', ms: latencyMs };
      requests.push({
        createdAt,
        route,
        model,
        keyId,
        status: attempt.status,
        success: !failure,
        latencyMs,
        attempts: 1,
        stream: route.includes('stream'),
        clientId,
        requestSeq: index + 1,
        trace: [attempt],
        ...(failure
          ? { errorClass: failure[0] }
          : {
              tokens: {
                input: 200 + Math.floor(random() * 2000),
                output: Math.floor(random() * 800),
                thoughts: 0,
                cached: 0,
              },
            }),
      });
      if (failure)
        errors.push({
          createdAt,
          route,
          model,
          keyId,
          status: failure[1],
          errorType: failure[0],
          message: `Google answered ${failure[1]} (${failure[0]}) for request ${index}.`,
          requestBody: null,
          clientId,
          requestSeq: index + 1,
        });
    }
    await repository.insertRequests(requests);
    await repository.insertErrors(errors);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(`${backend}: seeded ${rows.toLocaleString('en')} requests in ${seconds.toFixed(0)} s`);
  // A PostgreSQL database in use has its planner statistics and visibility map; a bulk load
  // has neither until autovacuum comes by, which would time the load, not the queries.
  if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(database.db);
  // What the daily job does for a gateway that has been running: each settled day's key leaders.
  const leadersStarted = performance.now();
  await createStatsRepository(database).prepareLeaders(nowMs);
  console.log(
    `${backend}: daily key leaders for 30 days prepared in ${(performance.now() - leadersStarted).toFixed(0)} ms (once a day)`,
  );
  await database.db.destroy();
}

async function timeQuery(
  url: string,
): Promise<{ medianMs: number; maxMs: number; status: number; bytes: number }> {
  const times: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let run = 0; run < 6; run++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = await response.arrayBuffer();
    const elapsed = performance.now() - started;
    status = response.status;
    bytes = body.byteLength;
    if (run > 0) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)] as number,
    maxMs: times[times.length - 1] as number,
    status,
    bytes,
  };
}

async function run(backend: BackendName) {
  const scratch = await backends[backend]();
  const nowMs = Date.now();
  try {
    const environment = {
      DATABASE_TYPE: scratch.settings.DATABASE_TYPE,
      SQLITE_DATABASE: scratch.settings.SQLITE_DATABASE,
      POSTGRES_HOST: scratch.settings.POSTGRES_HOST,
      POSTGRES_USER: scratch.settings.POSTGRES_USER,
      POSTGRES_DATABASE: scratch.settings.POSTGRES_DATABASE,
      MYSQL_HOST: scratch.settings.MYSQL_HOST,
      MYSQL_USER: scratch.settings.MYSQL_USER,
      MYSQL_DATABASE: scratch.settings.MYSQL_DATABASE,
      API_KEYS: keys.join(','),
      AUTH_TOKEN: adminToken,
      BASE_URL: 'http://127.0.0.1:9/v1beta',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const settings = parseSettings(environment);
    // Key ids come from the pool, so the rows name the keys the gateway holds.
    const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    let gateway = await startGateway(settings, { logDestination: quiet });
    const keyIds = gateway.pool.keys().map((key) => key.id);
    await gateway.close();
    await seed(backend, settings, nowMs, keyIds);
    gateway = await startGateway(settings, { logDestination: quiet });
    const someKey = keyIds[7] as string;
    const someClient = clients[1] as string;
    const oldCursor = Buffer.from(`${nowMs - 15 * dayMs}.${Math.floor(rows / 2)}`).toString('base64url');
    const queries: string[] = [
      '/api/stats/summary',
      ...['1h', '24h', '7d', '30d'].map((range) => `/api/stats/series?range=${range}`),
      '/api/stats/series?range=24h&by=model',
      '/api/stats/series?range=30d&by=outcome',
      `/api/stats/series?range=30d&by=key&key=${someKey}`,
      ...['model', 'client', 'outcome', 'route'].map((by) => `/api/stats/breakdown?by=${by}&range=30d`),
      '/api/stats/breakdown?by=key&range=24h',
      '/api/stats/breakdown?by=key&range=7d',
      '/api/stats/breakdown?by=key&range=30d',
      '/api/logs/requests',
      `/api/logs/requests?cursor=${oldCursor}`,
      `/api/logs/requests?key=${someKey}`,
      '/api/logs/requests?model=gemini-rare-model',
      '/api/logs/requests?outcome=quota-day',
      '/api/logs/requests?outcome=ok',
      '/api/logs/requests?status=5xx',
      `/api/logs/requests?client=${someClient}`,
      `/api/logs/requests?from=${nowMs - 2 * dayMs}&to=${nowMs - dayMs}&model=gemini-2.5-pro`,
      '/api/logs/requests?text=flash-lite',
      '/api/logs/requests?text=no-such-text-anywhere',
      `/api/logs/requests/${Math.floor(rows / 3)}`,
      '/api/logs/errors',
      '/api/logs/errors?outcome=suspended',
      '/api/logs/errors?text=request%20123',
      `/api/logs/errors?key=${someKey}`,
      '/api/keys',
      '/api/keys?state=active&sort=requests&order=desc&limit=500',
      '/api/keys?state=refused',
      '/api/keys?q=ab',
    ];
    console.log(
      `\n${backend}: ${rows.toLocaleString('en')} request rows, ${keyCount.toLocaleString('en')} keys`,
    );
    console.log(`${'query'.padEnd(64)} ${'median'.padStart(9)} ${'max'.padStart(9)}  status  bytes`);
    let slow = 0;
    for (const path of queries) {
      const timing = await timeQuery(`${gateway.url}${path}`);
      const verdict = timing.status !== 200 ? 'FAILED' : timing.medianMs > budgetMs ? 'SLOW' : '';
      if (verdict) slow += 1;
      console.log(
        `${path.slice(0, 64).padEnd(64)} ${timing.medianMs.toFixed(1).padStart(7)}ms ${timing.maxMs.toFixed(1).padStart(7)}ms  ${timing.status}  ${String(timing.bytes).padStart(7)} ${verdict}`,
      );
    }
    console.log(`${backend}: ${queries.length - slow} of ${queries.length} queries within ${budgetMs} ms`);
    await gateway.close();
  } finally {
    await scratch.drop();
  }
}

for (const backend of chosen) await run(backend);
