import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream, type FakeUpstream } from '../src/fake-upstream/create-fake-upstream.js';

// An operator who brings a gemini-balance .env: the settings gemgate ignores are named at start,
// in one line, by name only (SMMS_SECRET_TOKEN, OSS_ACCESS_KEY_SECRET and the like are secrets).
const root = resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const main = join(root, 'src/main.ts');
const warning = /does not support yet/;

/** Starts the gateway process in `cwd`, waits until it listens, stops it, and returns its output. */
async function startAndStop(cwd: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', tsxLoader, main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    await expect.poll(() => output, { timeout: 20_000 }).toMatch(/gemgate listening on|could not start/);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return output;
}

// Each test starts a process that compiles the sources through tsx: seconds on a busy machine.
describe('unsupported seed settings at start', { timeout: 60_000 }, () => {
  let fake: FakeUpstream;
  let directory: string;

  beforeAll(async () => {
    fake = await createFakeUpstream();
    directory = mkdtempSync(join(tmpdir(), 'gemgate-seed-settings-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('names those set in .env or the environment in one warning line, never their values', async () => {
    writeFileSync(
      join(directory, '.env'),
      [
        'API_KEYS=["ok-seed-settings-key"]',
        `BASE_URL=${fake.url}/v1beta`,
        'URL_NORMALIZATION_ENABLED=true',
        'CLOUDFLARE_IMGBED_URL=https://proxy-user:proxy-secret@10.0.0.9/upload',
        'CLOUDFLARE_IMGBED_AUTH_CODE=imgbed-secret-value',
        'UPLOAD_PROVIDER=smms',
        // Seed templates carry empty values: they ask for nothing, so they are not named.
        'SMMS_SECRET_TOKEN=',
        'OSS_ACCESS_KEY_SECRET=[]',
        '',
      ].join('\n'),
    );
    const output = await startAndStop(directory, { TIMEZONE: 'Asia/Shanghai' });
    expect(output).toMatch(/gemgate listening on/);
    const lines = output.split('\n').filter((line) => warning.test(line));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as { level: number; msg: string };
    expect(line.level).toBe(40);
    expect(line.msg).toBe(
      'gemini-balance settings gemgate does not support yet, ignored: URL_NORMALIZATION_ENABLED, CLOUDFLARE_IMGBED_URL, CLOUDFLARE_IMGBED_AUTH_CODE, TIMEZONE, UPLOAD_PROVIDER',
    );
    for (const value of ['proxy-secret', 'imgbed-secret-value', 'smms', 'Asia/Shanghai']) {
      expect(output).not.toContain(value);
    }
  });

  it('says nothing when none is set', async () => {
    writeFileSync(
      join(directory, '.env'),
      `API_KEYS=["ok-seed-settings-key"]\nBASE_URL=${fake.url}/v1beta\n`,
    );
    const output = await startAndStop(directory, {});
    expect(output).toMatch(/gemgate listening on/);
    expect(output).not.toMatch(warning);
  });
});
