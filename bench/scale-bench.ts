import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  type Service,
  startFakeUpstreamProcess,
  startGatewayProcess,
  startRoundRobinProxyProcess,
} from './spawn-service.js';

// `npm run bench:scale`: what a second gateway instance behind a balancer adds, and what sharing
// one PostgreSQL database and one Redis between the instances costs per request. Every piece runs
// as a process of its own (fake upstream, gateways, bench/round-robin-proxy.ts), so the load
// generator here shares an event loop with none of them. As in relay-bench, the scenarios
// alternate for BENCH_ROUNDS rounds of BENCH_SECONDS and medians are compared, because a shared
// machine drifts from one minute to the next.
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const postgres = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/5';
const token = 'bench-token';
const path = '/v1beta/models/gemini-2.5-flash:generateContent';
const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }] });
// Linux reports CPU times in /proc in USER_HZ ticks, 100 per second on every mainstream platform.
const microsPerTick = 1_000_000 / 100;

interface Scenario {
  readonly name: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The gateway processes whose CPU time the scenario's requests cost. */
  readonly gateways: readonly Service[];
  /** Other processes working for the scenario (PostgreSQL backends, Redis), found when measured. */
  readonly servicePids?: () => Promise<number[]>;
}

interface Measurement {
  readonly requestsPerSecond: number;
  readonly p99: number;
  readonly errors: number;
  /** Gateway CPU time per answered request, µs; undefined without a gateway. */
  readonly gatewayMicros: number | undefined;
  /** CPU time of the scenario's PostgreSQL backends and Redis per answered request, µs. */
  readonly serviceMicros: number | undefined;
  /** Share of the machine's CPU that processes outside the benchmark used meanwhile, 0 to 1. */
  readonly others: number;
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat), in ticks; 0 for a process that is gone. */
function cpuTicks(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Field 2, the command name, is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function snapshot(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
}

/** Ticks spent between two snapshots; a process that appeared in between counts from zero. */
function ticksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return ticks;
}

/**
 * CPU ticks the whole machine spent, all cores: /proc/stat's first line (user nice system idle
 * iowait irq softirq steal) less idle and iowait. Steal counts: the host ran something else.
 */
function machineTicks(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.slice(1, 9).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((sum: number, ticks) => sum + (ticks ?? 0), 0);
}

/** Every process this benchmark started, and itself (its load generator). */
const ownPids: number[] = [process.pid];

/** autocannon against the scenario for `duration` seconds. */
function load(scenario: Scenario, duration: number) {
  return autocannon({
    url: `${scenario.url}${path}`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...scenario.headers },
    connections,
    pipelining: 1,
    duration,
  });
}

// The gateways write their request logs in batches every 200 ms: a pause after each run lets the
// batch of its last requests land inside the window it belongs to, not in the next one.
const settle = () => sleep(500);

async function measureOnce(scenario: Scenario): Promise<Measurement> {
  await load(scenario, 1); // warm-up: connection pools, and the proxy's sockets to the gateways
  await settle();
  const gatewayPids = scenario.gateways.map((gateway) => gateway.pid);
  // Read after the warm-up, when the gateways' database connections are open.
  const servicePids = (await scenario.servicePids?.()) ?? [];
  const gatewaysBefore = snapshot(gatewayPids);
  const servicesBefore = snapshot(servicePids);
  // This is a shared machine: what other processes used in the same window says how far to trust it.
  const ownBefore = snapshot(ownPids);
  const machineBefore = machineTicks();
  const startedAt = performance.now();
  const result = await load(scenario, seconds);
  await settle();
  const elapsedTicks = ((performance.now() - startedAt) / 1000) * 100 * availableParallelism();
  const gatewayTicks = ticksBetween(gatewaysBefore, snapshot(gatewayPids));
  const serviceTicks = ticksBetween(
    servicesBefore,
    snapshot([...new Set([...servicePids, ...((await scenario.servicePids?.()) ?? [])])]),
  );
  const otherTicks =
    machineTicks() - machineBefore - ticksBetween(ownBefore, snapshot(ownPids)) - serviceTicks;
  const answered = result.requests.total;
  const perRequest = (ticks: number) => (answered > 0 ? (ticks * microsPerTick) / answered : undefined);
  return {
    requestsPerSecond: result.requests.mean,
    p99: result.latency.p99,
    // autocannon's `errors` already counts its timeouts.
    errors: result.errors + result.non2xx,
    gatewayMicros: gatewayPids.length > 0 ? perRequest(gatewayTicks) : undefined,
    serviceMicros: scenario.servicePids ? perRequest(serviceTicks) : undefined,
    others: Math.max(0, otherTicks / elapsedTicks),
  };
}

