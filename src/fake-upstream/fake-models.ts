// A catalogue shaped like Google's `models.list` answer: the fields and methods real models report.

export interface FakeModel {
  name: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTemperature?: number;
  thinking?: boolean;
}

const chatMethods = ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'];

function chatModel(id: string, displayName: string, thinking: boolean, outputTokenLimit = 65_536): FakeModel {
  return {
    name: `models/${id}`,
    version: id.includes('preview') ? id : '001',
    displayName,
    description: `${displayName} (fake upstream)`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit,
    supportedGenerationMethods: chatMethods,
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    ...(thinking ? { thinking: true } : {}),
  };
}

function embeddingModel(id: string, displayName: string): FakeModel {
  return {
    name: `models/${id}`,
    version: '001',
    displayName,
    description: `${displayName} (fake upstream)`,
    inputTokenLimit: 2048,
    outputTokenLimit: 1,
    supportedGenerationMethods: ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'],
  };
}

export const fakeModels: readonly FakeModel[] = [
  chatModel('gemini-2.5-pro', 'Gemini 2.5 Pro', true),
  chatModel('gemini-2.5-flash', 'Gemini 2.5 Flash', true),
  chatModel('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', true),
  chatModel('gemini-2.0-flash', 'Gemini 2.0 Flash', false, 8192),
  chatModel('gemini-2.0-flash-lite', 'Gemini 2.0 Flash-Lite', false, 8192),
  chatModel('gemini-3-pro-preview', 'Gemini 3 Pro Preview', true),
  chatModel('gemini-2.5-flash-image', 'Gemini 2.5 Flash Image', false, 32_768),
  chatModel('gemini-2.5-flash-preview-tts', 'Gemini 2.5 Flash Preview TTS', false, 16_384),
  chatModel('gemini-pro-vision', 'Gemini 1.0 Pro Vision', false, 4096),
  embeddingModel('gemini-embedding-001', 'Gemini Embedding 001'),
  embeddingModel('text-embedding-004', 'Text Embedding 004'),
  embeddingModel('embedding-gecko-001', 'Embedding Gecko'),
  {
    name: 'models/imagen-4.0-generate-001',
    version: '001',
    displayName: 'Imagen 4',
    description: 'Imagen 4 (fake upstream)',
    inputTokenLimit: 480,
    outputTokenLimit: 8192,
    supportedGenerationMethods: ['predict'],
  },
];

const byId = new Map(fakeModels.map((model) => [model.name.slice('models/'.length), model]));

export function findFakeModel(id: string): FakeModel | undefined {
  return byId.get(id);
}

/** Default embedding width per model, as Google documents it. */
export function embeddingDimensions(id: string): number {
  return id === 'gemini-embedding-001' ? 3072 : 768;
}
