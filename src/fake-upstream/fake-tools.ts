import {
  type FakeContent,
  type FakePart,
  field,
  functionCallOf,
  functionResponseOf,
  type GenerateView,
  isRecord,
} from './fake-request.js';

// Tools as the fake plays them: function calls chosen by rules a test can steer, and the built-in
// tools (Google Search, code execution, URL context) answered with deterministic results.

/** The property's type, from JSON Schema (`"string"`, `["string","null"]`, `anyOf`) or OpenAPI (`"STRING"`). */
function schemaType(property: unknown): string | undefined {
  const type = field(property, 'type');
  const types = (Array.isArray(type) ? type : [type])
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.toLowerCase());
  const own = types.find((item) => item !== 'null') ?? types[0];
  if (own !== undefined) return own;
  const anyOf = field(property, 'anyOf');
  return Array.isArray(anyOf) ? anyOf.map(schemaType).find((item) => item && item !== 'null') : undefined;
}

function fakeValue(name: string, property: unknown): unknown {
  switch (schemaType(property)) {
    case 'number':
    case 'integer':
      return 42;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'null':
      return null;
    default: {
      // A real model keeps to an enum, so the fake picks its first value.
      const choices = field(property, 'enum');
      return Array.isArray(choices) && choices.length > 0 ? choices[0] : `value-${name}`;
    }
  }
}

/** The args the fake calls a function with: one value per property the schema lists. */
export function fakeFunctionArgs(schema: unknown): Record<string, unknown> {
  const properties = field(schema, 'properties');
  if (!isRecord(properties)) return {};
  return Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, fakeValue(name, property)]),
  );
}

/**
 * The JSON a structured-output request gets: a value of the schema's shape (an object with one
 * value per property, as a function call's args), or, without a schema, the answer in an object.
 */
export function fakeJsonAnswer(schema: unknown, answer: string): string {
  if (schema === undefined) return JSON.stringify({ answer });
  return JSON.stringify(
    schemaType(schema) === 'object' ? fakeFunctionArgs(schema) : fakeValue('answer', schema),
  );
}

/** The opaque signature the fake gives a Gemini 3 function call. */
export function fakeThoughtSignature(functionName: string): string {
  return Buffer.from(`signature:${functionName}`).toString('base64');
}

export function isGemini3(modelId: string): boolean {
  return modelId.startsWith('gemini-3');
}

function mentionAt(prompt: string, name: string): number {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return prompt.search(new RegExp(`\\b[Cc]all\\s+${escaped}(?![\\w.:-])`));
}

/**
 * Which functions the model calls: those the prompt names as `call <name>`, in the order named
 * (several make parallel calls); failing that, in mode ANY, the first allowed or declared one.
 */
export function functionsToCall(view: GenerateView, prompt: string): string[] {
  const [first] = view.functions;
  if (!first || view.callingMode === 'NONE') return [];
  const restricted = view.callingMode === 'ANY' && view.allowedFunctionNames.length > 0;
  const mentioned = view.functions
    .map(({ name }) => ({ name, at: mentionAt(prompt, name) }))
    .filter(({ name, at }) => at >= 0 && (!restricted || view.allowedFunctionNames.includes(name)))
    .sort((a, b) => a.at - b.at)
    .map(({ name }) => name);
  if (mentioned.length > 0) return mentioned;
  return view.callingMode === 'ANY' ? [view.allowedFunctionNames[0] ?? first.name] : [];
}

/** Gemini 3 signs only the first call of a step: parallel calls after it carry no signature. */
export function functionCallParts(modelId: string, view: GenerateView, names: readonly string[]): FakePart[] {
  return names.map((name, index) => {
    const schema = view.functions.find((declared) => declared.name === name)?.schema;
    const part: FakePart = { functionCall: { name, args: fakeFunctionArgs(schema) } };
    return isGemini3(modelId) && index === 0
      ? { ...part, thoughtSignature: fakeThoughtSignature(name) }
      : part;
  });
}

