import fc from 'fast-check';
import { keyTagPattern } from '../../src/keypool/key-meta-store.js';
import { keyListStates, keySorts } from '../../src/keypool/query-keys.js';

// Requests that are wrong by construction, for every public route of the gateway: each one must
// get a 4xx in the shape of the API it was sent to. A case never carries a valid request: a
// generator starts from a valid body and breaks it in one place, or sends what no route accepts.

/** The error shape a route's clients parse. */
export type ErrorShape = 'gemini' | 'openai' | 'anthropic' | 'admin';

export interface HostileCase {
  /** Which generator made it, for the summary. */
  readonly family: string;
  readonly method: string;
  /** Sent as is (percent-encoding included), never normalised. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly shape: ErrorShape;
  /** Bytes to write on a fresh connection instead (what an HTTP client library refuses to send). */
  readonly raw?: Buffer;
}

export interface Tokens {
  readonly client: string;
  readonly admin: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const jsonType = { 'content-type': 'application/json' };

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

function isKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

/**
 * A JSON value of none of `kinds` (as it reads after a round trip through JSON). Null only where
 * the field is required: for optional fields, null means "not sent".
 */
function wrongValue(kinds: readonly Kind[], required: boolean): fc.Arbitrary<unknown> {
  return fc
    .jsonValue({ maxDepth: 3 })
    .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
    .filter((value) => (required || value !== null) && !kinds.some((kind) => isKind(value, kind)));
}

type Path = readonly (string | number)[];

/** A copy of `base` with the value at `path` replaced. */
function replaced(base: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let target = copy;
  for (const step of path.slice(0, -1)) target = target[step] as Record<string | number, unknown>;
  target[path.at(-1) as string | number] = value;
  return copy;
}

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a byte never used). */
const invalidUtf8 = fc.constantFrom(
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xed, 0xa0, 0x80]),
);

/** JSON text that parses to something other than an object, or does not parse at all. */
const notAJsonObject: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc
    .oneof(fc.array(fc.jsonValue({ maxDepth: 2 })), fc.string(), fc.double(), fc.boolean(), fc.constant(null))
    .map(json),
  fc
    .string({ unit: 'binary', maxLength: 200 })
    .filter((text) => !text.trimStart().startsWith('{'))
    .map((text) => Buffer.from(text)),
  fc
    .tuple(fc.string({ maxLength: 60 }), invalidUtf8)
    .map(([text, bad]) =>
      Buffer.concat([Buffer.from(`{"${text.replace(/["\\]/g, '')}`), bad, Buffer.from('":}')]),
    ),
  fc
    .string({ maxLength: 80 })
    .map((text) => Buffer.from(`{${text}}`))
    .filter((bytes) => {
      try {
        JSON.parse(bytes.toString('utf8'));
        return false;
      } catch {
        return true;
      }
    }),
);

/** Nesting deeper than any parser the gateway or Google runs accepts. */
const deepNesting = fc
  .tuple(fc.integer({ min: 300, max: 100_000 }), fc.constantFrom('[', '{"a":'))
  .map(
    ([depth, open]) => `${open.repeat(depth)}${open === '[' ? ']'.repeat(depth) : `1${'}'.repeat(depth)}`}`,
  );

/** A body with deep nesting spliced in where `placeholder` (a JSON string) was. */
const withDeepNesting = (base: unknown, path: Path) =>
  deepNesting.map((nested) =>
    Buffer.from(JSON.stringify(replaced(base, path, '\u0000')).replace('"\\u0000"', nested)),
  );

const overlongName = fc.integer({ min: 257, max: 600 }).map((length) => `gemini-${'x'.repeat(length)}`);

// --- the native Gemini API -------------------------------------------------------------------

