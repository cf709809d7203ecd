import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSpeechByteLength, fakeSpeechPcm } from '../src/fake-upstream/fake-media.js';
import { startHostileUpstream } from './helpers/hostile-upstream.js';
import { clientToken, type Stack, startStack, useStacks } from './helpers/start-stack.js';

// audio/speech in every format of OpenAI's, through the official client, against the real gateway
// and the fake upstream, whose speech is a 440 Hz tone of 20 ms per character (at most 3 s) of raw
// 24 kHz PCM. mp3 (OpenAI's default), opus, aac and flac are made by Debian's ffmpeg (.ci/run
// installs it); each answer is decoded back with ffmpeg and must hold the same tone for as long.

// 150 characters: the fake's longest answer, 3 s of speech.
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(4).slice(0, 150);
const sampleRate = 24_000;
const seconds = fakeSpeechByteLength(text) / 2 / sampleRate;

/** An encoded file decoded back to 24 kHz mono s16le by ffmpeg. */
function decode(file: Buffer): Int16Array {
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-f',
      's16le',
      '-ac',
      '1',
      '-ar',
      '24000',
      'pipe:1',
    ],
    { input: file, maxBuffer: 64 * 1024 * 1024 },
  );
  expect(result.status, String(result.stderr)).toBe(0);
  const pcm = result.stdout;
  return new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
}

/**
 * The tone's pitch, from the times the signal rises through zero, first to last (a codec's padding
 * is silence). With hysteresis (from below -1000 to above 1000, the tone's amplitude being 8000):
 * a lossy codec's noise near zero makes no rise of its own.
 */
function pitchOf(samples: Int16Array): number {
  const rises: number[] = [];
  let low = false;
  samples.forEach((sample, index) => {
    if (sample < -1000) low = true;
    else if (sample > 1000 && low) {
      rises.push(index);
      low = false;
    }
  });
  const first = rises[0] ?? 0;
  const last = rises.at(-1) ?? 0;
  return (rises.length - 1) / ((last - first) / sampleRate);
}

const isMp3 = (file: Buffer) =>
  file.subarray(0, 3).toString('latin1') === 'ID3' || (file[0] === 0xff && ((file[1] ?? 0) & 0xe0) === 0xe0);
const isOggOpus = (file: Buffer) =>
  file.subarray(0, 4).toString('latin1') === 'OggS' &&
  file.subarray(28, 36).toString('latin1') === 'OpusHead';
// ADTS: a 12-bit sync word, then MPEG version, layer 00 (never 01-11, which is an mp3 frame).
const isAdts = (file: Buffer) => file[0] === 0xff && ((file[1] ?? 0) & 0xf6) === 0xf0;
const isFlac = (file: Buffer) => file.subarray(0, 4).toString('latin1') === 'fLaC';

async function speak(openai: OpenAI, body: Partial<OpenAI.Audio.SpeechCreateParams> = {}) {
  const response = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: text, ...body });
  return {
    contentType: response.headers.get('content-type'),
    file: Buffer.from(await response.arrayBuffer()),
  };
}

async function requestRows(stack: Stack) {
  await stack.gateway.logWriter.flush();
  return stack.gateway.database.db.selectFrom('request_log').selectAll().orderBy('id').execute();
}

const clientOf = (stack: Stack) =>
  new OpenAI({ apiKey: clientToken, baseURL: `${stack.url}/v1`, maxRetries: 0 });

