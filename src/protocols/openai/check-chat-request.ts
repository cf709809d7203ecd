import { modelNameProblem } from '../gemini/model-name-problem.js';
import {
  expectOptionalFields,
  expectOptionalType,
  expectOptionalValue,
  expectType,
  type JsonObject,
} from './check-json-type.js';
import { OpenAIRequestError } from './openai-error.js';
import type { OpenAIChatRequest } from './openai-types.js';

// The types of every field of a chat request the translation reads, checked before it reads them:
// a wrong type is the client's 400 naming the field, never a TypeError (a 500) deep in the
// translator. Values are left to the translator, and to Google.

const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high'] as const;

/** A model field: present, a string, and a name the gateway relays. */
export function checkModelField(value: unknown, param = 'model'): string {
  if (value === undefined || value === null || value === '')
    throw new OpenAIRequestError('you must provide a model parameter', param);
  expectType(value, param, 'string');
  const problem = modelNameProblem(value as string);
  if (problem) throw new OpenAIRequestError(problem, param, 400, 'invalid_value');
  return value as string;
}

function checkContentPart(part: unknown, at: string): void {
  expectType(part, at, 'object');
  const fields = part as JsonObject;
  expectType(fields.type, `${at}.type`, 'string');
  switch (fields.type) {
    case 'text':
      expectType(fields.text, `${at}.text`, 'string');
      return;
    case 'image_url':
      expectType(fields.image_url, `${at}.image_url`, 'object');
      expectType((fields.image_url as JsonObject).url, `${at}.image_url.url`, 'string');
      expectOptionalType((fields.image_url as JsonObject).detail, `${at}.image_url.detail`, 'string');
      return;
    case 'input_audio':
      expectType(fields.input_audio, `${at}.input_audio`, 'object');
      expectOptionalFields(
        fields.input_audio as JsonObject,
        `${at}.input_audio.`,
        ['data', 'format'],
        'string',
      );
      return;
    case 'file':
      expectType(fields.file, `${at}.file`, 'object');
      expectOptionalFields(
        fields.file as JsonObject,
        `${at}.file.`,
        ['file_data', 'file_id', 'filename'],
        'string',
      );
      return;
    // Other types are refused by the translator, naming the type.
  }
}

function checkToolCall(call: unknown, at: string): void {
  expectType(call, at, 'object');
  const fields = call as JsonObject;
  expectOptionalFields(fields, `${at}.`, ['id', 'type'], 'string');
  expectType(fields.function, `${at}.function`, 'object');
  expectOptionalFields(fields.function as JsonObject, `${at}.function.`, ['name', 'arguments'], 'string');
  expectOptionalType(fields.extra_content, `${at}.extra_content`, 'object');
  const google = (fields.extra_content as JsonObject | undefined)?.google;
  expectOptionalType(google, `${at}.extra_content.google`, 'object');
  expectOptionalType(
    (google as JsonObject | undefined)?.thought_signature,
    `${at}.extra_content.google.thought_signature`,
    'string',
  );
}

function checkMessage(message: unknown, at: string): void {
  expectType(message, at, 'object');
  const fields = message as JsonObject;
  expectType(fields.role, `${at}.role`, 'string');
  expectOptionalType(fields.content, `${at}.content`, 'string', 'array');
  if (Array.isArray(fields.content)) {
    fields.content.forEach((part, index) => {
      checkContentPart(part, `${at}.content[${index}]`);
    });
  }
  expectOptionalFields(fields, `${at}.`, ['name', 'tool_call_id', 'reasoning_content'], 'string');
  expectOptionalType(fields.tool_calls, `${at}.tool_calls`, 'array');
  if (Array.isArray(fields.tool_calls)) {
    fields.tool_calls.forEach((call, index) => {
      checkToolCall(call, `${at}.tool_calls[${index}]`);
    });
  }
}