const nativePrefixes = ['/v1beta', '/gemini/v1beta', '/v1', '/gemini/v1'] as const;
const generation = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const nativeMethods = [
  { method: 'generateContent', query: '', base: generation, model: 'gemini-2.5-flash' },
  { method: 'generateContent', query: '', base: generation, model: 'gemini-2.5-flash-search' },
  { method: 'streamGenerateContent', query: '', base: generation, model: 'gemini-2.5-flash' },
  { method: 'streamGenerateContent', query: '?alt=sse', base: generation, model: 'gemini-2.5-pro-search' },
  { method: 'countTokens', query: '', base: generation, model: 'gemini-2.5-flash' },
  {
    method: 'embedContent',
    query: '',
    base: { content: { parts: [{ text: 'hi' }] } },
    model: 'gemini-embedding-001',
  },
  {
    method: 'batchEmbedContents',
    query: '',
    base: { requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'hi' }] } }] },
    model: 'gemini-embedding-001',
  },
] as const;

/** Fields of each native request with the JSON types Google's parser reads them as. */
const nativeFields: Record<string, readonly { path: Path; kinds: Kind[] }[]> = {
  generateContent: [
    { path: ['contents'], kinds: ['array'] },
    { path: ['contents', 0], kinds: ['object'] },
    { path: ['contents', 0, 'parts'], kinds: ['array'] },
    { path: ['contents', 0, 'parts', 0], kinds: ['object'] },
    { path: ['contents', 0, 'parts', 0, 'text'], kinds: ['string'] },
    { path: ['contents', 0, 'role'], kinds: ['string'] },
    { path: ['generationConfig'], kinds: ['object'] },
    { path: ['systemInstruction'], kinds: ['object'] },
    { path: ['tools'], kinds: ['array'] },
  ],
  embedContent: [
    { path: ['content'], kinds: ['object'] },
    { path: ['content', 'parts'], kinds: ['array'] },
  ],
  batchEmbedContents: [
    { path: ['requests'], kinds: ['array'] },
    { path: ['requests', 0], kinds: ['object'] },
    { path: ['requests', 0, 'content'], kinds: ['object'] },
  ],
};

function nativeBody(entry: (typeof nativeMethods)[number]): fc.Arbitrary<Buffer> {
  const generateFields = nativeFields.generateContent ?? [];
  const fields =
    entry.method === 'countTokens'
      ? // countTokens reads contents only (or a whole generateContentRequest).
        generateFields.filter(({ path }) => path[0] === 'contents')
      : entry.method === 'streamGenerateContent'
        ? generateFields
        : (nativeFields[entry.method] ?? []);
  const deepAt: Path =
    entry.method === 'batchEmbedContents'
      ? ['requests', 0, 'content', 'parts']
      : entry.method === 'embedContent'
        ? ['content', 'parts']
        : ['contents', 0, 'parts'];
  return fc.oneof(
    notAJsonObject,
    {
      weight: 3,
      arbitrary: fc.noBias(fc.constantFrom(...fields)).chain(({ path, kinds }) =>
        // A message field sent as null is unset, which Google reads as absent: not a type error.
        wrongValue(kinds, false)
          .filter((value) => value !== null)
          .map((value) => json(replaced(entry.base, path, value))),
      ),
    },
    withDeepNesting(entry.base, deepAt),
    ...(entry.method.includes('enerateContent')
      ? [
          // Google refuses a field its request type does not have, naming it.
          fc
            .tuple(fc.stringMatching(/^[a-z][A-Za-z0-9]{2,20}$/), fc.jsonValue({ maxDepth: 2 }))
            .filter(
              ([name]) => !/^(contents|tools|model|labels|cached|system|safety|generation|tool)/i.test(name),
            )
            .map(([name, value]) => json({ ...entry.base, [`zz${name}`]: value })),
        ]
      : []),
  );
}

export function nativeCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const auth = fc.constantFrom<Record<string, string>>(
    { 'x-goog-api-key': tokens.client },
    { authorization: `Bearer ${tokens.client}` },
  );
  const badBody = fc
    .tuple(fc.constantFrom(...nativePrefixes), fc.constantFrom(...nativeMethods), auth)
    .chain(([prefix, entry, headers]) =>
      nativeBody(entry).map(
        (body): HostileCase => ({
          family: 'native body',
          method: 'POST',
          path: `${prefix}/models/${entry.model}:${entry.method}${entry.query}`,
          headers: { ...headers, ...jsonType },
          body,
          shape: 'gemini',
        }),
      ),
    );
  const badModel = fc
    .tuple(
      fc.constantFrom(...nativePrefixes),
      fc.oneof(
        overlongName,
        // Names no model has: unknown to Google (404), whatever characters they carry.
        fc.string({ minLength: 1, maxLength: 80 }).map((name) => `zz-${name}`),
      ),
      fc.constantFrom('generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'get'),
    )
    .map(
      ([prefix, model, method]): HostileCase => ({
        family: 'native model name',
        method: method === 'get' ? 'GET' : 'POST',
        path: `${prefix}/models/${encodeURIComponent(model)}${method === 'get' ? '' : `:${method}`}`,
        headers: { 'x-goog-api-key': tokens.client, ...jsonType },
        ...(method === 'get' ? {} : { body: json(generation) }),
        shape: 'gemini',
      }),
    );
  return fc.oneof(badBody, badModel);
}