/** `Tool results: name=<response JSON>; ...` when the last content hands back function responses. */
export function toolResultsText(contents: readonly FakeContent[]): string | undefined {
  const last = contents.at(-1);
  if (!last || last.role === 'model') return undefined;
  const results = (last.parts ?? []).flatMap((part) => {
    const response = functionResponseOf(part);
    return response ? [`${String(response.name)}=${JSON.stringify(response.response ?? null)}`] : [];
  });
  return results.length > 0 ? `Tool results: ${results.join('; ')}` : undefined;
}

/**
 * The first unsigned function call of the current turn, which Gemini 3 refuses. The turn starts
 * at the last user content that is not only function responses; older turns are not checked.
 */
export function unsignedFunctionCall(
  contents: readonly FakeContent[],
): { name: string; position: number } | undefined {
  const turnStart = contents.findLastIndex(
    (content) => content.role !== 'model' && (content.parts ?? []).some((part) => !functionResponseOf(part)),
  );
  for (let position = turnStart + 1; position < contents.length; position++) {
    const content = contents[position];
    if (content?.role !== 'model') continue;
    const firstCall = (content.parts ?? []).find((part) => functionCallOf(part));
    if (firstCall && typeof field(firstCall, 'thoughtSignature') !== 'string') {
      return { name: String(functionCallOf(firstCall)?.name), position };
    }
  }
  return undefined;
}

function slug(prompt: string): string {
  const words = prompt
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  return words || 'search';
}

/** The two web results every search finds, their addresses made from the prompt. */
function fakeSearchResults(prompt: string): { uri: string; title: string }[] {
  return [
    { uri: `https://example.com/${slug(prompt)}`, title: 'example.com' },
    { uri: `https://example.org/${slug(prompt)}`, title: 'example.org' },
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Grounding as Google reports it: one support per non-empty line of the answer, line k citing
 * result k mod 2. Offsets count UTF-8 bytes, and a zero startIndex is omitted as proto3 JSON does.
 */
export function groundingMetadata(prompt: string, text: string) {
  const groundingSupports: unknown[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const end = offset + Buffer.byteLength(line);
    if (line !== '') {
      groundingSupports.push({
        segment: { ...(offset > 0 ? { startIndex: offset } : {}), endIndex: end, text: line },
        groundingChunkIndices: [groundingSupports.length % 2],
      });
    }
    offset = end + 1;
  }
  const searchUrl = `https://www.google.com/search?q=${encodeURIComponent(prompt)}`;
  return {
    searchEntryPoint: {
      renderedContent: `<div class="container"><a class="chip" href="${escapeHtml(searchUrl)}">${escapeHtml(prompt)}</a></div>`,
    },
    groundingChunks: fakeSearchResults(prompt).map((web) => ({ web })),
    groundingSupports,
    webSearchQueries: [prompt],
  };
}

/** The code the fake "runs": it prints the prompt. */
export function codeExecutionParts(prompt: string): FakePart[] {
  return [
    { executableCode: { language: 'PYTHON', code: `print(${JSON.stringify(prompt)})` } },
    { codeExecutionResult: { outcome: 'OUTCOME_OK', output: `${prompt}\n` } },
  ];
}

/** Every distinct http(s) URL in the prompt, without trailing punctuation. */
function promptUrls(prompt: string): string[] {
  const found = prompt.match(/https?:\/\/[^\s"'<>()[\]{}]+/g) ?? [];
  return [...new Set(found.map((url) => url.replace(/[.,;:!?]+$/, '')))];
}

/** Undefined when the prompt names no URL: there is nothing to report then. */
export function urlContextMetadata(prompt: string) {
  const urls = promptUrls(prompt);
  if (urls.length === 0) return undefined;
  return {
    urlMetadata: urls.map((retrievedUrl) => ({
      retrievedUrl,
      urlRetrievalStatus: 'URL_RETRIEVAL_STATUS_SUCCESS',
    })),
  };
}
