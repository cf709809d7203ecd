import { spawn } from 'node:child_process';
import type { Cancellation } from '../core/cancellation.js';

/** What a program that ran to its end left: its exit, its output, and the end of its stderr. */
export interface ProcessOutcome {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  /** The last bytes it wrote to stderr (at most `stderrTailBytes`), as text. */
  readonly stderrTail: string;
}

/** Why a program did not run to its end; `message` names no input and no output of it. */
export class ProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessError';
  }
}

export interface ProcessLimits {
  /** Killed (SIGKILL) when it runs longer. */
  readonly timeoutMs: number;
  /** Killed when its stdout grows past this. */
  readonly maxOutputBytes: number;
  /** Killed when this cancels (the client went away). */
  readonly signal?: Cancellation;
}

const stderrTailBytes = 2048;

/**
 * Runs a program by its path with an argument array (no shell: nothing in an argument is ever
 * interpreted), `input` on its stdin, and collects its stdout, within `limits`. The child gets PATH
 * alone of the gateway's environment, which holds keys and passwords a program has no use for.
 * Never throws out of an event handler: a program that cannot start, dies with its stdin half
 * written (EPIPE) or overruns a limit rejects the promise, and the process lives on.
 */
export function runProcess(
  path: string,
  args: readonly string[],
  input: Buffer,
  limits: ProcessLimits,
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    if (limits.signal?.aborted) {
      reject(new ProcessError('the request was cancelled'));
      return;
    }
    const child = spawn(path, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      windowsHide: true,
    });
    let settled = false;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = Buffer.alloc(0);

    const cleanUp = () => {
      settled = true;
      clearTimeout(timer);
      limits.signal?.off('abort', onAbort);
    };
    const fail = (error: ProcessError) => {
      if (settled) return;
      cleanUp();
      child.kill('SIGKILL');
      reject(error);
    };
    const onAbort = () => fail(new ProcessError('the request was cancelled'));
    const timer = setTimeout(
      () => fail(new ProcessError(`it ran longer than ${Math.ceil(limits.timeoutMs / 1000)} s`)),
      limits.timeoutMs,
    );
    limits.signal?.once('abort', onAbort);

    child.on('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' || error.code === 'EACCES';
      fail(
        new ProcessError(
          missing ? 'it could not be started (not found or not executable)' : 'it could not be run',
        ),
      );
    });
    // A program that exits before reading all its input closes the pipe: EPIPE here, its exit
    // status below tells what went wrong.
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxOutputBytes) {
        fail(new ProcessError(`its output passed ${limits.maxOutputBytes} bytes`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([stderrTail, chunk]);
      stderrTail = joined.subarray(Math.max(0, joined.length - stderrTailBytes));
    });
    // 'close' comes after the exit and after stdout and stderr have ended: the output is whole.
    child.on('close', (code, signal) => {
      if (settled) return;
      cleanUp();
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderrTail: stderrTail.toString('utf8') });
    });
    child.stdin.end(input);
  });
}
