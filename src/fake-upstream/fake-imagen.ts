import { type FakeError, invalidArgumentError } from './fake-errors.js';
import { fakePng } from './fake-media.js';
import { field } from './fake-request.js';

// Imagen's `:predict`: `{instances:[{prompt}], parameters:{sampleCount}}` → one PNG per sample.

export interface FakePredictRequest {
  instances?: unknown;
  parameters?: unknown;
}

/** Imagen makes 4 images unless asked for fewer, as Google documents. */
const defaultSampleCount = 4;

function promptOf(request: FakePredictRequest): unknown {
  return Array.isArray(request.instances) ? field(request.instances[0], 'prompt') : undefined;
}

export function predictProblem(request: FakePredictRequest): FakeError | undefined {
  const prompt = promptOf(request);
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    return invalidArgumentError('* PredictRequest.instances[0].prompt: prompt is not specified\n');
  }
  const count = field(request.parameters, 'sampleCount');
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 1 && (count as number) <= 4)) {
    return invalidArgumentError(
      `sampleCount must be between 1 and 4, inclusive; got ${JSON.stringify(count)}.`,
    );
  }
  return undefined;
}

export function predictResponse(request: FakePredictRequest) {
  const count = field(request.parameters, 'sampleCount');
  const image = fakePng().toString('base64');
  return {
    predictions: Array.from({ length: typeof count === 'number' ? count : defaultSampleCount }, () => ({
      bytesBase64Encoded: image,
      mimeType: 'image/png',
    })),
  };
}
