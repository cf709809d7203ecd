import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { createSpeechEncoder, SpeechEncodingError } from './create-speech-encoder.js';

describe('createSpeechEncoder', () => {
  let folder: string;
  /** An "ffmpeg" that fails when another copy of itself is running, else echoes its input after 100 ms. */
  let alone: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'gemgate-encoder-'));
    alone = join(folder, 'ffmpeg');
    const lock = join(folder, 'running');
    writeFileSync(
      alone,
      ['#!/bin/sh', `mkdir '${lock}' || exit 3`, 'sleep 0.1', 'cat', `rmdir '${lock}'`, ''].join('\n'),
      { mode: 0o755 },
    );
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const pcm = Buffer.alloc(4800, 1);
  const encodeThree = (maxProcesses: number) => {
    const encoder = createSpeechEncoder({ ffmpegPath: alone, maxProcesses });
    return Promise.allSettled([1, 2, 3].map(() => encoder.encode(pcm, 24_000, 'mp3')));
  };

  it('runs no more ffmpeg processes at once than it is allowed; the others wait and succeed', async () => {
    const results = await encodeThree(1);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('(the same requests, allowed three at once, overlap: the check above can fail)', async () => {
    const results = await encodeThree(3);
    expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
  });

  it('gives up waiting for a process when the client leaves, without starting one', async () => {
    const encoder = createSpeechEncoder({ ffmpegPath: alone, maxProcesses: 1 });
    const running = encoder.encode(pcm, 24_000, 'mp3');
    const signal = new Cancellation();
    const waiting = encoder.encode(pcm, 24_000, 'mp3', signal);
    signal.cancel();
    await expect(waiting).rejects.toThrow(SpeechEncodingError);
    await expect(waiting).rejects.toThrow(/client left while it waited/);
    expect(await running).toEqual(pcm);
  });
});
