import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './create-gateway-metrics.js';

const metrics = () =>
  createGatewayMetrics({
    knownModels: [],
    keyCounts: () => ({ active: 2, resting: 1, disabled: 0, refused: 3 }),
    logBacklog: () => ({ queued: 7, dropped: 0 }),
  });

/** The lines of one metric's samples. */
const linesOf = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(name));

describe('createGatewayMetrics', () => {
  it('counts a switch only when the next call went to another key after a failure', async () => {
    const { sink, scrape } = metrics();
    const call = (keyId: string, outcome: string) => ({ keyId, status: 429, outcome, ms: 1 });
    sink.requested('gemini generateContent', 'm', 200, [
      call('a', 'quota-minute'),
      call('a', 'upstream-error'),
      call('b', 'ok'),
      call('c', 'ok'),
    ]);
    expect(linesOf(await scrape(), 'gemgate_key_switches_total')).toEqual([
      'gemgate_key_switches_total{outcome="upstream-error"} 1',
    ]);
  });

  it('labels a model by name only once Google served it, and never a client-chosen route text', async () => {
    const { sink, scrape } = metrics();
    sink.requested('openai-compat /v1beta/anything/you/like', 'client-text', 400, []);
    sink.attempted('gemini-x', false, 'ok', 1500, false);
    sink.requested('gemini generateContent', 'gemini-x', 200, []);
    const text = await scrape();
    expect(linesOf(text, 'gemgate_requests_total')).toEqual([
      'gemgate_requests_total{surface="openai-compat",model="other",status="400"} 1',
      'gemgate_requests_total{surface="native",model="gemini-x",status="200"} 1',
    ]);
    expect(linesOf(text, 'gemgate_upstream_duration_seconds_sum')).toEqual([
      'gemgate_upstream_duration_seconds_sum{model="gemini-x",stream="false"} 1.5',
    ]);
    expect(text).not.toContain('anything');
  });

  it('reads the pool and the log queue at scrape time', async () => {
    const text = await metrics().scrape();
    expect(linesOf(text, 'gemgate_keys')).toEqual([
      'gemgate_keys{state="active"} 2',
      'gemgate_keys{state="resting"} 1',
      'gemgate_keys{state="disabled"} 0',
      'gemgate_keys{state="refused"} 3',
    ]);
    expect(linesOf(text, 'gemgate_log_queue_depth')).toEqual(['gemgate_log_queue_depth 7']);
  });
});
