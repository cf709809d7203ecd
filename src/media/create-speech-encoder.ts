import { availableParallelism } from 'node:os';
import type { Cancellation } from '../core/cancellation.js';
import { redactSecrets } from '../core/redact-secrets.js';
import { createProcessSlots } from './create-process-slots.js';
import { ProcessError, type ProcessOutcome, runProcess } from './run-process.js';
import {
  type EncodedSpeechFormat,
  ffmpegArgumentsFor,
  listEncodersArguments,
  speechFormatsIn,
} from './speech-encodings.js';

/** Encodes speech with ffmpeg, as a child process (FFMPEG_PATH). */
export interface SpeechEncoder {
  /**
   * The formats the ffmpeg at FFMPEG_PATH can make, none when it is missing or broken: asked the
   * first time (one `ffmpeg -encoders`), then remembered for the life of the process.
   */
  formats(): Promise<ReadonlySet<EncodedSpeechFormat>>;
  /**
   * Raw s16le mono PCM at `sampleRate` as a file of `format`. Rejects with a SpeechEncodingError;
   * killed when `signal` cancels.
   */
  encode(
    pcm: Buffer,
    sampleRate: number,
    format: EncodedSpeechFormat,
    signal?: Cancellation,
  ): Promise<Buffer>;
}

/** Why speech could not be encoded: `message` is for the client, `detail` for the log only. */
export class SpeechEncodingError extends Error {
  constructor(
    message: string,
    /** The end of ffmpeg's stderr: one line, cut short, Google keys redacted; never sent to a client. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'SpeechEncodingError';
  }
}

/** What the first look at the ffmpeg found, for one log line. */
export interface FfmpegProbe {
  readonly formats: readonly EncodedSpeechFormat[];
  /** Why none could be asked for (`it could not be started ...`), when ffmpeg did not answer. */
  readonly problem?: string;
}

export interface SpeechEncoderOptions {
  /** FFMPEG_PATH: a name looked up on PATH, or a path. */
  readonly ffmpegPath: string;
  /** Told once what the first look at the ffmpeg found. */
  readonly onProbed?: (probe: FfmpegProbe) => void;
  /**
   * ffmpeg processes at once (the machine's cores by default); further requests wait their turn.
   * Each speech request may start one: unbounded, a client could have the gateway fork hundreds.
   */
  readonly maxProcesses?: number;
}

const probeLimits = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 };
/** Bytes per second of s16le mono at a sample rate. */
const bytesPerSecond = (sampleRate: number) => sampleRate * 2;

/** The last non-empty line of ffmpeg's stderr, short, for an operator's log line. */
function lastLineOf(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .at(-1);
  return line === undefined ? undefined : redactSecrets(line.slice(0, 200));
}

function endOf(outcome: ProcessOutcome): string {
  return outcome.signal !== null
    ? `it was ended by ${outcome.signal}`
    : `it exited with code ${outcome.code}`;
}

export function createSpeechEncoder(options: SpeechEncoderOptions): SpeechEncoder {
  const { ffmpegPath } = options;
  const slots = createProcessSlots(options.maxProcesses ?? availableParallelism());
  let probed: Promise<ReadonlySet<EncodedSpeechFormat>> | undefined;

  async function probe(): Promise<ReadonlySet<EncodedSpeechFormat>> {
    let found: FfmpegProbe;
    try {
      const outcome = await runProcess(ffmpegPath, listEncodersArguments, Buffer.alloc(0), probeLimits);
      found =
        outcome.code === 0
          ? { formats: speechFormatsIn(outcome.stdout.toString('utf8')) }
          : { formats: [], problem: endOf(outcome) };
    } catch (error) {
      found = { formats: [], problem: error instanceof ProcessError ? error.message : 'it could not be run' };
    }
    options.onProbed?.(found);
    return new Set(found.formats);
  }

  return {
    formats() {
      probed ??= probe();
      return probed;
    },

    async encode(pcm, sampleRate, format, signal) {
      // An encoder slower than real time is broken: the audio's own length, plus time to start.
      const timeoutMs = 10_000 + Math.ceil((pcm.length / bytesPerSecond(sampleRate)) * 1000);
      // Every format here is smaller than its PCM but FLAC of noise, which is barely larger.
      const maxOutputBytes = 2 * pcm.length + 1024 * 1024;
      // The timeout starts with the process: a wait for a slot ends with the client, if ever.
      const release = await slots.take(signal);
      if (!release) throw new SpeechEncodingError('ffmpeg was not started: the client left while it waited');
      let outcome: ProcessOutcome;
      try {
        outcome = await runProcess(ffmpegPath, ffmpegArgumentsFor(format, sampleRate), pcm, {
          timeoutMs,
          maxOutputBytes,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        const reason = error instanceof ProcessError ? error.message : 'it could not be run';
        throw new SpeechEncodingError(`ffmpeg failed: ${reason}`);
      } finally {
        release();
      }
      if (outcome.code !== 0) {
        throw new SpeechEncodingError(`ffmpeg failed: ${endOf(outcome)}`, lastLineOf(outcome.stderrTail));
      }
      if (outcome.stdout.length === 0) {
        throw new SpeechEncodingError('ffmpeg failed: it wrote nothing', lastLineOf(outcome.stderrTail));
      }
      return outcome.stdout;
    },
  };
}
