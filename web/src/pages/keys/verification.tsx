import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { formatCount } from '../../format';
import { useLanguage } from '../../i18n';
import type { VerificationJob } from './types';

export interface Verification {
  readonly job: VerificationJob | undefined;
  readonly error: unknown;
  readonly running: boolean;
  /** Starts a job by POSTing `body` to `path`, then follows it until it ends. */
  start(path: string, body?: unknown): Promise<void>;
}

const pollMs = 400;

/** A verification job started from the page and followed by polling GET /api/jobs/{id}. */
export function useVerification(onDone: () => void): Verification {
  const [job, setJob] = useState<VerificationJob>();
  const [error, setError] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const alive = useRef(true);
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  async function start(path: string, body?: unknown) {
    setError(undefined);
    setJob(undefined);
    setRunning(true);
    try {
      const started = await api<{ jobId: string; total: number }>(path, { method: 'POST', body: body ?? {} });
      let current: VerificationJob = {
        id: started.jobId,
        state: 'running',
        total: started.total,
        done: 0,
        results: { serves: 0, refused: 0, unknown: 0 },
      };
      setJob(current);
      while (alive.current && current.state === 'running') {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        if (!alive.current) return;
        current = await api<VerificationJob>(`/api/jobs/${encodeURIComponent(started.jobId)}`);
        setJob(current);
      }
    } catch (failure) {
      if (alive.current) setError(failure);
    } finally {
      if (alive.current) {
        setRunning(false);
        done.current();
      }
    }
  }

  return { job, error, running, start };
}

/** A job's progress bar and outcome, announced as they change. */
export function VerificationProgress({ verification }: { verification: Verification }) {
  const { text, language } = useLanguage();
  const { job, error } = verification;
  const count = (value: number) => formatCount(value, language);
  if (error !== undefined)
    return (
      <p role="alert" class="bad">
        {text.keys.verifyFailed(error instanceof Error ? error.message : String(error))}
      </p>
    );
  if (!job) return null;
  return (
    <div class="keys-progress">
      <progress
        class="progress"
        max={Math.max(job.total, 1)}
        value={job.done}
        aria-label={text.keys.verifyProgress}
      />
      <p role="status">
        {job.state === 'running'
          ? text.keys.verifying(count(job.done), count(job.total))
          : job.state === 'failed'
            ? text.keys.verifyFailed(job.error ?? '')
            : text.keys.verified(
                count(job.results.serves),
                count(job.results.refused),
                count(job.results.unknown),
              )}
      </p>
    </div>
  );
}
