import { parseArgs } from 'node:util';
import { createFakeUpstream } from './create-fake-upstream.js';
import { fakeBehaviours } from './fake-behaviour.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8001' },
    host: { type: 'string', default: '127.0.0.1' },
    'slow-ms': { type: 'string', default: '2000' },
    'retry-delay': { type: 'string', default: '26' },
    'limit-requests': { type: 'string', default: '5' },
    'limit-window': { type: 'string', default: '60' },
    'record-limit': { type: 'string', default: '200' },
  },
});

const fake = await createFakeUpstream({
  port: Number(values.port),
  host: values.host,
  slowMs: Number(values['slow-ms']),
  retryDelaySeconds: Number(values['retry-delay']),
  limitRequests: Number(values['limit-requests']),
  limitWindowSeconds: Number(values['limit-window']),
  recordLimit: Number(values['record-limit']),
});
console.log(`Fake Gemini upstream listening on ${fake.url}`);
console.log(`Key behaviours by prefix (<behaviour>-anything): ${fakeBehaviours.join(', ')}`);
console.log(
  'OpenAI-compatible (Authorization: Bearer): POST /v1beta/openai/chat/completions, POST /v1beta/openai/embeddings, GET /v1beta/openai/models',
);
console.log(
  'Control: GET /__fake/stats, GET /__fake/journal, POST /__fake/script {"key","behaviour"}, POST /__fake/reset',
);

const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