describe('audio/speech encoded by ffmpeg', () => {
  let stack: Stack;
  let openai: OpenAI;
  beforeAll(async () => {
    stack = await startStack();
    openai = clientOf(stack);
  });
  afterAll(() => stack.close());

  it("answers mp3 when the client names no format (OpenAI's default), a real encoding of the speech", async () => {
    const { contentType, file } = await speak(openai);
    expect(JSON.parse(stack.fake.lastRequest()?.body ?? '{}')).not.toHaveProperty('response_format');
    expect(contentType).toBe('audio/mpeg');
    expect(isMp3(file)).toBe(true);
    // Far smaller than the PCM: compressed, not wrapped.
    expect(file.length).toBeLessThan(fakeSpeechByteLength(text) / 4);
    const decoded = decode(file);
    expect(decoded.length / sampleRate).toBeGreaterThan(seconds * 0.97);
    expect(decoded.length / sampleRate).toBeLessThan(seconds * 1.05);
    expect(pitchOf(decoded)).toBeCloseTo(440, -1);
  });

  it.each([
    ['mp3', 'audio/mpeg', isMp3],
    ['opus', 'audio/opus', isOggOpus],
    ['aac', 'audio/aac', isAdts],
    ['flac', 'audio/flac', isFlac],
  ] as const)(
    'answers %s as %s, decoding to the speech the upstream made',
    async (format, type, looksRight) => {
      const { contentType, file } = await speak(openai, { response_format: format });
      expect(contentType).toBe(type);
      expect(looksRight(file)).toBe(true);
      const decoded = decode(file);
      expect(decoded.length / sampleRate).toBeGreaterThan(seconds * 0.97);
      expect(decoded.length / sampleRate).toBeLessThan(seconds * 1.05);
      expect(pitchOf(decoded)).toBeCloseTo(440, -1);
      if (format === 'flac') {
        // Lossless: the very samples the upstream sent.
        expect(Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength)).toEqual(
          fakeSpeechPcm(text),
        );
      }
    },
  );

  it('answers wav and pcm without an encoder, as before', async () => {
    const wav = await speak(openai, { response_format: 'wav' });
    expect(wav.contentType).toBe('audio/wav');
    expect(wav.file.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(wav.file.subarray(44)).toEqual(fakeSpeechPcm(text));
    const pcm = await speak(openai, { response_format: 'pcm' });
    expect(pcm.contentType).toBe('audio/pcm');
    expect(pcm.file).toEqual(fakeSpeechPcm(text));
  });

  it('wrote one request-log row per request, each a success', async () => {
    const rows = await requestRows(stack);
    expect(rows.map((row) => [row.route, row.status, row.success])).toEqual(
      Array.from({ length: 7 }, () => ['openai audio.speech', 200, 1]),
    );
  });
});

