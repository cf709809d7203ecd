import { checkModelField } from '../openai/check-chat-request.js';
import {
  expectOptionalFields,
  expectOptionalType,
  expectOptionalValue,
  expectType,
  type JsonObject,
} from '../openai/check-json-type.js';
import { RequestError } from '../request-error.js';
import type { MessagesRequest } from './anthropic-types.js';

// The types of every field of a messages request the translation reads, checked before it reads
// them: a wrong type is the client's 400 naming the field (`messages.0.content.1.source`), never a
// TypeError deep in the translator. Values are left to the translator, and to Google. Fields the
// gateway has no use for (metadata, cache_control, citations, ...) are not looked at.

/** A content block; the kinds of block the translator refuses are refused there, by name. */
function checkBlock(block: unknown, at: string): void {
  expectType(block, at, 'object');
  const fields = block as JsonObject;
  expectType(fields.type, `${at}.type`, 'string');
  switch (fields.type) {
    case 'text':
      expectType(fields.text, `${at}.text`, 'string');
      return;
    case 'image':
    case 'document':
      checkSource(fields.source, `${at}.source`);
      return;
    case 'tool_use':
      expectType(fields.id, `${at}.id`, 'string');
      expectType(fields.name, `${at}.name`, 'string');
      expectType(fields.input, `${at}.input`, 'object');
      return;
    case 'tool_result':
      expectType(fields.tool_use_id, `${at}.tool_use_id`, 'string');
      checkContent(fields.content, `${at}.content`, false);
      expectOptionalType(fields.is_error, `${at}.is_error`, 'boolean');
      return;
    case 'thinking':
      expectType(fields.thinking, `${at}.thinking`, 'string');
      expectOptionalType(fields.signature, `${at}.signature`, 'string');
      return;
  }
}

function checkSource(source: unknown, at: string): void {
  expectType(source, at, 'object');
  const fields = source as JsonObject;
  expectType(fields.type, `${at}.type`, 'string');
  expectOptionalFields(fields, `${at}.`, ['media_type', 'data', 'url'], 'string');
  checkContent(fields.content, `${at}.content`, false);
}

/** A string or an array of blocks; `required` for a message's own content. */
function checkContent(content: unknown, at: string, required: boolean): void {
  if (required) expectType(content, at, 'string', 'array');
  else expectOptionalType(content, at, 'string', 'array');
  if (Array.isArray(content)) {
    content.forEach((block, index) => {
      checkBlock(block, `${at}.${index}`);
    });
  }
}

function checkTool(tool: unknown, at: string): void {
  expectType(tool, at, 'object');
  const fields = tool as JsonObject;
  expectType(fields.name, `${at}.name`, 'string');
  expectOptionalFields(fields, `${at}.`, ['type', 'description'], 'string');
  expectOptionalType(fields.input_schema, `${at}.input_schema`, 'object');
}

function checkThinking(thinking: unknown): void {
  expectOptionalType(thinking, 'thinking', 'object');
  if (!thinking) return;
  const fields = thinking as JsonObject;
  expectType(fields.type, 'thinking.type', 'string');
  expectOptionalValue(fields.type, 'thinking.type', ['enabled', 'adaptive', 'disabled']);
  if (fields.type === 'enabled') expectType(fields.budget_tokens, 'thinking.budget_tokens', 'integer');
  expectOptionalValue(fields.display, 'thinking.display', ['summarized', 'omitted']);
}

/**
 * A parsed messages request whose fields all have the types the translation expects, or a
 * RequestError naming the first field that does not. `max_tokens` is required of a message, as
 * Anthropic requires it, and not of count_tokens. Pure.
 */
export function checkMessagesRequest(body: JsonObject, requireMaxTokens: boolean): MessagesRequest {
  checkModelField(body.model);
  if (requireMaxTokens && (body.max_tokens === undefined || body.max_tokens === null))
    throw new RequestError('max_tokens: Field required', 'max_tokens');
  expectOptionalType(body.max_tokens, 'max_tokens', 'integer');
  if (typeof body.max_tokens === 'number' && body.max_tokens < 1)
    throw new RequestError('max_tokens: must be at least 1', 'max_tokens');
  expectType(body.messages, 'messages', 'array');
  (body.messages as unknown[]).forEach((message, index) => {
    const at = `messages.${index}`;
    expectType(message, at, 'object');
    expectType((message as JsonObject).role, `${at}.role`, 'string');
    checkContent((message as JsonObject).content, `${at}.content`, true);
  });
  expectOptionalType(body.system, 'system', 'string', 'array');
  if (Array.isArray(body.system)) {
    body.system.forEach((block, index) => {
      checkBlock(block, `system.${index}`);
    });
  }
  expectOptionalType(body.stop_sequences, 'stop_sequences', 'array');
  if (Array.isArray(body.stop_sequences)) {
    body.stop_sequences.forEach((stop, index) => {
      expectType(stop, `stop_sequences.${index}`, 'string');
    });
  }
  expectOptionalFields(body, '', ['temperature', 'top_p'], 'number');
  expectOptionalType(body.top_k, 'top_k', 'integer');
  expectOptionalType(body.stream, 'stream', 'boolean');
  expectOptionalType(body.tools, 'tools', 'array');
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, index) => {
      checkTool(tool, `tools.${index}`);
    });
  }
  expectOptionalType(body.tool_choice, 'tool_choice', 'object');
  const choice = body.tool_choice as JsonObject | undefined;
  if (choice) {
    expectType(choice.type, 'tool_choice.type', 'string');
    expectOptionalValue(choice.type, 'tool_choice.type', ['auto', 'any', 'tool', 'none']);
    if (choice.type === 'tool') expectType(choice.name, 'tool_choice.name', 'string');
  }
  checkThinking(body.thinking);
  expectOptionalType(body.output_config, 'output_config', 'object');
  expectOptionalValue((body.output_config as JsonObject | undefined)?.effort, 'output_config.effort', [
    'low',
    'medium',
    'high',
    'xhigh',
    'max',
  ]);
  return body as unknown as MessagesRequest;
}