// --- the OpenAI API --------------------------------------------------------------------------

interface OpenAIEndpoint {
  readonly path: string;
  readonly base: Record<string, unknown>;
  readonly fields: readonly { path: Path; kinds: Kind[]; required?: boolean }[];
  /** String fields whose value is one of a few. */
  readonly enums: readonly { path: Path; allowed: readonly string[] }[];
  readonly deepAt: Path;
}

const chatBase = {
  model: 'gemini-2.5-flash',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
  ],
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
};

const openAIEndpoints: readonly OpenAIEndpoint[] = [
  {
    path: 'chat/completions',
    base: chatBase,
    fields: [
      { path: ['model'], kinds: ['string'], required: true },
      { path: ['messages'], kinds: ['array'], required: true },
      { path: ['messages', 0], kinds: ['object'], required: true },
      { path: ['messages', 0, 'role'], kinds: ['string'], required: true },
      { path: ['messages', 0, 'content'], kinds: ['string', 'array'] },
      { path: ['messages', 1, 'content', 0], kinds: ['object'], required: true },
      { path: ['messages', 1, 'content', 0, 'text'], kinds: ['string'], required: true },
      { path: ['tools'], kinds: ['array'] },
      { path: ['tools', 0], kinds: ['object'], required: true },
      { path: ['tools', 0, 'function'], kinds: ['object'], required: true },
      { path: ['tools', 0, 'function', 'name'], kinds: ['string'] },
      { path: ['tools', 0, 'function', 'parameters'], kinds: ['object'] },
      { path: ['tool_choice'], kinds: ['string', 'object'] },
      { path: ['n'], kinds: ['integer'] },
      { path: ['stop'], kinds: ['string', 'array'] },
      { path: ['temperature'], kinds: ['number'] },
      { path: ['top_p'], kinds: ['number'] },
      { path: ['max_tokens'], kinds: ['integer'] },
      { path: ['stream'], kinds: ['boolean'] },
      { path: ['stream_options'], kinds: ['object'] },
      { path: ['response_format'], kinds: ['object'] },
      { path: ['reasoning_effort'], kinds: ['string'] },
      { path: ['thinking'], kinds: ['object'] },
      { path: ['extra_body'], kinds: ['object'] },
      { path: ['seed'], kinds: ['integer'] },
      { path: ['logprobs'], kinds: ['boolean'] },
      { path: ['user'], kinds: ['string'] },
    ],
    enums: [{ path: ['reasoning_effort'], allowed: ['none', 'minimal', 'low', 'medium', 'high'] }],
    deepAt: ['tools', 0, 'function', 'parameters'],
  },
  {
    path: 'responses',
    base: {
      model: 'gemini-2.5-flash',
      instructions: 'be brief',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found' },
      ],
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }],
      reasoning: { effort: 'low' },
    },
    fields: [
      { path: ['model'], kinds: ['string'], required: true },
      { path: ['input'], kinds: ['string', 'array'], required: true },
      { path: ['input', 0], kinds: ['object'], required: true },
      { path: ['input', 0, 'role'], kinds: ['string'], required: true },
      { path: ['input', 0, 'content'], kinds: ['string', 'array'], required: true },
      { path: ['input', 0, 'content', 0], kinds: ['object'], required: true },
      { path: ['input', 0, 'content', 0, 'text'], kinds: ['string'], required: true },
      { path: ['input', 1, 'call_id'], kinds: ['string'], required: true },
      { path: ['input', 1, 'arguments'], kinds: ['string'], required: true },
      { path: ['input', 2, 'output'], kinds: ['string', 'array'], required: true },
      { path: ['instructions'], kinds: ['string'] },
      { path: ['tools'], kinds: ['array'] },
      { path: ['tools', 0], kinds: ['object'], required: true },
      { path: ['tools', 0, 'type'], kinds: ['string'], required: true },
      { path: ['tools', 0, 'name'], kinds: ['string'], required: true },
      { path: ['tools', 0, 'parameters'], kinds: ['object'] },
      { path: ['tool_choice'], kinds: ['string', 'object'] },
      { path: ['text'], kinds: ['object'] },
      { path: ['reasoning'], kinds: ['object'] },
      { path: ['max_output_tokens'], kinds: ['integer'] },
      { path: ['temperature'], kinds: ['number'] },
      { path: ['stream'], kinds: ['boolean'] },
      { path: ['store'], kinds: ['boolean'] },
      { path: ['metadata'], kinds: ['object'] },
      { path: ['include'], kinds: ['array'] },
      { path: ['user'], kinds: ['string'] },
    ],
    enums: [
      {
        path: ['reasoning', 'effort'],
        allowed: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
      },
    ],
    deepAt: ['tools', 0, 'parameters'],
  },
  {
    path: 'embeddings',
    base: { model: 'gemini-embedding-001', input: ['hi', 'there'] },
    fields: [
      { path: ['model'], kinds: ['string'], required: true },
      { path: ['input'], kinds: ['string', 'array'], required: true },
      { path: ['dimensions'], kinds: ['integer'] },
      { path: ['encoding_format'], kinds: ['string'] },
      { path: ['user'], kinds: ['string'] },
    ],
    enums: [{ path: ['encoding_format'], allowed: ['float', 'base64'] }],
    deepAt: ['input'],
  },
  {
    path: 'images/generations',
    base: { model: 'imagen-4.0-generate-001', prompt: 'a cat' },
    fields: [
      { path: ['model'], kinds: ['string'] },
      { path: ['prompt'], kinds: ['string'], required: true },
      { path: ['n'], kinds: ['integer'] },
      { path: ['size'], kinds: ['string'] },
      { path: ['response_format'], kinds: ['string'] },
    ],
    enums: [
      { path: ['response_format'], allowed: ['url', 'b64_json'] },
      {
        path: ['size'],
        allowed: [
          'auto',
          '256x256',
          '512x512',
          '1024x1024',
          '1792x1024',
          '1024x1792',
          '1536x1024',
          '1024x1536',
        ],
      },
    ],
    deepAt: ['prompt'],
  },
  {
    path: 'audio/speech',
    base: { model: 'tts-1', input: 'hello', voice: 'alloy' },
    fields: [
      { path: ['model'], kinds: ['string'] },
      { path: ['input'], kinds: ['string'], required: true },
      { path: ['voice'], kinds: ['string'] },
      { path: ['response_format'], kinds: ['string'] },
      { path: ['speed'], kinds: ['number'] },
      { path: ['instructions'], kinds: ['string'] },
    ],
    enums: [{ path: ['response_format'], allowed: ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] }],
    deepAt: ['input'],
  },
];

