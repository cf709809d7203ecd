import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  type Service,
  startFakeUpstreamProcess,
  startGatewayProcess,
  startReferenceRelayProcess,
} from './spawn-service.js';

// `npm run bench`: the same requests sent straight to the fake upstream, through a bare
// Fastify + undici relay (bench/reference-relay.ts) and through the gateway, in one run, so the
// ratios hold whatever the machine. The three alternate for BENCH_ROUNDS rounds of BENCH_SECONDS
// each and medians are compared, because a shared 2-core machine drifts by tens of percent from
// one minute to the next.
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const token = 'bench-token';
const nativeBody = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }],
});
const openaiBody = (stream: boolean) =>
  JSON.stringify({
    model: 'gemini-2.5-flash',
    stream,
    messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
const anthropicBody = (stream: boolean) =>
  JSON.stringify({
    model: 'gemini-2.5-flash',
    max_tokens: 1024,
    stream,
    messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
const responsesBody = JSON.stringify({ model: 'gemini-2.5-flash', input: 'Why is the sky blue?' });
/** BENCH_SCENARIOS=openai,anthropic runs only those (all when unset). */
const only = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim());

interface Target {
  readonly name: 'direct' | 'reference' | 'gateway';
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** One request shape: what goes to the fake directly, and (for a translated API) what goes to the gateway. */
interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly body: string;
  /** The gateway's own request, when it differs: the OpenAI or Anthropic API for the same question. */
  readonly gateway?: { readonly path: string; readonly body: string };
}

interface Measurement {
  readonly requestsPerSecond: number;
  readonly p99: number;
  readonly errors: number;
}

async function measureOnce(target: Target, scenario: Scenario, connections: number): Promise<Measurement> {
  const request = target.name === 'gateway' && scenario.gateway ? scenario.gateway : scenario;
  const options = {
    url: `${target.url}${request.path}`,
    method: 'POST' as const,
    body: request.body,
    headers: { 'content-type': 'application/json', ...target.headers },
    connections,
    pipelining: 1,
  };
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, connection pools
  const result = await autocannon({ ...options, duration: seconds });
  return {
    requestsPerSecond: result.requests.mean,
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
    p99: median(measurements.map((m) => m.p99)),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
  };
}

const directory = mkdtempSync(join(tmpdir(), 'gemgate-bench-'));
const services: Service[] = [];
const rows: string[][] = [];
const summary: string[] = [];
try {
  const fake = await startFakeUpstreamProcess();
  services.push(fake);
  const reference = await startReferenceRelayProcess(fake.url);
  services.push(reference);
  const gateway = await startGatewayProcess({
    API_KEYS: 'ok-bench-1,ok-bench-2,ok-bench-3,ok-bench-4',
    AUTH_TOKEN: token,
    BASE_URL: `${fake.url}/v1beta`,
    SQLITE_DATABASE: join(directory, 'bench.db'),
  });
  services.push(gateway);
  const allTargets: Target[] = [
    { name: 'direct', url: fake.url, headers: { 'x-goog-api-key': 'ok-direct' } },
    { name: 'reference', url: reference.url, headers: {} },
    { name: 'gateway', url: gateway.url, headers: { authorization: `Bearer ${token}` } },
  ];
  const generate = '/v1beta/models/gemini-2.5-flash:generateContent';
  const streamGenerate = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
  const allScenarios: Scenario[] = [
    { name: 'non-stream', path: generate, body: nativeBody },
    { name: 'stream', path: streamGenerate, body: nativeBody },
    // OpenAI chat, Anthropic messages and the Responses API through the gateway (translated to
    // Gemini and back) against the same question asked natively of the fake: the bare reference
    // relay cannot translate, so it sits these out.
    {
      name: 'openai',
      path: generate,
      body: nativeBody,
      gateway: { path: '/v1/chat/completions', body: openaiBody(false) },
    },
    {
      name: 'anthropic',
      path: generate,
      body: nativeBody,
      gateway: { path: '/v1/messages', body: anthropicBody(false) },
    },
    {
      name: 'responses',
      path: generate,
      body: nativeBody,
      gateway: { path: '/v1/responses', body: responsesBody },
    },
    {
      name: 'openai-stream',
      path: streamGenerate,
      body: nativeBody,
      gateway: { path: '/v1/chat/completions', body: openaiBody(true) },
    },
    {
      name: 'anthropic-stream',
      path: streamGenerate,
      body: nativeBody,
      gateway: { path: '/v1/messages', body: anthropicBody(true) },
    },
  ];
  const scenarios = allScenarios.filter((scenario) => !only || only.includes(scenario.name));

  for (const scenario of scenarios) {
    const targets = allTargets.filter((target) => !(scenario.gateway && target.name === 'reference'));
    for (const connections of [1, 32]) {
      const samples = new Map<Target['name'], Measurement[]>(targets.map((target) => [target.name, []]));
      for (let round = 0; round < rounds; round++) {
        for (const target of targets)
          samples.get(target.name)?.push(await measureOnce(target, scenario, connections));
      }
      const result = new Map(
        targets.map((target) => [target.name, medianOf(samples.get(target.name) ?? [])]),
      );
      const direct = result.get('direct') as Measurement;
      for (const [name, m] of result) {
        rows.push([
          scenario.name,
          String(connections),
          name,
          m.requestsPerSecond.toFixed(0),
          (1000 / m.requestsPerSecond).toFixed(3),
          m.p99.toFixed(0),
          String(m.errors),
        ]);
      }
      const describe = (name: 'reference' | 'gateway') => {
        const m = result.get(name);
        if (!m) return `${name} -`;
        const ratio = (m.requestsPerSecond / direct.requestsPerSecond).toFixed(3);
        // At one connection, time per request is 1/throughput: the difference is what the relay adds.
        const added = (1000 / m.requestsPerSecond - 1000 / direct.requestsPerSecond).toFixed(3);
        return connections === 1 ? `${name} ${ratio} (+${added} ms/request)` : `${name} ${ratio}`;
      };
      summary.push(
        `${scenario.name.padEnd(16)} c=${String(connections).padEnd(2)}  of direct: ${describe('gateway')}; ${describe('reference')}`,
      );
    }
  }
} finally {
  for (const service of services.reverse()) await service.stop();
  rmSync(directory, { recursive: true, force: true });
}

const header = ['scenario', 'conns', 'target', 'req/s', 'ms/req', 'p99 ms', 'errors'];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
);
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}`);
for (const row of rows) console.log(line(row));
console.log(
  `\nThroughput relative to direct-to-fake (reference = bare Fastify + undici relay, no features):\n${summary.join('\n')}\n` +
    `(medians of ${rounds} alternating rounds of ${seconds} s, each after a 1 s warm-up; node ${process.version})`,
);
