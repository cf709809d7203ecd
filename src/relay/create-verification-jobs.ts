import { Cancellation } from '../core/cancellation.js';
import type { Clock } from '../core/clock.js';
import { randomId } from '../core/random-id.js';
import type { SharedRecords } from '../core/shared-records.js';
import type { PoolKey } from '../keypool/key-pool.js';
import type { KeyProber, ProbeResult, ProbeVerdict } from './create-key-prober.js';

/** A verification as `GET /api/jobs/{id}` shows it. */
export interface VerificationJobView {
  readonly id: string;
  readonly kind: 'verify';
  readonly state: 'running' | 'done' | 'failed';
  readonly total: number;
  readonly done: number;
  readonly results: Readonly<Record<ProbeVerdict, number>>;
  /** The first keys that did not serve, with what Google said (bounded: a job may hold 100,000 keys). */
  readonly problems: readonly ProbeResult[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** Why a failed job stopped. */
  readonly error?: string;
}

export interface VerificationJobs {
  /** Starts probing the keys in the background; undefined when `maxRunning` jobs run already. */
  start(keys: readonly PoolKey[]): VerificationJobView | undefined;
  get(id: string): VerificationJobView | undefined;
  /** A job of this instance, or one another instance runs (through the shared records). */
  find(id: string): Promise<VerificationJobView | undefined>;
  /** Cancels the jobs under way and resolves once their probes have ended. */
  close(): Promise<void>;
}

export interface VerificationJobOptions {
  readonly prober: KeyProber;
  readonly clock: Clock;
  /** Jobs kept, finished ones first to go (50). */
  readonly maxJobs?: number;
  /** Jobs running at once, each probing a few keys at a time (4). */
  readonly maxRunning?: number;
  /** How long a finished job stays readable (an hour). */
  readonly keepMs?: number;
  /**
   * Where other instances read this one's jobs (REDIS_URL): behind a balancer, the console's
   * polls of a job reach every instance in turn.
   */
  readonly shared?: SharedRecords;
}

// A running job's progress is shared at most this often; its start and end always.
const sharedEveryMs = 500;
const recordName = (id: string) => `job:${id}`;

const maxJobProblems = 100;

interface Job {
  readonly id: string;
  readonly total: number;
  readonly startedAtMs: number;
  readonly results: Record<ProbeVerdict, number>;
  readonly problems: ProbeResult[];
  readonly cancellation: Cancellation;
  finishedAtMs?: number;
  error?: string;
  settled?: Promise<void>;
  /** When its progress was last shared. */
  sharedAtMs?: number;
}

function viewOf(job: Job): VerificationJobView {
  const { serves, refused, unknown } = job.results;
  return {
    id: job.id,
    kind: 'verify',
    state: job.finishedAtMs === undefined ? 'running' : job.error === undefined ? 'done' : 'failed',
    total: job.total,
    done: serves + refused + unknown,
    results: { ...job.results },
    problems: [...job.problems],
    startedAt: new Date(job.startedAtMs).toISOString(),
    finishedAt: job.finishedAtMs === undefined ? null : new Date(job.finishedAtMs).toISOString(),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
}

/**
 * Verification as background jobs, kept in memory: a pool of 100,000 keys takes minutes to probe,
 * longer than an HTTP request should wait. Probes read model metadata (`GET models/{TEST_MODEL}`),
 * so a job spends no generation quota. Jobs are few and short-lived, so a restart forgetting them
 * costs the operator one click.
 */
export function createVerificationJobs(options: VerificationJobOptions): VerificationJobs {
  const { prober, clock } = options;
  const maxJobs = options.maxJobs ?? 50;
  const maxRunning = options.maxRunning ?? 4;
  const keepMs = options.keepMs ?? 3_600_000;
  /** In start order: a Map iterates as inserted, so the first finished job met is the oldest. */
  const jobs = new Map<string, Job>();
  const running = () => [...jobs.values()].filter((job) => job.finishedAtMs === undefined);

  function expire(nowMs: number) {
    for (const [id, job] of jobs) {
      if (job.finishedAtMs !== undefined && nowMs - job.finishedAtMs >= keepMs) jobs.delete(id);
    }
  }

  /** Forgets the oldest finished jobs until a new one fits (running jobs are fewer than the bound). */
  function makeRoom() {
    for (const [id, job] of jobs) {
      if (jobs.size < maxJobs) return;
      if (job.finishedAtMs !== undefined) jobs.delete(id);
    }
  }

  function share(job: Job, force: boolean) {
    const nowMs = clock.now();
    if (!options.shared || (!force && nowMs - (job.sharedAtMs ?? 0) < sharedEveryMs)) return;
    job.sharedAtMs = nowMs;
    options.shared.put(recordName(job.id), JSON.stringify(viewOf(job)), keepMs);
  }

  async function run(job: Job, keys: readonly PoolKey[]): Promise<void> {
    const onResult = (result: ProbeResult) => {
      job.results[result.verdict] += 1;
      if (result.verdict !== 'serves' && job.problems.length < maxJobProblems) job.problems.push(result);
      share(job, false);
    };
    try {
      await prober.probe(keys, { onResult, cancellation: job.cancellation });
      if (job.cancellation.aborted)
        job.error = 'The gateway shut down before every key was probed; start the job again.';
    } catch {
      job.error = 'The probes failed; start the job again.';
    }
    job.finishedAtMs = clock.now();
    share(job, true);
  }

  function get(id: string): VerificationJobView | undefined {
    expire(clock.now());
    const job = jobs.get(id);
    return job ? viewOf(job) : undefined;
  }

  return {
    start(keys) {
      const nowMs = clock.now();
      expire(nowMs);
      if (running().length >= maxRunning) return undefined;
      makeRoom();
      const job: Job = {
        id: randomId(),
        total: keys.length,
        startedAtMs: nowMs,
        results: { serves: 0, refused: 0, unknown: 0 },
        problems: [],
        cancellation: new Cancellation(),
      };
      jobs.set(job.id, job);
      share(job, true);
      job.settled = run(job, keys);
      return viewOf(job);
    },
    get,
    async find(id) {
      const local = get(id);
      if (local || !options.shared) return local;
      const text = await options.shared.get(recordName(id));
      return text === undefined ? undefined : (JSON.parse(text) as VerificationJobView);
    },
    async close() {
      const open = running();
      for (const job of open) job.cancellation.cancel();
      await Promise.all(open.map((job) => job.settled));
    },
  };
}