function openAIBody(endpoint: OpenAIEndpoint): fc.Arbitrary<Buffer> {
  return fc.oneof(
    notAJsonObject,
    {
      // Most cases break one field: every field the translation reads, chosen evenly.
      weight: 6,
      arbitrary: fc
        .noBias(fc.constantFrom(...endpoint.fields))
        .chain(({ path, kinds, required }) =>
          wrongValue(kinds, required === true).map((value) => json(replaced(endpoint.base, path, value))),
        ),
    },
    fc.constantFrom(...endpoint.enums).chain(({ path, allowed }) =>
      fc
        .string({ maxLength: 30 })
        .filter((value) => !allowed.includes(value) && !(path[0] === 'size' && value === ''))
        .map((value) => json(replaced(endpoint.base, path, value))),
    ),
    overlongName.map((model) => json({ ...endpoint.base, model })),
    withDeepNesting(endpoint.base, endpoint.deepAt),
    // Valid JSON but for one string that is not UTF-8 (the translation would have to guess).
    invalidUtf8.map((bad) => {
      const text = JSON.stringify(endpoint.base);
      const at = text.indexOf(':"') + 2;
      return Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]);
    }),
  );
}

export function openAICases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const headers = { authorization: `Bearer ${tokens.client}`, ...jsonType };
  const translated = fc
    .tuple(
      fc.constantFrom('/v1', '/hf/v1'),
      // Chat reads the most fields: it gets half the cases.
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(openAIEndpoints[0] as OpenAIEndpoint) },
        fc.noBias(fc.constantFrom(...openAIEndpoints.slice(1))),
      ),
    )
    .chain(([prefix, endpoint]) =>
      openAIBody(endpoint).map(
        (body): HostileCase => ({
          family: `openai ${endpoint.path}`,
          method: 'POST',
          path: `${prefix}/${endpoint.path}`,
          headers,
          body,
          shape: 'openai',
        }),
      ),
    );
  // `/openai/v1`: Google's own compatible endpoint reads the body; the gateway only its model.
  const passthrough = fc
    .tuple(
      fc.constantFrom('chat/completions', 'embeddings'),
      fc.oneof(
        notAJsonObject,
        wrongValue(['string'], true).map((model) => json({ model, messages: [], input: 'x' })),
        overlongName.map((model) => json({ model, messages: [{ role: 'user', content: 'hi' }] })),
      ),
    )
    .map(
      ([resource, body]): HostileCase => ({
        family: 'openai passthrough',
        method: 'POST',
        path: `/openai/v1/${resource}`,
        headers,
        body,
        shape: 'openai',
      }),
    );
  return fc.oneof({ arbitrary: translated, weight: 4 }, { arbitrary: passthrough, weight: 1 });
}