describe('audio/speech without a working ffmpeg', () => {
  const start = useStacks();
  const fakeKey = `AIza${'FAKEfake'.repeat(4)}123`;
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'gemgate-ffmpeg-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** An executable that lists the four encoders when asked, and does `encode` when made to encode. */
  function fakeFfmpeg(name: string, encode: string): string {
    const path = join(folder, name);
    writeFileSync(
      path,
      [
        '#!/bin/sh',
        'for argument in "$@"; do',
        '  if [ "$argument" = "-encoders" ]; then',
        "    printf ' A....D libmp3lame  MP3\\n A....D libopus  Opus\\n A....D aac  AAC\\n A....D flac  FLAC\\n'",
        '    exit 0',
        '  fi',
        'done',
        encode,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return path;
  }

  it('refuses a named mp3, opus, aac or flac with a clear 400 before calling Google, and answers WAV when no format is named', async () => {
    const stack = await start({ FFMPEG_PATH: join(folder, 'not-installed', 'ffmpeg') });
    const openai = clientOf(stack);
    for (const format of ['flac', 'mp3'] as const) {
      const failure = await speak(openai, { response_format: format }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      expect(failure).toMatchObject({ status: 400, param: 'response_format', code: 'unsupported_value' });
      expect((failure as Error).message).toMatch(
        new RegExp(`${format} is not available.*ffmpeg.*wav and pcm`),
      );
    }
    expect(stack.fake.requests).toHaveLength(0);
    // The client asked for no format, so not for mp3: it gets what the gateway can make.
    const { contentType, file } = await speak(openai);
    expect(contentType).toBe('audio/wav');
    expect(file.subarray(44)).toEqual(fakeSpeechPcm(text));
    await speak(openai);
    // What the first look found is logged once, naming what clients lose.
    const warnings = stack.logLines.filter((line) => line.includes('ffmpeg (FFMPEG_PATH)'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not be started.*refuses mp3, opus, aac, flac, and answers WAV/);
  });

  it("answers an ffmpeg that fails with a 500 in OpenAI's shape, and none of its stderr; the gateway lives on", async () => {
    const ffmpeg = fakeFfmpeg(
      'failing-ffmpeg',
      [
        "printf 'garbage-marker \\377\\376\\000 binary\\n' >&2",
        `echo "fatal: cannot go on with ${fakeKey} in hand" >&2`,
        'exit 1',
      ].join('\n'),
    );
    const stack = await start({ FFMPEG_PATH: ffmpeg });
    for (const body of [{ response_format: 'flac' as const }, {}]) {
      const response = await fetch(`${stack.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: text, ...body }),
      });
      expect(response.status).toBe(500);
      const answer = await response.text();
      expect(JSON.parse(answer)).toEqual({
        error: {
          message: expect.stringMatching(
            /could not encode the speech as (flac|mp3) \(ffmpeg failed: it exited with code 1\)/,
          ),
          type: 'server_error',
          param: null,
          code: null,
        },
      });
      expect(answer).not.toMatch(/garbage|fatal|AIza/);
    }
    // Still serving, and each request logged once, as the gateway's own fault.
    expect((await speak(clientOf(stack), { response_format: 'wav' })).contentType).toBe('audio/wav');
    expect((await requestRows(stack)).map((row) => [row.status, row.success, row.error_class])).toEqual([
      [500, 0, 'gateway-fault'],
      [500, 0, 'gateway-fault'],
      [200, 1, null],
    ]);
    // The operator's log has ffmpeg's last words, its key-shaped text redacted.
    const logs = stack.logLines.join('');
    expect(logs).toMatch(/could not encode speech/);
    expect(logs).toMatch(/fatal: cannot go on with/);
    expect(logs).not.toContain(fakeKey);
  });

  it('kills ffmpeg when the client goes away, and logs the request as closed', async () => {
    const pidFile = join(folder, 'encoder.pid');
    const ffmpeg = fakeFfmpeg('slow-ffmpeg', `echo $$ > '${pidFile}'\nexec sleep 30`);
    const stack = await start({ FFMPEG_PATH: ffmpeg });
    const abort = new AbortController();
    const request = fetch(`${stack.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input: text, response_format: 'opus' }),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '').toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    abort.abort();
    expect(await request).toMatchObject({ name: 'AbortError' });
    const running = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(running, { timeout: 5_000 }).toBe(false);
    await expect
      .poll(async () => (await requestRows(stack)).map((row) => [row.status, row.error_class]))
      .toEqual([[499, 'client-closed']]);
    // The client's leaving is no fault of the encoder's.
    expect(stack.logLines.filter((line) => line.includes('could not encode speech'))).toEqual([]);
  });

  it('answers audio at a sample rate no file carries, from a hostile upstream, 502 without running ffmpeg', async () => {
    const upstream = await startHostileUpstream((request) => {
      const rate = request.url?.includes('tts') ? '0' : '99999999999';
      const audio = {
        mimeType: `audio/L16;codec=pcm;rate=${rate}`,
        data: fakeSpeechPcm('hi').toString('base64'),
      };
      return {
        kind: 'pieces',
        contentType: 'application/json; charset=UTF-8',
        pieces: [
          JSON.stringify({
            candidates: [{ content: { parts: [{ inlineData: audio }] }, finishReason: 'STOP' }],
          }),
        ],
      };
    });
    try {
      const pidFile = join(folder, 'never.pid');
      const ffmpeg = fakeFfmpeg('recording-ffmpeg', `echo $$ > '${pidFile}'\nexit 1`);
      const stack = await start({ BASE_URL: `${upstream.url}/v1beta`, FFMPEG_PATH: ffmpeg });
      const openai = clientOf(stack);
      for (const body of [
        { response_format: 'opus' as const },
        { model: 'gemini-x', response_format: 'wav' as const },
      ]) {
        await expect(speak(openai, body)).rejects.toMatchObject({ status: 502 });
      }
      expect(upstream.generationCalls).toBe(2);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      await upstream.close();
    }
  });
});
