import type { AttemptRecord } from '../core/attempt-trace.js';
import type { RequestLogEntry } from '../core/log-sink.js';

/**
 * Request log entries waiting for the next batch, held as columns of primitives rather than one
 * object per request. Entries wait a few hundred milliseconds, long enough for the garbage collector
 * to copy and promote anything still referenced; columns (and interned model names) leave it almost
 * nothing to move. Measured: the queued objects cost about as much CPU in GC as the relay's own work.
 */
export class RequestLogQueue {
  private createdAt: number[] = [];
  private route: string[] = [];
  private model: (string | null)[] = [];
  private keyId: (string | null)[] = [];
  private status: number[] = [];
  private flags: number[] = [];
  private latencyMs: number[] = [];
  private attempts: number[] = [];
  /** Four per entry (input, output, thoughts, cached); the first is -1 when the entry has none. */
  private tokens: number[] = [];
  private clientId: (string | undefined)[] = [];
  private errorClass: (string | undefined)[] = [];
  /** -1 when the entry has none. */
  private requestSeq: number[] = [];
  // A one-attempt trace (nearly every request's) as columns: its key id is the pool's own string and
  // its outcome a constant, so nothing new is held. Longer traces are kept whole in `traces`.
  private attemptKey: (string | undefined)[] = [];
  private attemptStatus: number[] = [];
  private attemptOutcome: string[] = [];
  private attemptMs: number[] = [];
  private traces: (readonly AttemptRecord[] | undefined)[] = [];
  private readonly names = new Map<string, string>();

  get length(): number {
    return this.createdAt.length;
  }

  push(entry: RequestLogEntry): void {
    this.createdAt.push(entry.createdAt);
    this.route.push(entry.route);
    this.model.push(entry.model === null ? null : this.intern(entry.model));
    this.keyId.push(entry.keyId);
    this.status.push(entry.status);
    this.flags.push((entry.success ? 1 : 0) | (entry.stream ? 2 : 0));
    this.latencyMs.push(entry.latencyMs);
    this.attempts.push(entry.attempts);
    const tokens = entry.tokens;
    if (tokens) this.tokens.push(tokens.input, tokens.output, tokens.thoughts, tokens.cached);
    else this.tokens.push(-1, 0, 0, 0);
    this.clientId.push(entry.clientId);
    this.errorClass.push(entry.errorClass);
    this.requestSeq.push(entry.requestSeq ?? -1);
    const trace = entry.trace;
    const only = trace?.length === 1 ? trace[0] : undefined;
    this.attemptKey.push(only?.keyId);
    this.attemptStatus.push(only?.status ?? -1);
    this.attemptOutcome.push(only?.outcome ?? '');
    this.attemptMs.push(only?.ms ?? 0);
    this.traces.push(only || trace === undefined ? undefined : trace);
  }

  /** Removes and returns everything queued, oldest first. */
  drain(): RequestLogEntry[] {
    const entries: RequestLogEntry[] = new Array(this.length);
    for (let index = 0; index < entries.length; index++) {
      const flags = this.flags[index] as number;
      const input = this.tokens[index * 4] as number;
      const clientId = this.clientId[index];
      const errorClass = this.errorClass[index];
      const requestSeq = this.requestSeq[index] as number;
      const attemptKey = this.attemptKey[index];
      const status = this.attemptStatus[index] as number;
      const trace: readonly AttemptRecord[] | undefined =
        attemptKey === undefined
          ? this.traces[index]
          : [
              {
                keyId: attemptKey,
                status: status === -1 ? null : status,
                outcome: this.attemptOutcome[index] as string,
                ms: this.attemptMs[index] as number,
              },
            ];
      entries[index] = {
        createdAt: this.createdAt[index] as number,
        route: this.route[index] as string,
        model: this.model[index] ?? null,
        keyId: this.keyId[index] ?? null,
        status: this.status[index] as number,
        success: (flags & 1) === 1,
        stream: (flags & 2) === 2,
        latencyMs: this.latencyMs[index] as number,
        attempts: this.attempts[index] as number,
        ...(input === -1
          ? {}
          : {
              tokens: {
                input,
                output: this.tokens[index * 4 + 1] as number,
                thoughts: this.tokens[index * 4 + 2] as number,
                cached: this.tokens[index * 4 + 3] as number,
              },
            }),
        ...(clientId === undefined ? {} : { clientId }),
        ...(errorClass === undefined ? {} : { errorClass }),
        ...(requestSeq === -1 ? {} : { requestSeq }),
        ...(trace === undefined ? {} : { trace }),
      };
    }
    for (const column of [
      this.createdAt,
      this.route,
      this.model,
      this.keyId,
      this.status,
      this.flags,
      this.latencyMs,
      this.attempts,
      this.tokens,
      this.clientId,
      this.errorClass,
      this.requestSeq,
      this.attemptKey,
      this.attemptStatus,
      this.attemptOutcome,
      this.attemptMs,
      this.traces,
    ]) {
      column.length = 0;
    }
    return entries;
  }

  private intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    // Model names come from client URLs: bound the table rather than trust them to be few.
    if (this.names.size >= 1000) this.names.clear();
    this.names.set(name, name);
    return name;
  }
}
