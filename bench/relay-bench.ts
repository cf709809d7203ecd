import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startFakeUpstreamProcess, startGatewayProcess } from './spawn-service.js';

// `npm run bench`: the same requests sent straight to the fake upstream and through the gateway,
// in one run, so the ratios hold whatever the machine. Direct and gateway measurements alternate
// for BENCH_ROUNDS rounds of BENCH_SECONDS each and the medians are compared, because a shared
// 2-core machine drifts by tens of percent from one minute to the next.
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const token = 'bench-token';
const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }] });

interface Measurement {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function measureOnce(
  url: string,
  headers: Record<string, string>,
  connections: number,
): Promise<Measurement> {
  const options = {
    url,
    method: 'POST' as const,
    body,
    headers: { 'content-type': 'application/json', ...headers },
    connections,
    pipelining: 1,
  };
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, connection pools
  const result = await autocannon({ ...options, duration: seconds });
  return {
    requestsPerSecond: result.requests.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function medianOf(measurements: Measurement[]): Measurement {
  return {
    requestsPerSecond: median(measurements.map((m) => m.requestsPerSecond)),
    p50: median(measurements.map((m) => m.p50)),
    p99: median(measurements.map((m) => m.p99)),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
  };
}

/** Alternates direct and gateway measurements and returns the median of each. */
async function compare(directUrl: string, gatewayUrl: string, connections: number) {
  const direct: Measurement[] = [];
  const through: Measurement[] = [];
  for (let round = 0; round < rounds; round++) {
    direct.push(await measureOnce(directUrl, { 'x-goog-api-key': 'ok-direct' }, connections));
    through.push(await measureOnce(gatewayUrl, { 'x-goog-api-key': token }, connections));
  }
  return { direct: medianOf(direct), through: medianOf(through) };
}

const directory = mkdtempSync(join(tmpdir(), 'gemgate-bench-'));
const fake = await startFakeUpstreamProcess();
const gateway = await startGatewayProcess({
  API_KEYS: 'ok-bench-1,ok-bench-2,ok-bench-3,ok-bench-4',
  AUTH_TOKEN: token,
  BASE_URL: `${fake.url}/v1beta`,
  SQLITE_DATABASE: join(directory, 'bench.db'),
});

const scenarios = [
  ['non-stream', '/v1beta/models/gemini-2.5-flash:generateContent'],
  ['stream', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
] as const;

const rows: string[][] = [];
const summary: string[] = [];
try {
  for (const [name, path] of scenarios) {
    for (const connections of [1, 32]) {
      const { direct, through } = await compare(`${fake.url}${path}`, `${gateway.url}${path}`, connections);
      const ratio = through.requestsPerSecond / direct.requestsPerSecond;
      // At one connection, time per request is 1/throughput: the difference is what the gateway adds.
      const addedMs = 1000 / through.requestsPerSecond - 1000 / direct.requestsPerSecond;
      for (const [target, m] of [
        ['direct', direct],
        ['gateway', through],
      ] as const) {
        rows.push([
          name,
          String(connections),
          target,
          m.requestsPerSecond.toFixed(0),
          m.p50.toFixed(2),
          m.p99.toFixed(2),
          String(m.errors),
        ]);
      }
      summary.push(
        `${name.padEnd(10)} c=${String(connections).padEnd(2)}  throughput ratio ${ratio.toFixed(3)}` +
          (connections === 1 ? `  added latency ${addedMs.toFixed(3)} ms/request` : ''),
      );
    }
  }
} finally {
  await gateway.stop();
  await fake.stop();
  rmSync(directory, { recursive: true, force: true });
}

const header = ['scenario', 'conns', 'target', 'req/s', 'p50 ms', 'p99 ms', 'errors'];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
for (const row of rows) console.log(line(row));
console.log(
  `\n${summary.join('\n')}\n(medians of ${rounds} alternating rounds of ${seconds} s, each after a 1 s warm-up; node ${process.version})`,
);