// --- the Anthropic API ----------------------------------------------------------------------------

const messagesBase = {
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  system: [{ type: 'text', text: 'be brief' }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
  ],
  tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
  tool_choice: { type: 'auto' },
  thinking: { type: 'enabled', budget_tokens: 1024 },
  output_config: { effort: 'low' },
};

/** The fields of a messages request, for /v1/messages (max_tokens required) and count_tokens (not). */
const messagesFields = (maxTokensRequired: boolean): OpenAIEndpoint['fields'] => [
  { path: ['model'], kinds: ['string'], required: true },
  { path: ['max_tokens'], kinds: ['integer'], required: maxTokensRequired },
  { path: ['messages'], kinds: ['array'], required: true },
  { path: ['messages', 0], kinds: ['object'], required: true },
  { path: ['messages', 0, 'role'], kinds: ['string'], required: true },
  { path: ['messages', 0, 'content'], kinds: ['string', 'array'], required: true },
  { path: ['messages', 0, 'content', 0], kinds: ['object'], required: true },
  { path: ['messages', 0, 'content', 0, 'text'], kinds: ['string'], required: true },
  { path: ['messages', 1, 'content', 0, 'id'], kinds: ['string'], required: true },
  { path: ['messages', 1, 'content', 0, 'input'], kinds: ['object'], required: true },
  { path: ['messages', 2, 'content', 0, 'tool_use_id'], kinds: ['string'], required: true },
  { path: ['messages', 2, 'content', 0, 'content'], kinds: ['string', 'array'] },
  { path: ['system'], kinds: ['string', 'array'] },
  { path: ['system', 0, 'text'], kinds: ['string'], required: true },
  { path: ['tools'], kinds: ['array'] },
  { path: ['tools', 0], kinds: ['object'], required: true },
  { path: ['tools', 0, 'name'], kinds: ['string'], required: true },
  { path: ['tools', 0, 'input_schema'], kinds: ['object'] },
  { path: ['tool_choice'], kinds: ['object'] },
  { path: ['thinking'], kinds: ['object'] },
  { path: ['thinking', 'budget_tokens'], kinds: ['integer'], required: true },
  { path: ['stop_sequences'], kinds: ['array'] },
  { path: ['temperature'], kinds: ['number'] },
  { path: ['top_p'], kinds: ['number'] },
  { path: ['top_k'], kinds: ['integer'] },
  { path: ['stream'], kinds: ['boolean'] },
];

