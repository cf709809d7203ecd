import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';
import { generateBody, post } from './helpers/start-stack.js';

// The gateway as an operator runs it: a process reading .env from its working directory.
const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const main = join(root, 'src/main.ts');

interface Run {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function run(cwd: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', tsxLoader, main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function listeningUrl(started: Run): Promise<string> {
  await expect
    .poll(() => /gemgate listening on (\S+)/.exec(started.output())?.[1], { timeout: 15_000 })
    .toBeTruthy();
  return /gemgate listening on (\S+)/.exec(started.output())?.[1] ?? '';
}

describe('the gateway process', () => {
  let fake: FakeUpstream;
  let directory: string;

  beforeAll(async () => {
    fake = await createFakeUpstream();
    directory = mkdtempSync(join(tmpdir(), 'gemgate-process-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('generates an admin token on first start, prints it once, and keeps it across restarts', async () => {
    writeFileSync(join(directory, '.env'), `API_KEYS=["ok-env-key"]\nBASE_URL=${fake.url}/v1beta\n`);
    const first = run(directory);
    const url = await listeningUrl(first);
    await expect.poll(() => /\n {2}(gg-\S+)\n/.exec(first.output())?.[1]).toBeTruthy();
    const token = /\n {2}(gg-\S+)\n/.exec(first.output())?.[1] ?? '';
    expect(first.output()).toContain(join(directory, 'data', 'gemgate.db'));
    const answered = await post(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, generateBody('hi'), {
      'x-goog-api-key': token,
    });
    expect(answered.status).toBe(200);
    expect(fake.lastRequest()?.key).toBe('ok-env-key');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = run(directory);
    const secondUrl = await listeningUrl(second);
    expect(second.output()).not.toContain(token);
    const again = await post(
      `${secondUrl}/v1beta/models/gemini-2.5-flash:generateContent`,
      generateBody('hi'),
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(again.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('refuses to start on a bad setting, naming it without its value', async () => {
    const failed = run(directory, { MAX_RETRIES: 'lots', API_KEYS: '["AIzaSySECRETsecret"' });
    expect(await failed.exited).toBe(1);
    expect(failed.output()).toContain('MAX_RETRIES');
    expect(failed.output()).toContain('API_KEYS');
    expect(failed.output()).not.toContain('SECRETsecret');
    expect(failed.output()).not.toContain('lots');
  });
});
