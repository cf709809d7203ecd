import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readStream } from './helpers/read-stream.js';
import { clientToken, generateBody, post, type Stack, useStacks } from './helpers/start-stack.js';

// GET /metrics through a real gateway in front of the fake upstream: requests that succeed, fail
// over, and find no usable key, counted exactly, with no secret in the text.

const start = useStacks();
const auth = { 'x-goog-api-key': clientToken };
const alpha = 'invalid-metrics-key-alpha';
const bravo = 'ok-metrics-key-bravo';

const generate = (s: Stack, model: string) =>
  post(`${s.url}/v1beta/models/${model}:generateContent`, generateBody('hello'), auth);

/** One sample of the exposition: `name{label="value",…} number`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of Prometheus's text format (label values hold no quote or comma here). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const pair of labelText.match(/[a-zA-Z_]+="[^"]*"/g) ?? []) {
      const at = pair.indexOf('=');
      labels[pair.slice(0, at)] = pair.slice(at + 2, -1);
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The samples of one metric, each as `label=value,…` → value, for exact comparison. */
function series(samples: readonly Sample[], name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = Object.entries(sample.labels)
      .filter(([label]) => label !== 'le')
      .map(([label, value]) => `${label}=${value}`)
      .join(',');
    found[key] = sample.value;
  }
  return found;
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** A port free now, for METRICS_PORT (0 means "off", so the test cannot ask the system for one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('GET /metrics', () => {
  it('counts requests, attempts, switches and pool-exhausted answers exactly, with no secret in it', async () => {
    const s = await start({ API_KEYS: `${alpha},${bravo}` });
    // A failover: the invalid key refuses (a probe confirms), and the healthy one serves.
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    const stream = await post(
      `${s.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      generateBody('hello'),
      auth,
    );
    expect(stream.status).toBe(200);
    await readStream(stream);
    const chat = await post(
      `${s.url}/v1/chat/completions`,
      JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hello' }] }),
      { authorization: `Bearer ${clientToken}` },
    );
    expect(chat.status).toBe(200);
    // A model Google does not know: its name is a client's, and is not a label.
    expect((await generate(s, 'no-such-model-xyz')).status).toBe(404);
    // The only serving key rests for the day for gemini-2.5-pro: the pool answers 429, twice.
    s.fake.script(bravo, ['quota-day']);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(429);
    expect((await generate(s, 'gemini-2.5-pro')).status).toBe(429);

    const scraped = await scrape(s.url, { authorization: `Bearer ${s.adminToken}` });
    expect(scraped.status).toBe(200);
    expect(scraped.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(scraped.text);

    expect(series(samples, 'gemgate_requests_total')).toEqual({
      'surface=native,model=gemini-2.5-flash,status=200': 4,
      'surface=openai,model=gemini-2.5-flash,status=200': 1,
      'surface=native,model=other,status=404': 1,
      'surface=native,model=gemini-2.5-pro,status=429': 2,
    });
    expect(series(samples, 'gemgate_upstream_attempts_total')).toEqual({
      'outcome=invalid-key': 1,
      'outcome=ok': 5,
      'outcome=client-error': 1,
      'outcome=quota-day': 1,
    });
    expect(series(samples, 'gemgate_key_switches_total')).toEqual({ 'outcome=invalid-key': 1 });
    expect(series(samples, 'gemgate_pool_exhausted_total')).toEqual({ 'reason=resting': 2 });
    expect(series(samples, 'gemgate_keys')).toEqual({
      'state=active': 0,
      'state=resting': 1,
      'state=disabled': 0,
      'state=refused': 1,
    });
    // Each upstream call timed once: whole answers (and failures) by their end, the stream by its
    // first chunk and by its end.
    expect(series(samples, 'gemgate_upstream_duration_seconds_count')).toEqual({
      'model=gemini-2.5-flash,stream=false': 5,
      'model=gemini-2.5-flash,stream=true': 1,
      'model=other,stream=false': 1,
      'model=gemini-2.5-pro,stream=false': 1,
    });
    expect(series(samples, 'gemgate_upstream_first_byte_seconds_count')).toEqual({
      'model=gemini-2.5-flash': 1,
    });
    expect(series(samples, 'gemgate_log_entries_dropped_total')).toEqual({ '': 0 });
    expect(Object.keys(series(samples, 'gemgate_log_queue_depth'))).toEqual(['']);
    expect(samples.some((sample) => sample.name === 'process_cpu_seconds_total')).toBe(true);

    // No key, key id or token, in any label.
    const secrets = [alpha, bravo, s.adminToken, clientToken, ...s.gateway.pool.list().map((key) => key.id)];
    for (const secret of secrets) expect(scraped.text).not.toContain(secret);
    expect(scraped.text).not.toContain('no-such-model-xyz');
  });

  it('answers 401 without the admin token, a client token included', async () => {
    const s = await start();
    expect((await scrape(s.url)).status).toBe(401);
    expect((await scrape(s.url, { authorization: `Bearer ${clientToken}` })).status).toBe(401);
    expect((await scrape(s.url, { 'x-goog-api-key': s.adminToken })).status).toBe(401);
    expect((await scrape(s.url, { authorization: `Bearer ${s.adminToken}` })).status).toBe(200);
  });

  it('with METRICS_PORT, is served there without auth, and not on the main port', async () => {
    const port = await freePort();
    const s = await start({ METRICS_PORT: String(port) });
    expect((await generate(s, 'gemini-2.5-flash')).status).toBe(200);
    expect(s.gateway.metricsUrl).toBe(`http://127.0.0.1:${port}`);
    const own = await scrape(`http://127.0.0.1:${port}`);
    expect(own.status).toBe(200);
    expect(series(parseExposition(own.text), 'gemgate_requests_total')).toEqual({
      'surface=native,model=gemini-2.5-flash,status=200': 1,
    });
    expect((await scrape(s.url, { authorization: `Bearer ${s.adminToken}` })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/api/keys`)).status).toBe(404);
  });
});