// The request shapes of the OpenAI endpoints above serve Anthropic's as well.
const anthropicEndpoints: readonly OpenAIEndpoint[] = [false, true].map((counting) => ({
  path: counting ? 'messages/count_tokens' : 'messages',
  base: messagesBase,
  fields: messagesFields(!counting),
  enums: [
    { path: ['thinking', 'type'], allowed: ['enabled', 'adaptive', 'disabled'] },
    { path: ['tool_choice', 'type'], allowed: ['auto', 'any', 'tool', 'none'] },
    { path: ['output_config', 'effort'], allowed: ['low', 'medium', 'high', 'xhigh', 'max'] },
  ],
  deepAt: ['tools', 0, 'input_schema'],
}));

export function anthropicCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  return fc.constantFrom(...anthropicEndpoints).chain((endpoint) =>
    openAIBody(endpoint).map(
      (body): HostileCase => ({
        family: `anthropic ${endpoint.path}`,
        method: 'POST',
        path: `/v1/${endpoint.path}`,
        headers: { 'x-api-key': tokens.client, 'anthropic-version': '2023-06-01', ...jsonType },
        body,
        shape: 'anthropic',
      }),
    ),
  );
}

// --- paths, the operator API, the gateway's own routes -----------------------------------------

/** A path segment no route has: random text, percent-encoded, with hostile pieces mixed in. */
const junkSegment = fc
  .array(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
      fc.constantFrom(
        '..',
        '%2e%2e',
        '%2F',
        '%00',
        '%0d%0a',
        '%zz',
        '%E0%A4%A',
        '%C0%AF',
        '//',
        '.',
        '%3F',
        '%23',
      ),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((pieces) => `zz${pieces.join('')}`);

/** Route prefixes, the shape their clients read, and how those clients authenticate. */
const pathFamilies = (tokens: Tokens) =>
  [
    { prefix: '/v1beta/', shape: 'gemini', auth: { 'x-goog-api-key': tokens.client } },
    { prefix: '/gemini/v1beta/models/', shape: 'gemini', auth: { 'x-goog-api-key': tokens.client } },
    { prefix: '/v1/chat/', shape: 'openai', auth: { authorization: `Bearer ${tokens.client}` } },
    { prefix: '/hf/v1/', shape: 'openai', auth: { authorization: `Bearer ${tokens.client}` } },
    { prefix: '/openai/v1/', shape: 'openai', auth: { authorization: `Bearer ${tokens.client}` } },
    { prefix: '/v1/messages/', shape: 'anthropic', auth: { 'x-api-key': tokens.client } },
    { prefix: '/api/keys/', shape: 'admin', auth: { authorization: `Bearer ${tokens.admin}` } },
    { prefix: '/images/', shape: 'admin', auth: {} },
  ] as const;

export function pathCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const families = pathFamilies(tokens);
  const junk = fc
    .tuple(
      fc.constantFrom(...families),
      junkSegment,
      fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
    )
    .map(
      ([family, segment, method]): HostileCase => ({
        family: 'hostile path',
        method,
        path: `${family.prefix}${segment}`,
        headers: { ...family.auth, ...jsonType },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: json({}) }),
        shape: family.shape,
      }),
    );
  const overlong = fc.tuple(fc.constantFrom(...families), fc.integer({ min: 321, max: 4000 })).map(
    ([family, length]): HostileCase => ({
      family: 'over-long path segment',
      method: 'GET',
      path: `${family.prefix}${'m'.repeat(length)}`,
      headers: family.auth,
      shape: family.shape,
    }),
  );
  // Routes that exist, called with a method they do not take.
  const wrongMethod = fc
    .constantFrom(
      ['PUT', '/v1/chat/completions', 'openai'],
      ['DELETE', '/hf/v1/embeddings', 'openai'],
      ['GET', '/v1/audio/speech', 'openai'],
      ['GET', '/v1/messages', 'anthropic'],
      ['PATCH', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini'],
      ['GET', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini'],
      ['POST', '/health', 'gemini'],
      ['PUT', '/api/keys', 'admin'],
      ['POST', '/api/keys/verify/extra', 'admin'],
    )
    .map(
      ([method, path, shape]): HostileCase => ({
        family: 'wrong method',
        method,
        path,
        headers: {
          authorization: `Bearer ${shape === 'admin' ? tokens.admin : tokens.client}`,
          ...jsonType,
        },
        ...(method === 'GET' ? {} : { body: json({}) }),
        shape: shape as ErrorShape,
      }),
    );
  return fc.oneof(junk, overlong, wrongMethod);
}

/** Bodies the operator API's schemas refuse; none of them adds, removes or switches a key. */
export function adminCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const headers = { authorization: `Bearer ${tokens.admin}`, ...jsonType };
  /** Neither `{ids: [string, ...]}` nor `{all: true}`, each with an optional model. */
  const selection = fc.oneof(
    wrongValue(['array'], true).map((ids) => ({ ids })),
    fc.constant({ ids: [] }),
    wrongValue(['string'], true).map((id) => ({ ids: [id] })),
    wrongValue([], true)
      .filter((all) => all !== true)
      .map((all) => ({ all })),
    fc.stringMatching(/^[a-z]{1,10}$/).map((extra) => ({ all: true, [`zz${extra}`]: 1 })),
    wrongValue(['string'], false).map((model) => ({ all: true, model })),
  );
  const bodies = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('/remove', '/verify', '/enable', '/disable', '/clear-cooldown'),
        fc.oneof(
          selection.map(json),
          notAJsonObject,
          deepNesting.map((nested) => Buffer.from(`{"ids":${nested}}`)),
        ),
      )
      .map(([action, body]) => ({ path: `/api/keys${action}`, body })),
    // Keys are a string or a list of strings.
    fc
      .oneof(
        wrongValue(['string', 'array'], true).map((keys) => json({ keys })),
        notAJsonObject,
      )
      .map((body) => ({ path: '/api/keys', body })),
  );
  // Verification takes a state too; deleting refused keys takes nothing (an empty object at most).
  const jobBodies = fc.oneof(
    fc
      .oneof(
        wrongValue(['string'], true),
        fc.string({ maxLength: 12 }).filter((state) => !(keyListStates as readonly string[]).includes(state)),
      )
      .map((state) => ({ path: '/api/keys/verify', body: json({ state }) })),
    fc
      .oneof(
        selection.map(json),
        deepNesting.map((nested) => Buffer.from(`{"ids":${nested}}`)),
      )
      .map((body) => ({ path: '/api/keys/delete-refused', body })),
  );
  const post = fc.oneof(bodies, jobBodies).map(
    ({ path, body }): HostileCase => ({
      family: 'admin body',
      method: 'POST',
      path,
      headers,
      body,
      shape: 'admin',
    }),
  );
  const unknownId = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
      fc.constantFrom('', '/secret', '/verify', '/enable', '/disable'),
    )
    .map(
      ([id, action]): HostileCase => ({
        family: 'admin unknown key',
        method: action === '' || action === '/secret' ? 'GET' : 'POST',
        path: `/api/keys/zz${id}${action}`,
        headers,
        ...(action === '' || action === '/secret' ? {} : { body: json({}) }),
        shape: 'admin',
      }),
    );
  // The key list's and the export's query strings, each with one value no parameter takes.
  const valid: Record<string, (value: string) => boolean> = {
    state: (value) => (keyListStates as readonly string[]).includes(value),
    sort: (value) => (keySorts as readonly string[]).includes(value),
    order: (value) => value === 'asc' || value === 'desc',
    limit: (value) => /^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 500,
    source: (value) => value === 'settings' || value === 'runtime',
    tag: (value) => keyTagPattern.test(value),
    format: (value) => value === 'text' || value === 'json',
    // No string made here is a cursor the list gave.
    cursor: () => false,
  };
  const query = fc
    .tuple(
      fc.constantFrom('/api/keys', '/api/keys/export'),
      fc.constantFrom(...Object.keys(valid), 'zzpage', 'q'),
      fc.string({ maxLength: 40 }),
    )
    .filter(([path, name, value]) =>
      name === 'q' ? value.length > 200 || path.endsWith('/export') : !valid[name]?.(value),
    )
    .map(
      ([path, name, value]): HostileCase => ({
        family: 'admin query',
        method: 'GET',
        path: `${path}?${name}=${encodeURIComponent(value)}`,
        headers: { authorization: `Bearer ${tokens.admin}` },
        shape: 'admin',
      }),
    );
  return fc.oneof(post, unknownId, query);
}

