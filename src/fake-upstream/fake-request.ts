// Reading a generateContent request the way Google's JSON parser does: every field name may be
// written in camelCase or snake_case. Only the request's own structure is read this way; user data
// (function args, schema property names, function responses) stays exactly as sent.

export interface FakePart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
  [field: string]: unknown;
}
export interface FakeContent {
  role?: string;
  parts?: FakePart[];
}
/** Everything but contents is read through `readGenerateRequest`, under either spelling. */
export interface FakeGenerateRequest {
  contents?: FakeContent[];
  systemInstruction?: FakeContent;
  [field: string]: unknown;
}

export interface FakeFunction {
  readonly name: string;
  readonly schema: unknown;
}

/** What the fake needs from a generateContent request, names normalised. */
export interface GenerateView {
  readonly contents: readonly FakeContent[];
  readonly systemInstruction: FakeContent | undefined;
  readonly maxOutputTokens: number | undefined;
  readonly thinkingBudget: number | undefined;
  readonly includeThoughts: boolean;
  /** `application/json` asks for JSON text (structured output), shaped by `responseSchema` when given. */
  readonly responseMimeType: string | undefined;
  /** responseJsonSchema (JSON Schema) or responseSchema (Google's OpenAPI subset). */
  readonly responseSchema: unknown;
  readonly stopSequences: readonly string[];
  readonly candidateCount: number;
  /** Upper-cased, as Google's enum parser accepts any case here. */
  readonly responseModalities: readonly string[];
  /** Every prebuilt voice the speech config names, single- and multi-speaker. */
  readonly voiceNames: readonly string[];
  readonly functions: readonly FakeFunction[];
  readonly callingMode: string;
  readonly allowedFunctionNames: readonly string[];
  readonly googleSearch: boolean;
  readonly codeExecution: boolean;
  readonly urlContext: boolean;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field of a request object under its camelCase or its snake_case name. */
export function field(value: unknown, camelName: string): unknown {
  if (!isRecord(value)) return undefined;
  return value[camelName] ?? value[camelName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((item): item is string => typeof item === 'string');
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function voiceOf(voiceConfig: unknown): unknown {
  return field(field(voiceConfig, 'prebuiltVoiceConfig'), 'voiceName');
}

function voiceNamesOf(speechConfig: unknown): string[] {
  const speakers = list(field(field(speechConfig, 'multiSpeakerVoiceConfig'), 'speakerVoiceConfigs'));
  const names = [
    voiceOf(field(speechConfig, 'voiceConfig')),
    ...speakers.map((speaker) => voiceOf(field(speaker, 'voiceConfig'))),
  ];
  return names.filter((name): name is string => typeof name === 'string');
}

function functionsOf(tools: unknown[]): FakeFunction[] {
  return tools.flatMap((tool) =>
    list(field(tool, 'functionDeclarations')).flatMap((declaration) => {
      const name = field(declaration, 'name');
      if (typeof name !== 'string') return [];
      return [
        { name, schema: field(declaration, 'parametersJsonSchema') ?? field(declaration, 'parameters') },
      ];
    }),
  );
}

export function readGenerateRequest(request: FakeGenerateRequest): GenerateView {
  const config = field(request, 'generationConfig');
  const thinkingConfig = field(config, 'thinkingConfig');
  const callingConfig = field(field(request, 'toolConfig'), 'functionCallingConfig');
  const tools = list(field(request, 'tools'));
  const hasTool = (name: string) => tools.some((tool) => field(tool, name) !== undefined);
  const candidateCount = field(config, 'candidateCount');
  const systemInstruction = field(request, 'systemInstruction');
  const mode = field(callingConfig, 'mode');
  return {
    contents: list(request.contents).filter(isRecord) as FakeContent[],
    systemInstruction: isRecord(systemInstruction) ? (systemInstruction as FakeContent) : undefined,
    maxOutputTokens: numberOrUndefined(field(config, 'maxOutputTokens')),
    thinkingBudget: numberOrUndefined(field(thinkingConfig, 'thinkingBudget')),
    includeThoughts: field(thinkingConfig, 'includeThoughts') === true,
    responseMimeType: stringOrUndefined(field(config, 'responseMimeType')),
    responseSchema: field(config, 'responseJsonSchema') ?? field(config, 'responseSchema'),
    stopSequences: strings(field(config, 'stopSequences')).filter((stop) => stop !== ''),
    candidateCount:
      typeof candidateCount === 'number' && Number.isInteger(candidateCount) && candidateCount > 1
        ? candidateCount
        : 1,
    responseModalities: strings(field(config, 'responseModalities')).map((modality) =>
      modality.toUpperCase(),
    ),
    voiceNames: voiceNamesOf(field(config, 'speechConfig')),
    functions: functionsOf(tools),
    callingMode: typeof mode === 'string' ? mode.toUpperCase() : 'AUTO',
    allowedFunctionNames: strings(field(callingConfig, 'allowedFunctionNames')),
    googleSearch: hasTool('googleSearch'),
    codeExecution: hasTool('codeExecution'),
    urlContext: hasTool('urlContext'),
  };
}

/** The function calls and function responses of a content, with either spelling. */
export function functionCallOf(part: FakePart): { name?: unknown; args?: unknown } | undefined {
  const call = field(part, 'functionCall');
  return isRecord(call) ? call : undefined;
}

export function functionResponseOf(part: FakePart): { name?: unknown; response?: unknown } | undefined {
  const response = field(part, 'functionResponse');
  return isRecord(response) ? response : undefined;
}
