import { parseSettings } from '../config/load-settings.js';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { startGateway } from '../start-gateway.js';

// `npm run demo`: the gateway wired to the fake Gemini upstream with keys of every behaviour, so
// every route can be tried without a Google key. Nothing here talks to Google.
const demoKeys = [
  'ok-demo-1',
  'ok-demo-2',
  'invalid-demo',
  'suspended-demo',
  'quota-minute-demo',
  'quota-day-demo',
  'overloaded-demo',
  'flaky-demo',
  'slow-demo',
];
const token = 'demo-token';

const fake = await createFakeUpstream({ port: Number(process.env.FAKE_PORT ?? 8001), slowMs: 1500 });
const gateway = await startGateway(
  parseSettings({
    API_KEYS: demoKeys.join(','),
    AUTH_TOKEN: token,
    BASE_URL: `${fake.url}/v1beta`,
    SQLITE_DATABASE: 'demo.db',
    PORT: process.env.PORT ?? '8000',
    HOST: process.env.HOST ?? '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  }),
);

console.log(`Fake Gemini upstream: ${fake.url} (no Google keys needed)
gemgate demo:         ${gateway.url}   token: ${token}
Demo keys: ${demoKeys.join(', ')}

Try:
  curl -s ${gateway.url}/v1beta/models -H 'x-goog-api-key: ${token}'
  curl -s '${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${token}' \\
       -d '{"contents":[{"parts":[{"text":"Hello"}]}]}'
  curl -sN '${gateway.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse' \\
       -H 'Authorization: Bearer ${token}' -d '{"contents":[{"parts":[{"text":"Stream"}]}]}'
  curl -s ${gateway.url}/health
`);

const stop = async () => {
  await gateway.close();
  await fake.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