/** Missing or wrong tokens: a 401 or 403 in the route's shape. */
export function authCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const routes = [
    ['POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini'],
    ['GET', '/gemini/v1beta/models', 'gemini'],
    ['POST', '/v1/chat/completions', 'openai'],
    ['POST', '/hf/v1/embeddings', 'openai'],
    ['POST', '/v1/responses', 'openai'],
    ['POST', '/v1/messages', 'anthropic'],
    ['GET', '/openai/v1/models', 'openai'],
    ['GET', '/api/keys', 'admin'],
    ['POST', '/api/keys/verify', 'admin'],
  ] as const;
  const credentials = fc.oneof(
    fc.constant({}),
    fc
      .string({ minLength: 1, maxLength: 40 })
      .map((token) => ({ authorization: `Bearer zz${encodeURIComponent(token)}` })),
    fc.constant({ authorization: `Basic ${Buffer.from(`x:${tokens.client}`).toString('base64')}` }),
    // The client's token is not the admin token.
    fc.constant({ authorization: `Bearer ${tokens.client}`, admin: true }),
  );
  return fc
    .tuple(fc.constantFrom(...routes), credentials)
    .map(([[method, path, shape], credential]): HostileCase => {
      const { admin, ...headers } = credential as { admin?: boolean; authorization?: string };
      return {
        family: 'authentication',
        method,
        path: admin && shape !== 'admin' ? '/api/keys' : path,
        headers: { ...headers, ...jsonType },
        ...(method === 'POST' ? { body: json({}) } : {}),
        shape: admin ? 'admin' : shape,
      };
    });
}

