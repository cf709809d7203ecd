import { checkModelField } from '../openai/check-chat-request.js';
import {
  expectOptionalFields,
  expectOptionalType,
  expectOptionalValue,
  expectType,
  type JsonObject,
} from '../openai/check-json-type.js';
import { OpenAIRequestError } from '../openai/openai-error.js';
import type { ResponsesRequest } from './responses-types.js';

// The types of every field of a Responses request the translation reads, checked before it reads
// them: a wrong type is the client's 400 naming the field, never a TypeError deep in the
// translator. And the gateway's one refusal of principle: it keeps no responses, so nothing that
// needs a stored one (previous_response_id, store: true, a conversation, background runs) is served.

const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

// OpenAI's own limits on metadata, which every response repeats: a client cannot make each answer
// carry megabytes it sent.
const maxMetadataPairs = 16;
const maxMetadataKeyLength = 64;
const maxMetadataValueLength = 512;

const notStored = 'gemgate keeps no responses';

/** Fields that only make sense with responses kept on the server: each is the client's 400. */
function refuseStatefulFields(body: JsonObject): void {
  const refuse = (param: string, message: string) => {
    throw new OpenAIRequestError(`${notStored}: ${message}`, param, 400, 'unsupported_parameter');
  };
  if (body.previous_response_id !== undefined && body.previous_response_id !== null)
    refuse(
      'previous_response_id',
      'previous_response_id cannot name one. Send the whole conversation in input (as the Agents SDK and Codex do with store: false).',
    );
  // OpenAI's default is true, but a client that says nothing (the `openai` client) is served without
  // storing; one that asks for storage in so many words is told it will not happen.
  if (body.store === true)
    refuse('store', 'store: true cannot be honoured. Send store: false, or leave store out.');
  if (body.conversation !== undefined && body.conversation !== null)
    refuse('conversation', 'a conversation cannot be continued. Send the whole conversation in input.');
  if (body.background === true)
    refuse('background', 'a background response could never be fetched. Send background: false.');
  if (body.prompt !== undefined && body.prompt !== null)
    refuse('prompt', 'there are no stored prompt templates. Send instructions and input instead.');
}

function checkContentParts(parts: unknown[], at: string): void {
  parts.forEach((part, index) => {
    const where = `${at}[${index}]`;
    expectType(part, where, 'object');
    const fields = part as JsonObject;
    expectType(fields.type, `${where}.type`, 'string');
    switch (fields.type) {
      case 'input_text':
      case 'output_text':
        expectType(fields.text, `${where}.text`, 'string');
        return;
      case 'refusal':
        expectType(fields.refusal, `${where}.refusal`, 'string');
        return;
      case 'input_image':
        expectOptionalFields(fields, `${where}.`, ['image_url', 'file_id', 'detail'], 'string');
        return;
      case 'input_file':
        expectOptionalFields(fields, `${where}.`, ['file_data', 'file_id', 'file_url', 'filename'], 'string');
        return;
      // Other types are refused by the translator, naming the type.
    }
  });
}

function checkContent(content: unknown, at: string): void {
  expectType(content, at, 'string', 'array');
  if (Array.isArray(content)) checkContentParts(content, at);
}

function checkInputItem(item: unknown, at: string): void {
  expectType(item, at, 'object');
  const fields = item as JsonObject;
  expectOptionalType(fields.type, `${at}.type`, 'string');
  expectOptionalType(fields.id, `${at}.id`, 'string');
  switch (fields.type ?? 'message') {
    case 'message':
      expectType(fields.role, `${at}.role`, 'string');
      checkContent(fields.content, `${at}.content`);
      return;
    case 'function_call':
      expectType(fields.call_id, `${at}.call_id`, 'string');
      expectType(fields.name, `${at}.name`, 'string');
      expectOptionalType(fields.namespace, `${at}.namespace`, 'string');
      expectType(fields.arguments, `${at}.arguments`, 'string');
      return;
    case 'function_call_output':
      expectType(fields.call_id, `${at}.call_id`, 'string');
      checkContent(fields.output, `${at}.output`);
      return;
    case 'reasoning':
      expectOptionalType(fields.summary, `${at}.summary`, 'array');
      expectOptionalType(fields.encrypted_content, `${at}.encrypted_content`, 'string');
      return;
    case 'item_reference':
      expectType(fields.id, `${at}.id`, 'string');
      return;
    // Other types are refused by the translator, naming the type.
  }
}

