import { exceedsJsonDepth } from '../protocols/exceeds-json-depth.js';
import { type FakeError, invalidArgumentError, invalidValueError } from './fake-errors.js';
import { field, isRecord } from './fake-request.js';

// Google's JSON parser reads a request into its proto types before anything else looks at it: a
// value of the wrong JSON type for a field, or nesting deeper than the parser recurses, is a 400.
// The fake checks the fields its answers read (contents, parts, text, the request's main objects).

/** How deep the fake's parser recurses, like protobuf's default recursion limit. */
const maxDepth = 100;

type Check = (value: unknown, path: string, version: string) => FakeError | undefined;

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

function stringField(value: unknown, path: string): FakeError | undefined {
  if (value === undefined || typeof value === 'string') return undefined;
  return invalidArgumentError(`Invalid value at '${path}' (TYPE_STRING), ${JSON.stringify(value)}`);
}

/** A `bytes` field: base64, standard or URL-safe, as Google's JSON parser reads it. */
function bytesField(value: unknown, path: string): FakeError | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value.replace(/=+$/, '') : undefined;
  if (text !== undefined && /^[A-Za-z0-9+/_-]*$/.test(text) && text.length % 4 !== 1) return undefined;
  return invalidArgumentError(
    `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${JSON.stringify(value)}`,
  );
}

function message(type: string, fields: Record<string, Check> = {}): Check {
  return (value, path, version) => {
    if (value === undefined) return undefined;
    if (!isRecord(value)) return invalidValueError(path, type, value, version);
    for (const [name, check] of Object.entries(fields)) {
      const problem = check(field(value, name), `${path}.${snake(name)}`, version);
      if (problem) return problem;
    }
    return undefined;
  };
}

function repeated(item: Check, type: string): Check {
  return (value, path, version) => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) return invalidValueError(path, type, value, version);
    for (const [index, element] of value.entries()) {
      const problem = item(element, `${path}[${index}]`, version);
      if (problem) return problem;
    }
    return undefined;
  };
}

const part = message('Part', { text: stringField, thoughtSignature: bytesField });
const content = message('Content', { role: stringField, parts: repeated(part, 'Part') });
const contents = repeated(content, 'Content');
const generateFields: Record<string, Check> = {
  contents,
  systemInstruction: content,
  tools: repeated(message('Tool'), 'Tool'),
  toolConfig: message('ToolConfig'),
  generationConfig: message('GenerationConfig'),
};
const embedFields: Record<string, Check> = { content };

const fieldsByMethod: Record<string, Record<string, Check>> = {
  generateContent: generateFields,
  streamGenerateContent: generateFields,
  countTokens: { contents, generateContentRequest: message('GenerateContentRequest', generateFields) },
  embedContent: embedFields,
  batchEmbedContents: {
    requests: repeated(message('EmbedContentRequest', embedFields), 'EmbedContentRequest'),
  },
};

/** Google's 400 for a request body its parser cannot read into the method's request type. */
export function requestShapeProblem(
  method: string,
  request: Record<string, unknown>,
  body: Buffer,
  version: string,
): FakeError | undefined {
  if (exceedsJsonDepth(body, maxDepth))
    return invalidArgumentError('Invalid JSON payload received. Message nesting too deep.');
  for (const [name, check] of Object.entries(fieldsByMethod[method] ?? {})) {
    const problem = check(field(request, name), snake(name), version);
    if (problem) return problem;
  }
  return undefined;
}