/** What Node's HTTP parser refuses: over-long headers, bad Content-Length, bad framing. */
export function parserCases(tokens: Tokens): fc.Arbitrary<HostileCase> {
  const routes = [
    ['POST', '/v1beta/models/gemini-2.5-flash:generateContent', 'gemini'],
    ['POST', '/gemini/v1/models/gemini-2.5-flash:countTokens', 'gemini'],
    ['POST', '/v1/chat/completions', 'openai'],
    ['POST', '/hf/v1/audio/speech', 'openai'],
    ['POST', '/openai/v1/chat/completions', 'openai'],
    ['POST', '/api/keys', 'admin'],
    ['GET', '/health', 'gemini'],
    ['GET', '/images/zz-none', 'gemini'],
  ] as const;
  const breakage = fc.oneof(
    fc
      .integer({ min: 17_000, max: 80_000 })
      .map((size) => ({ header: `X-Padding: ${'a'.repeat(size)}`, body: '{}' })),
    fc.stringMatching(/^[a-z+-]{1,8}$/).map((junk) => ({ header: `Content-Length: 1${junk}`, body: '{}' })),
    fc.constant({ header: 'Content-Length: 2\r\nTransfer-Encoding: chunked', body: '{}' }),
    fc
      .stringMatching(/^[g-z]{1,6}$/)
      .map((size) => ({ header: 'Transfer-Encoding: chunked', body: `${size}\r\n{}\r\n0\r\n\r\n` })),
    fc
      .constantFrom('\u0000', '\u0001', '\u007f')
      .map((control) => ({ header: `X-Bad: a${control}b`, body: '{}' })),
  );
  return (
    fc
      .tuple(fc.constantFrom(...routes), breakage)
      // A GET route may answer before the parser meets a broken body; only headers break it.
      .filter(([[method], { header }]) => method === 'POST' || !header.startsWith('Transfer-Encoding'))
      .map(([[method, path, shape], { header, body }]): HostileCase => {
        const token = shape === 'admin' ? tokens.admin : tokens.client;
        const length =
          header.startsWith('Content-Length') || header.startsWith('Transfer')
            ? ''
            : `Content-Length: ${body.length}\r\n`;
        const raw = `${method} ${path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n${header}\r\n${length}\r\n${body}`;
        return { family: 'parser error', method, path, headers: {}, shape, raw: Buffer.from(raw, 'latin1') };
      })
  );
}
