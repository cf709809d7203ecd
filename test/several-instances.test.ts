import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/spawn-service.js';
import { createKeyIdentity } from '../src/core/key-identity.js';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { backends, type ScratchDatabase } from './helpers/scratch-databases.js';

// Two real gateway processes on one PostgreSQL and one Redis, in front of one fake Google, as an
// operator runs them behind a balancer (issue 11). The Redis is this test's own server, so that
// stopping it mid-test disturbs no other test.
const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const main = join(root, 'src/main.ts');

const admin = 'tk-admin-several-instances';
const client = 'sk-client-several';
const keys = {
  first: 'ok-several-first-key-0001',
  second: 'ok-several-second-key-0002',
  refused: 'invalid-several-key-0003',
  limited: 'quota-minute-several-key-0004',
};
const idOf = (secret: string) => createKeyIdentity(secret).id;
// The model the operator's limit applies to; the other scenarios use another model.
const limitedModel = 'gemini-2.0-flash-lite';
const model = 'gemini-2.5-flash';
const retryDelaySeconds = 4;

interface Process {
  readonly child: ChildProcess;
  output(): string;
}

function launch(command: string, args: string[], env: Record<string, string> = {}): Process {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

async function stop(started: Process | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise((done) => started.child.once('exit', done));
  started.child.kill(signal);
  await exited;
}

async function startRedis(port: number): Promise<Process> {
  const redis = launch('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await within(10_000, () => /Ready to accept connections/.test(redis.output()));
  return redis;
}

async function startGateway(env: Record<string, string>): Promise<{ process: Process; url: string }> {
  const gateway = launch(process.execPath, ['--import', tsxLoader, main], {
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
  const listening = /gemgate listening on (\S+)/;
  await within(30_000, () => listening.test(gateway.output()));
  return { process: gateway, url: listening.exec(gateway.output())?.[1] ?? '' };
}

const json = { 'content-type': 'application/json' };
const asAdmin = { ...json, authorization: `Bearer ${admin}` };

function generate(url: string, modelName = model, token = client) {
  return fetch(`${url}/v1beta/models/${modelName}:generateContent`, {
    method: 'POST',
    headers: { ...json, 'x-goog-api-key': token },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] }),
  });
}

interface KeyReport {
  readonly status: string;
  readonly disabled: { readonly reason: string } | null;
  readonly models: readonly { readonly model: string; readonly restingUntil: string | null }[];
}

async function keyOn(url: string, secret: string): Promise<KeyReport> {
  const response = await fetch(`${url}/api/keys/${idOf(secret)}`, { headers: asAdmin });
  expect(response.status).toBe(200);
  return (await response.json()) as KeyReport;
}

/** Milliseconds until `check` holds, polled every 20 ms, failing after `timeoutMs`. */
async function within(timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const startMs = Date.now();
  while (!(await check())) {
    if (Date.now() - startMs > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${check}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  return Date.now() - startMs;
}

describe('two gateway instances on one PostgreSQL and one Redis', { timeout: 120_000 }, () => {
  let fake: FakeUpstream;
  let database: ScratchDatabase;
  let redisPort: number;
  let redis: Process | undefined;
  let a: { process: Process; url: string };
  let b: { process: Process; url: string };

  beforeAll(async () => {
    fake = await createFakeUpstream({ retryDelaySeconds, recordLimit: 100_000 });
    database = await backends.postgres();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const settings = database.settings;
    const env = {
      API_KEYS: JSON.stringify(Object.values(keys)),
      BASE_URL: `${fake.url}/v1beta`,
      AUTH_TOKEN: admin,
      ALLOWED_TOKENS: JSON.stringify([client]),
      DATABASE_TYPE: 'postgres',
      POSTGRES_HOST: settings.POSTGRES_HOST,
      POSTGRES_USER: settings.POSTGRES_USER,
      POSTGRES_DATABASE: settings.POSTGRES_DATABASE,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      KEY_RATE_LIMITS: JSON.stringify({ [limitedModel]: { rpm: 10 } }),
      LOG_LEVEL: 'info',
    };
    // B is given the same database as one address, as hosting platforms give it.
    const { POSTGRES_HOST: host, POSTGRES_USER: user, POSTGRES_DATABASE: name, ...rest } = env;
    const envOfB = { ...rest, DATABASE_URL: `postgres://${user}@${host}:5432/${name}` };
    // Started together, as a compose file starts them: both migrate the one database.
    [a, b] = await Promise.all([startGateway(env), startGateway(envOfB)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([stop(a?.process), stop(b?.process)]);
    await stop(redis);
    await database?.drop();
    await fake?.close();
  });

  it('a key Google refuses through A is known refused on B within a second, and B never calls it after', async () => {
    // Requests through A until Google has refused the key once; A switches it off.
    await within(10_000, async () => {
      await generate(a.url);
      return (await keyOn(a.url, keys.refused)).disabled !== null;
    });
    const learnedMs = await within(1_000, async () => (await keyOn(b.url, keys.refused)).disabled !== null);
    expect(learnedMs).toBeLessThan(1_000);
    const before = fake.callsFor(keys.refused);
    const answers = await Promise.all(Array.from({ length: 12 }, () => generate(b.url)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    expect(fake.callsFor(keys.refused)).toBe(before);
    // B measured how long the facts took to come.
    const metrics = await (await fetch(`${b.url}/metrics`, { headers: asAdmin })).text();
    expect(Number(/^gemgate_event_bus_lag_seconds_count (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^gemgate_event_bus_connected 1$/m);
    expect(metrics).toMatch(/^gemgate_event_bus_backlog 0$/m);
  });

  it("a per-minute 429 met by A is honoured by B for Google's whole delay", async () => {
    await within(10_000, async () => {
      await generate(a.url);
      return fake.callsFor(keys.limited) > 0;
    });
    const refusedAt = Math.max(
      ...fake.requests.filter((request) => request.key === keys.limited).map((request) => request.atMs),
    );
    await within(1_000, async () =>
      (await keyOn(b.url, keys.limited)).models.some((entry) => entry.model === model && entry.restingUntil),
    );
    const restingUntil = Date.parse(
      (await keyOn(b.url, keys.limited)).models.find((entry) => entry.model === model)?.restingUntil ?? '',
    );
    expect(restingUntil).toBeGreaterThanOrEqual(refusedAt + retryDelaySeconds * 1000 - 50);
    const seenMs = Date.now();
    // B serves all along the delay, and never with the resting key.
    while (Date.now() < refusedAt + retryDelaySeconds * 1000 - 100) {
      expect((await generate(b.url)).status).toBe(200);
    }
    const calledDuringRest = fake.requests.filter(
      (request) => request.key === keys.limited && request.atMs > seenMs && request.atMs < restingUntil,
    );
    expect(calledDuringRest).toEqual([]);
  });

  it('a key switched off through A is skipped by B', async () => {
    const response = await fetch(`${a.url}/api/keys/${idOf(keys.second)}/disable`, {
      method: 'POST',
      headers: asAdmin,
      body: '{}',
    });
    expect(response.status).toBe(200);
    await within(1_000, async () => (await keyOn(b.url, keys.second)).disabled?.reason === 'operator');
    const before = fake.callsFor(keys.second);
    for (let index = 0; index < 8; index++) expect((await generate(b.url)).status).toBe(200);
    expect(fake.callsFor(keys.second)).toBe(before);
    await fetch(`${a.url}/api/keys/${idOf(keys.second)}/enable`, {
      method: 'POST',
      headers: asAdmin,
      body: '{}',
    });
    await within(1_000, async () => (await keyOn(b.url, keys.second)).disabled === null);
  });

  it('a setting saved through A applies on B within a second', async () => {
    const newcomer = 'sk-client-added-through-a';
    expect((await generate(b.url, model, newcomer)).status).toBe(403);
    const saved = await fetch(`${a.url}/api/config`, {
      method: 'PUT',
      headers: asAdmin,
      body: JSON.stringify({ values: { ALLOWED_TOKENS: [client, newcomer] } }),
    });
    expect(saved.status).toBe(200);
    const appliedMs = await within(
      1_000,
      async () => (await generate(b.url, model, newcomer)).status === 200,
    );
    expect(appliedMs).toBeLessThan(1_000);
  });

  it('KEY_RATE_LIMITS holds across both instances: at most rpm calls per key and minute reach Google', async () => {
    const started = Date.now();
    // Both instances under load: 30 requests each, at once.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, index) => generate(index % 2 === 0 ? a.url : b.url, limitedModel)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    // Google's calls for the model, per key and calendar minute (the window the limit counts).
    const perKeyMinute = new Map<string, number>();
    for (const request of fake.requests) {
      if (request.atMs < started || !request.url.includes(limitedModel)) continue;
      const window = `${request.key} ${Math.floor(request.atMs / 60_000)}`;
      perKeyMinute.set(window, (perKeyMinute.get(window) ?? 0) + 1);
    }
    expect(Math.max(...perKeyMinute.values())).toBeLessThanOrEqual(10);
    // The limit, not something else, turned the rest away: the usable keys were used up to it.
    const ok = statuses.filter((status) => status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(statuses).toContain(429);
  });

  it('a verification started through A is followed through B, as a console behind the balancer polls it', async () => {
    const started = await fetch(`${a.url}/api/keys/verify`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ ids: [idOf(keys.first), idOf(keys.refused)] }),
    });
    expect(started.status).toBe(202);
    const { jobId } = (await started.json()) as { jobId: string };
    let job: { state?: string; done?: number; results?: Record<string, number> } = {};
    await within(5_000, async () => {
      const response = await fetch(`${b.url}/api/jobs/${jobId}`, { headers: asAdmin });
      if (response.status !== 200) return false;
      job = (await response.json()) as typeof job;
      return job.state === 'done';
    });
    expect(job).toMatchObject({ done: 2, results: { serves: 1, refused: 1 } });
    expect((await fetch(`${b.url}/api/jobs/no-such-job`, { headers: asAdmin })).status).toBe(404);
  });

  it('stopping Redis fails no request, and restarting it brings the instances back in step', async () => {
    await stop(redis, 'SIGKILL');
    // Each instance serves from its own view.
    const during = await Promise.all(
      Array.from({ length: 10 }, (_, index) => generate(index % 2 === 0 ? a.url : b.url)),
    );
    expect(during.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    // A learns something while Redis is away: an operator switches a key off through A.
    const response = await fetch(`${a.url}/api/keys/${idOf(keys.first)}/disable`, {
      method: 'POST',
      headers: asAdmin,
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect((await keyOn(b.url, keys.first)).disabled).toBeNull();
    await within(5_000, () => /Redis does not answer/.test(a.process.output()));

    redis = await startRedis(redisPort);
    // A sends what it learned once Redis answers; B merges it.
    await within(10_000, async () => (await keyOn(b.url, keys.first)).disabled?.reason === 'operator');
    await within(5_000, () => /Redis answers again/.test(b.process.output()));
    // The outage is reported once per instance, not once per failed reconnection.
    expect(a.process.output().match(/Redis does not answer/g)).toHaveLength(1);
  });

  it('logged no warning but the Redis outage: no failed save, no lost write between the two', () => {
    for (const instance of [a, b]) {
      const warnings = instance.process
        .output()
        .split('\n')
        .filter((line) => /"level":(4|5|6)\d/.test(line) && !/Redis does not answer/.test(line));
      expect(warnings).toEqual([]);
    }
  });
});