/** Function tools, alone or in a namespace tool's `tools`; other types are the translator's to refuse. */
function checkTools(tools: unknown[], prefix: string): void {
  tools.forEach((tool, index) => {
    const at = `${prefix}[${index}]`;
    expectType(tool, at, 'object');
    const fields = tool as JsonObject;
    expectType(fields.type, `${at}.type`, 'string');
    if (fields.type === 'namespace') {
      expectType(fields.name, `${at}.name`, 'string');
      expectOptionalType(fields.description, `${at}.description`, 'string');
      expectType(fields.tools, `${at}.tools`, 'array');
      checkTools(fields.tools as unknown[], `${at}.tools`);
      return;
    }
    if (fields.type !== 'function') return;
    expectType(fields.name, `${at}.name`, 'string');
    expectOptionalType(fields.description, `${at}.description`, 'string');
    expectOptionalType(fields.parameters, `${at}.parameters`, 'object');
    expectOptionalType(fields.strict, `${at}.strict`, 'boolean');
  });
}

function checkToolChoice(choice: unknown): void {
  expectOptionalType(choice, 'tool_choice', 'string', 'object');
  if (!choice || typeof choice !== 'object') return;
  const fields = choice as JsonObject;
  expectType(fields.type, 'tool_choice.type', 'string');
  expectOptionalType(fields.name, 'tool_choice.name', 'string');
  expectOptionalType(fields.mode, 'tool_choice.mode', 'string');
  expectOptionalType(fields.tools, 'tool_choice.tools', 'array');
  if (Array.isArray(fields.tools)) {
    fields.tools.forEach((tool, index) => {
      expectType(tool, `tool_choice.tools[${index}]`, 'object');
      expectOptionalType((tool as JsonObject).name, `tool_choice.tools[${index}].name`, 'string');
    });
  }
}

function checkText(text: unknown): void {
  expectOptionalType(text, 'text', 'object');
  if (!text) return;
  const fields = text as JsonObject;
  expectOptionalType(fields.verbosity, 'text.verbosity', 'string');
  expectOptionalType(fields.format, 'text.format', 'object');
  const format = fields.format as JsonObject | undefined;
  if (!format) return;
  expectType(format.type, 'text.format.type', 'string');
  if (format.type !== 'json_schema') return;
  expectType(format.schema, 'text.format.schema', 'object');
  expectOptionalType(format.name, 'text.format.name', 'string');
  expectOptionalType(format.strict, 'text.format.strict', 'boolean');
}

function checkMetadata(metadata: unknown): void {
  expectOptionalType(metadata, 'metadata', 'object');
  if (!metadata) return;
  const pairs = Object.entries(metadata as JsonObject);
  const refuse = () => {
    throw new OpenAIRequestError(
      `metadata holds at most ${maxMetadataPairs} pairs, keys of at most ${maxMetadataKeyLength} characters and values of at most ${maxMetadataValueLength}.`,
      'metadata',
      400,
      'invalid_value',
    );
  };
  // Keys are checked before they are quoted in a message.
  if (pairs.length > maxMetadataPairs || pairs.some(([key]) => key.length > maxMetadataKeyLength)) refuse();
  for (const [key, value] of pairs) expectType(value, `metadata.${key}`, 'string');
  if (pairs.some(([, value]) => (value as string).length > maxMetadataValueLength)) refuse();
}

/**
 * A parsed Responses request whose fields all have the types the translation expects, or an
 * OpenAIRequestError naming the first field that does not (or that asks for a stored response). Pure.
 */
export function checkResponsesRequest(body: JsonObject): ResponsesRequest {
  checkModelField(body.model);
  refuseStatefulFields(body);
  expectType(body.input, 'input', 'string', 'array');
  if (Array.isArray(body.input)) {
    body.input.forEach((item, index) => {
      checkInputItem(item, `input[${index}]`);
    });
  }
  expectOptionalType(body.instructions, 'instructions', 'string');
  expectOptionalFields(body, '', ['stream', 'store', 'parallel_tool_calls'], 'boolean');
  expectOptionalType(body.max_output_tokens, 'max_output_tokens', 'integer');
  expectOptionalFields(body, '', ['temperature', 'top_p'], 'number');
  expectOptionalType(body.user, 'user', 'string');
  expectOptionalType(body.include, 'include', 'array');
  if (Array.isArray(body.include)) {
    body.include.forEach((entry, index) => {
      expectType(entry, `include[${index}]`, 'string');
    });
  }
  checkMetadata(body.metadata);
  expectOptionalType(body.tools, 'tools', 'array');
  if (Array.isArray(body.tools)) checkTools(body.tools, 'tools');
  checkToolChoice(body.tool_choice);
  checkText(body.text);
  expectOptionalType(body.reasoning, 'reasoning', 'object');
  const reasoning = body.reasoning as JsonObject | undefined;
  if (reasoning) {
    expectOptionalValue(reasoning.effort, 'reasoning.effort', reasoningEfforts);
    expectOptionalType(reasoning.summary, 'reasoning.summary', 'string');
  }
  return body as unknown as ResponsesRequest;
}
