import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  type Service,
  startFakeUpstreamProcess,
  startGatewayProcess,
  startReferenceRelayProcess,
} from './spawn-service.js';

// `npx tsx bench/compare-builds.ts BUILD [BUILD ...]`: one or more builds of the gateway (copies of
// dist/, kept inside the repository so that they find node_modules, e.g. node_modules/.builds/before)
// and the bare reference relay, under the same load in short alternating rounds, in a shuffled
// order each round. On a shared 2-core machine the speed drifts by half from one minute to the
// next, and with it relay-bench's ratio at concurrency 32 (0.60 to 0.87 for one build, measured):
// a difference of a few percent between two builds only shows in ratios taken round by round.
//
// Besides throughput it reads each process's CPU time from /proc, whole and of its main thread
// alone (the event loop, which bounds a Node relay's throughput once it is busy), per request.
// BENCH_ROUNDS (10) rounds of BENCH_SECONDS (2) at BENCH_CONNECTIONS (32); BENCH_STREAM=1 for SSE;
// GATEWAY_NODE_ARGS for Node's flags (`--cpu-prof --cpu-prof-dir=prof`).
const builds = process.argv.slice(2);
if (builds.length === 0) {
  console.error('usage: tsx bench/compare-builds.ts BUILD [BUILD ...]  (each a copy of dist/)');
  process.exit(2);
}
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const path =
  process.env.BENCH_STREAM === '1'
    ? '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'
    : '/v1beta/models/gemini-2.5-flash:generateContent';
const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }] });
const token = 'bench-token';

/** CPU time (user + system) in ms of a process, or of one of its threads, from /proc. */
function cpuMs(pid: number, thread?: number): number {
  const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Target {
  readonly name: string;
  readonly service: Service;
  readonly headers: Record<string, string>;
}

interface Round {
  readonly requestsPerSecond: number;
  readonly cpuMsPerRequest: number;
  readonly mainThreadMsPerRequest: number;
}

async function measure(target: Target, duration: number): Promise<Round> {
  const { pid } = target.service;
  const before = { all: cpuMs(pid), main: cpuMs(pid, pid) };
  const result = await autocannon({
    url: `${target.service.url}${path}`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...target.headers },
    connections,
    duration,
  });
  const requests = Math.max(1, result.requests.total);
  if (result.errors + result.non2xx > 0) throw new Error(`${target.name} answered errors`);
  return {
    requestsPerSecond: result.requests.mean,
    cpuMsPerRequest: (cpuMs(pid) - before.all) / requests,
    mainThreadMsPerRequest: (cpuMs(pid, pid) - before.main) / requests,
  };
}

/** A uniformly random order (Fisher–Yates): a comparator returning random signs is biased. */
function shuffled<T>(items: readonly T[]): T[] {
  const order = [...items];
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [order[index], order[other]] = [order[other] as T, order[index] as T];
  }
  return order;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const directory = mkdtempSync(join(tmpdir(), 'gemgate-compare-'));
const services: Service[] = [];
try {
  const fake = await startFakeUpstreamProcess();
  services.push(fake);
  const reference = await startReferenceRelayProcess(fake.url);
  services.push(reference);
  const targets: Target[] = [{ name: 'reference', service: reference, headers: {} }];
  for (const [index, build] of builds.entries()) {
    const gateway = await startGatewayProcess(
      {
        API_KEYS: 'ok-bench-1,ok-bench-2,ok-bench-3,ok-bench-4',
        AUTH_TOKEN: token,
        BASE_URL: `${fake.url}/v1beta`,
        SQLITE_DATABASE: join(directory, `build-${index}.db`),
      },
      { build, nodeArgs: process.env.GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [] },
    );
    services.push(gateway);
    targets.push({ name: build, service: gateway, headers: { authorization: `Bearer ${token}` } });
  }
  for (const target of targets) await measure(target, 1); // warm-up: JIT, connection pools
  const samples = new Map<string, Round[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = shuffled(targets);
    for (const target of order) samples.get(target.name)?.push(await measure(target, seconds));
  }
  const referenceRounds = samples.get('reference') ?? [];
  /** The median over rounds of a build's measure divided by the reference's in the same round. */
  const relative = (
    rounds: readonly Round[],
    of: (round: Round) => number,
    base: readonly Round[] = referenceRounds,
  ) => median(rounds.map((round, index) => of(round) / of(base[index] as Round)));
  const firstRounds = samples.get(builds[0] as string) ?? [];
  console.log(
    `reference: ${median(referenceRounds.map((r) => r.requestsPerSecond)).toFixed(0)} requests/s, ` +
      `${median(referenceRounds.map((r) => r.cpuMsPerRequest)).toFixed(4)} ms CPU/request ` +
      `(main thread ${median(referenceRounds.map((r) => r.mainThreadMsPerRequest)).toFixed(4)})`,
  );
  for (const target of targets.slice(1)) {
    const own = samples.get(target.name) ?? [];
    console.log(
      `${target.name}: throughput ${relative(own, (r) => r.requestsPerSecond).toFixed(3)} of the reference's, ` +
        `CPU/request ${relative(own, (r) => r.cpuMsPerRequest).toFixed(3)}×, ` +
        `main thread ${relative(own, (r) => r.mainThreadMsPerRequest).toFixed(3)}× ` +
        `(${median(own.map((r) => r.mainThreadMsPerRequest)).toFixed(4)} ms)`,
    );
    if (own !== firstRounds)
      console.log(
        `  ÷ ${builds[0]}: throughput ${relative(own, (r) => r.requestsPerSecond, firstRounds).toFixed(3)}, ` +
          `main thread ${relative(own, (r) => r.mainThreadMsPerRequest, firstRounds).toFixed(3)}×`,
      );
  }
  console.log(
    `(medians of ${rounds} rounds of ${seconds} s at ${connections} connections; node ${process.version})`,
  );
} finally {
  for (const service of services.reverse()) await service.stop();
  rmSync(directory, { recursive: true, force: true });
}
