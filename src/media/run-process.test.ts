import { describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { runProcess } from './run-process.js';

// Real child processes (/bin/sh): each limit must end the child and reject, never crash the test
// process (an uncaught EPIPE or 'error' event would fail the run).

const limits = { timeoutMs: 5_000, maxOutputBytes: 1024 * 1024 };
const sh = (script: string, input = Buffer.alloc(0), overrides = {}) =>
  runProcess('/bin/sh', ['-c', script], input, { ...limits, ...overrides });

describe('runProcess', () => {
  it('feeds stdin and collects stdout, the exit code and the end of stderr', async () => {
    const outcome = await sh('cat; echo oops >&2; exit 3', Buffer.from('hello'));
    expect(outcome.stdout.toString()).toBe('hello');
    expect(outcome.code).toBe(3);
    expect(outcome.stderrTail).toBe('oops\n');
  });

  it('keeps only the last 2 KiB of stderr', async () => {
    const outcome = await sh('head -c 100000 /dev/zero | tr "\\0" x >&2; echo END >&2');
    expect(outcome.stderrTail.length).toBe(2048);
    expect(outcome.stderrTail.endsWith('xEND\n')).toBe(true);
  });

  it('passes arguments as they are, through no shell', async () => {
    const outcome = await runProcess('/bin/echo', ['$HOME;', '`id`', '&& rm -rf /'], Buffer.alloc(0), limits);
    expect(outcome.stdout.toString()).toBe('$HOME; `id` && rm -rf /\n');
  });

  it("gives the child PATH alone of the gateway's environment", async () => {
    process.env.GEMGATE_TEST_SECRET = 'not-for-children';
    try {
      const outcome = await runProcess('/usr/bin/env', [], Buffer.alloc(0), limits);
      expect(outcome.stdout.toString().trim().split('\n')).toEqual([`PATH=${process.env.PATH}`]);
    } finally {
      delete process.env.GEMGATE_TEST_SECRET;
    }
  });

  it('survives a child that exits before reading its input (EPIPE)', async () => {
    const outcome = await sh('exit 1', Buffer.alloc(16 * 1024 * 1024));
    expect(outcome.code).toBe(1);
  });

  it('rejects a program that is not there or cannot be run', async () => {
    await expect(runProcess('/nonexistent/ffmpeg', [], Buffer.alloc(0), limits)).rejects.toThrow(
      /could not be started/,
    );
    await expect(runProcess('/tmp', [], Buffer.alloc(0), limits)).rejects.toThrow(/could not be started/);
  });

  it('kills a child that runs too long', async () => {
    const started = Date.now();
    await expect(sh('sleep 30', Buffer.alloc(0), { timeoutMs: 200 })).rejects.toThrow(/ran longer than 1 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('kills a child whose output passes the cap', async () => {
    await expect(sh('cat /dev/zero', Buffer.alloc(0), { maxOutputBytes: 100_000 })).rejects.toThrow(
      /output passed 100000 bytes/,
    );
  });

  it('kills the child when the request is cancelled, before or while it runs', async () => {
    const signal = new Cancellation();
    const running = sh('sleep 30', Buffer.alloc(0), { signal });
    setTimeout(() => signal.cancel(), 50);
    await expect(running).rejects.toThrow(/cancelled/);
    expect(signal.listenerCount('abort')).toBe(0);
    await expect(sh('echo never', Buffer.alloc(0), { signal })).rejects.toThrow(/cancelled/);
  });
});
