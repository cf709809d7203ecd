import {
  type FakeError,
  invalidArgumentError,
  missingThoughtSignatureError,
  unknownFieldError,
  unsupportedModalitiesError,
  unsupportedVoiceError,
} from './fake-errors.js';
import { isPrebuiltVoice, isSpeechModel, prebuiltVoices } from './fake-media.js';
import { type FakeGenerateRequest, field, type GenerateView, readGenerateRequest } from './fake-request.js';
import { safetySettingsProblem } from './fake-safety.js';
import { isGemini3, unsignedFunctionCall } from './fake-tools.js';

// The 400s Google answers a generateContent request with, before any generation starts.

const generateFields = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'tool_config',
  'safetySettings',
  'safety_settings',
  'generationConfig',
  'generation_config',
  'cachedContent',
  'cached_content',
  'labels',
  'model',
]);

/** Speech models speak and nothing else; no other model here answers with audio. */
function modalityProblem(modelId: string, view: GenerateView): FakeError | undefined {
  const modalities = view.responseModalities.length > 0 ? view.responseModalities : ['TEXT'];
  const supported = isSpeechModel(modelId)
    ? modalities.every((modality) => modality === 'AUDIO')
    : !modalities.includes('AUDIO');
  return supported ? undefined : unsupportedModalitiesError(modalities, modelId);
}

function voiceProblem(view: GenerateView): FakeError | undefined {
  const unknown = view.voiceNames.find((name) => !isPrebuiltVoice(name));
  return unknown === undefined ? undefined : unsupportedVoiceError(unknown, prebuiltVoices);
}

function signatureProblem(modelId: string, view: GenerateView): FakeError | undefined {
  if (!isGemini3(modelId)) return undefined;
  const unsigned = unsignedFunctionCall(view.contents);
  return unsigned && missingThoughtSignatureError(unsigned.name, unsigned.position);
}

export function generateRequestProblem(
  modelId: string,
  version: string,
  request: Record<string, unknown>,
): FakeError | undefined {
  for (const name of Object.keys(request)) {
    if (!generateFields.has(name)) return unknownFieldError(name);
  }
  const contents = request.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return invalidArgumentError('* GenerateContentRequest.contents: contents is not specified\n');
  }
  const view = readGenerateRequest(request as FakeGenerateRequest);
  return (
    safetySettingsProblem(field(request, 'safetySettings'), version) ??
    modalityProblem(modelId, view) ??
    voiceProblem(view) ??
    signatureProblem(modelId, view)
  );
}