/** The middle value; of an even count, the mean of the middle two (with 2 rounds, not the larger). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

function medianOf(measurements: readonly Measurement[]): Measurement {
  const medianOrUndefined = (values: (number | undefined)[]) => {
    const known = values.filter((value): value is number => value !== undefined);
    return known.length > 0 ? median(known) : undefined;
  };
  return {
    requestsPerSecond: median(measurements.map((m) => m.requestsPerSecond)),
    p99: median(measurements.map((m) => m.p99)),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
    gatewayMicros: medianOrUndefined(measurements.map((m) => m.gatewayMicros)),
    serviceMicros: medianOrUndefined(measurements.map((m) => m.serviceMicros)),
    others: Math.max(...measurements.map((m) => m.others)),
  };
}

// Everything started is stopped, and the scratch database dropped, however the run ends: the
// steps are undone in reverse, each on its own so one failing does not leave the rest behind.
const undo: (() => Promise<unknown> | unknown)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error('clean-up step failed:', error);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().then(() => process.exit(130));
  });
}

async function start(service: Promise<Service>): Promise<Service> {
  const started = await service;
  undo.push(() => started.stop());
  ownPids.push(started.pid);
  return started;
}

function flushRedis(): void {
  // The gateway has no Redis client of its own to lend; redis-cli is on the machine with Redis.
  const answer = execFileSync('redis-cli', ['-u', redisUrl, 'flushdb'], { encoding: 'utf8' }).trim();
  if (answer !== 'OK') throw new Error(`FLUSHDB on ${redisUrl} answered ${answer}`);
}

const results = new Map<string, Measurement>();
try {
  const directory = mkdtempSync(join(tmpdir(), 'gemgate-scale-'));
  undo.push(() => rmSync(directory, { recursive: true, force: true }));

  const admin = new pg.Client({ ...postgres, database: 'postgres' });
  await admin.connect();
  undo.push(() => admin.end());
  const database = `gemgate_scale_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${database}`);
  // WITH (FORCE): a gateway that did not stop still holds connections; the database goes anyway.
  undo.push(() => admin.query(`drop database if exists ${database} with (force)`));
  flushRedis();
  undo.push(flushRedis);

  const fake = await start(startFakeUpstreamProcess());
  const common = {
    API_KEYS: 'ok-bench-1,ok-bench-2,ok-bench-3,ok-bench-4',
    AUTH_TOKEN: token,
    BASE_URL: `${fake.url}/v1beta`,
    // Far above the load: every request takes a rate-limit lease and none waits. Every gateway has
    // it, so in e against d only the sharing differs, not the counting.
    KEY_RATE_LIMITS: '{"*":{"rpm":100000000}}',
  };
  const sqlite = (file: string) => ({ ...common, SQLITE_DATABASE: join(directory, file) });
  const shared = {
    ...common,
    DATABASE_TYPE: 'postgres',
    POSTGRES_HOST: postgres.host,
    POSTGRES_PORT: String(postgres.port),
    POSTGRES_USER: postgres.user,
    POSTGRES_PASSWORD: '',
    POSTGRES_DATABASE: database,
    REDIS_URL: redisUrl,
  };
  const first = await start(startGatewayProcess(sqlite('first.db')));
  const second = await start(startGatewayProcess(sqlite('second.db')));
  // One after the other, so the first has made the schema before the second looks for it.
  const sharedFirst = await start(startGatewayProcess(shared));
  const sharedSecond = await start(startGatewayProcess(shared));
  const proxyOne = await start(startRoundRobinProxyProcess([first.url]));
  const proxyTwo = await start(startRoundRobinProxyProcess([first.url, second.url]));
  const proxyShared = await start(startRoundRobinProxyProcess([sharedFirst.url, sharedSecond.url]));

  const redisPid = Number(
    /process_id:(\d+)/.exec(
      execFileSync('redis-cli', ['-u', redisUrl, 'info', 'server'], { encoding: 'utf8' }),
    )?.[1],
  );
  const sharedServicePids = async () => {
    const { rows } = await admin.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = $1',
      [database],
    );
    return [...rows.map((row) => row.pid), ...(Number.isInteger(redisPid) ? [redisPid] : [])];
  };

  const client = { authorization: `Bearer ${token}` };
  const scenarios: Scenario[] = [
    {
      name: 'a fake upstream direct',
      url: fake.url,
      headers: { 'x-goog-api-key': 'ok-direct' },
      gateways: [],
    },
    { name: 'b 1 gateway direct', url: first.url, headers: client, gateways: [first] },
    { name: 'c 1 gateway via proxy', url: proxyOne.url, headers: client, gateways: [first] },
    { name: 'd 2 gateways, own SQLite', url: proxyTwo.url, headers: client, gateways: [first, second] },
    {
      name: 'e 2 gateways, shared PG+Redis',
      url: proxyShared.url,
      headers: client,
      gateways: [sharedFirst, sharedSecond],
      servicePids: sharedServicePids,
    },
  ];
  // A gateway that has served little runs its request path before the JIT has compiled it, at up to
  // twice the CPU per request (seen on the second instance's first run): each scenario runs once
  // unmeasured first, so round one does not compare a cold second instance with a warm first one.
  for (const scenario of scenarios) {
    console.error(`warming up: ${scenario.name}`);
    await load(scenario, 3);
  }
  const samples = new Map<string, Measurement[]>(scenarios.map((scenario) => [scenario.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      console.error(`round ${round + 1}/${rounds}: ${scenario.name}`);
      samples.get(scenario.name)?.push(await measureOnce(scenario));
    }
  }
  for (const [name, measurements] of samples) results.set(name, medianOf(measurements));
} finally {
  await cleanUp();
}

const format = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));
const rows = [...results].map(([name, m]) => [
  name,
  format(m.requestsPerSecond),
  format(m.p99),
  String(m.errors),
  format(m.gatewayMicros),
  `${format(m.others * 100)}%`,
]);
const header = ['scenario', 'req/s', 'p99 ms', 'errors', 'gateway CPU µs/req', "others' CPU"];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
for (const row of rows) console.log(line(row));

// In the scenarios' order: a to e.
const [, b, c, d, e] = [...results.values()] as [
  Measurement,
  Measurement,
  Measurement,
  Measurement,
  Measurement,
];
const ratio = (x: Measurement, y: Measurement) => (x.requestsPerSecond / y.requestsPerSecond).toFixed(3);
const difference = (x: number | undefined, y: number | undefined) =>
  x === undefined || y === undefined ? undefined : x - y;
const sharing = difference(e.gatewayMicros, d.gatewayMicros);
console.log(
  `\nc/b ${ratio(c, b)}  (what the proxy costs one gateway)\n` +
    `d/c ${ratio(d, c)}  (a second instance, nothing shared)\n` +
    `e/d ${ratio(e, d)}  (the two instances sharing PostgreSQL and Redis)\n` +
    `sharing cost per request: ${format(sharing)} µs of gateway CPU (e minus d)` +
    `; PostgreSQL backends and Redis add ${format(e.serviceMicros)} µs in e\n` +
    `\nThe machine has ${availableParallelism()} cores, shared by the load generator, the proxy, the fake upstream and\n` +
    'the gateways (in e also PostgreSQL and Redis): a second instance cannot double throughput here, so\n' +
    'd/c is what a second instance costs on the same cores, not how far instances scale. CPU per request\n' +
    'is not constant either: it rises as each process serves fewer requests per second, so e minus d\n' +
    "holds some of that too. In d each instance's SQLite work runs inside its own process; in e the\n" +
    "database's part runs in PostgreSQL's backends, counted apart.\n" +
    "others' CPU: the most of the machine's CPU that processes outside this benchmark used in any of the\n" +
    "scenario's measured windows; beyond a few per cent, that scenario's figures were disturbed.\n" +
    `(medians of ${rounds} alternating rounds of ${seconds} s at ${connections} connections, each after a 1 s ` +
    `warm-up; CPU from /proc/PID/stat; node ${process.version})`,
);