function checkTool(tool: unknown, at: string): void {
  expectType(tool, at, 'object');
  const fields = tool as JsonObject;
  expectOptionalType(fields.type, `${at}.type`, 'string');
  expectType(fields.function, `${at}.function`, 'object');
  const declaration = fields.function as JsonObject;
  expectOptionalFields(declaration, `${at}.function.`, ['name', 'description'], 'string');
  expectOptionalType(declaration.parameters, `${at}.function.parameters`, 'object');
  expectOptionalType(declaration.strict, `${at}.function.strict`, 'boolean');
}

/** Google's own compatibility fields (`extra_body.google` or `google`). */
function checkGoogleExtras(google: unknown, at: string): void {
  expectOptionalType(google, at, 'object');
  if (!google) return;
  const fields = google as JsonObject;
  expectOptionalType(fields.thinking_config, `${at}.thinking_config`, 'object');
  const thinking = fields.thinking_config as JsonObject | undefined;
  if (thinking) {
    expectOptionalType(thinking.thinking_budget, `${at}.thinking_config.thinking_budget`, 'integer');
    expectOptionalType(thinking.include_thoughts, `${at}.thinking_config.include_thoughts`, 'boolean');
    expectOptionalType(thinking.thinking_level, `${at}.thinking_config.thinking_level`, 'string');
  }
  expectOptionalType(fields.safety_settings, `${at}.safety_settings`, 'array');
}

/**
 * A parsed chat completion request whose fields all have the types the translation expects, or an
 * OpenAIRequestError naming the first field that does not. Pure.
 */
export function checkChatRequest(body: JsonObject): OpenAIChatRequest {
  checkModelField(body.model);
  expectType(body.messages, 'messages', 'array');
  (body.messages as unknown[]).forEach((message, index) => {
    checkMessage(message, `messages[${index}]`);
  });

  expectOptionalFields(body, '', ['stream', 'logprobs', 'parallel_tool_calls'], 'boolean');
  expectOptionalFields(
    body,
    '',
    ['n', 'max_tokens', 'max_completion_tokens', 'seed', 'top_logprobs'],
    'integer',
  );
  expectOptionalFields(body, '', ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'], 'number');
  expectOptionalType(body.user, 'user', 'string');
  expectOptionalType(body.stream_options, 'stream_options', 'object');
  expectOptionalType(
    (body.stream_options as JsonObject | undefined)?.include_usage,
    'stream_options.include_usage',
    'boolean',
  );
  expectOptionalType(body.stop, 'stop', 'string', 'array');
  if (Array.isArray(body.stop)) {
    body.stop.forEach((stop, index) => {
      expectType(stop, `stop[${index}]`, 'string');
    });
  }

  expectOptionalType(body.tools, 'tools', 'array');
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, index) => {
      checkTool(tool, `tools[${index}]`);
    });
  }
  expectOptionalType(body.tool_choice, 'tool_choice', 'string', 'object');
  if (body.tool_choice && typeof body.tool_choice === 'object') {
    const choice = body.tool_choice as JsonObject;
    expectOptionalType(choice.type, 'tool_choice.type', 'string');
    expectOptionalType(choice.function, 'tool_choice.function', 'object');
    expectOptionalType(
      (choice.function as JsonObject | undefined)?.name,
      'tool_choice.function.name',
      'string',
    );
  }

  expectOptionalType(body.response_format, 'response_format', 'object');
  const format = body.response_format as JsonObject | undefined;
  if (format) {
    expectType(format.type, 'response_format.type', 'string');
    expectOptionalType(format.json_schema, 'response_format.json_schema', 'object');
  }
  expectOptionalValue(body.reasoning_effort, 'reasoning_effort', reasoningEfforts);
  expectOptionalType(body.thinking, 'thinking', 'object');
  const thinking = body.thinking as JsonObject | undefined;
  if (thinking) {
    expectOptionalType(thinking.type, 'thinking.type', 'string');
    expectOptionalType(thinking.budget_tokens, 'thinking.budget_tokens', 'integer');
  }
  expectOptionalType(body.extra_body, 'extra_body', 'object');
  checkGoogleExtras((body.extra_body as JsonObject | undefined)?.google, 'extra_body.google');
  checkGoogleExtras(body.google, 'google');
  return body as unknown as OpenAIChatRequest;
}
