import type { SafetySetting } from '../../config/parse-json-settings.js';
import type { GeminiContent, GeminiInlineData, GeminiPart, GeminiRequest } from '../gemini/gemini-types.js';
import { convertFilePart, imageOf } from './convert-file-part.js';
import {
  functionCallPart,
  functionDeclarationOf,
  geminiToolsOf,
  parseToolArguments,
  toolConfigOf,
  toolResponseOf,
} from './convert-function-tools.js';
import { OpenAIRequestError } from './openai-error.js';
import type { OpenAIChatMessage, OpenAIChatRequest, OpenAIContentPart } from './openai-types.js';
import { type ThinkingOptions, thinkingConfigOf } from './thinking-config.js';
import { thoughtSignatureOf } from './tool-call-id.js';

export interface ChatConversionOptions extends ThinkingOptions {
  /** TOOLS_CODE_EXECUTION_ENABLED. */
  readonly codeExecution: boolean;
  /** URL_CONTEXT_ENABLED, for a model in URL_CONTEXT_MODELS. */
  readonly urlContext: boolean;
  /** SAFETY_SETTINGS, applied when the client set none. */
  readonly safetySettings: readonly SafetySetting[];
  /** http(s) media the request names, fetched beforehand (I/O stays out of this function). */
  readonly media: ReadonlyMap<string, GeminiInlineData>;
}

function contentParts(
  content: OpenAIChatMessage['content'],
  options: ChatConversionOptions,
  at: string,
): GeminiPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  if (!Array.isArray(content))
    throw new OpenAIRequestError('content must be a string or an array of parts', at);
  return content.map((part: OpenAIContentPart, index): GeminiPart => {
    const where = `${at}[${index}]`;
    switch (part?.type) {
      case 'text':
        return { text: String(part.text ?? '') };
      case 'image_url': {
        const inline = imageOf(part.image_url?.url ?? '', options.media);
        if (!inline)
          throw new OpenAIRequestError('image_url must be a base64 data URL or an http(s) URL', where);
        return { inlineData: inline };
      }
      case 'input_audio': {
        const { data, format } = part.input_audio ?? {};
        if (!data || !format) throw new OpenAIRequestError('input_audio needs data and format', where);
        return { inlineData: { mimeType: `audio/${format}`, data } };
      }
      case 'file':
        return convertFilePart(part.file ?? {}, where);
      default:
        throw new OpenAIRequestError(
          `unsupported content part type ${String((part as { type?: unknown })?.type)}`,
          where,
        );
    }
  });
}

function textOf(content: OpenAIChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function convertMessages(request: OpenAIChatRequest, options: ChatConversionOptions) {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  let pendingResponses: GeminiPart[] | undefined;

  request.messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message?.role !== 'tool' && message?.role !== 'function') pendingResponses = undefined;
    switch (message?.role) {
      case 'system':
      case 'developer':
        // Every system and developer message is kept, in order (the seed kept only the last).
        system.push(...contentParts(message.content, options, `${at}.content`));
        return;
      case 'user': {
        const parts = contentParts(message.content, options, `${at}.content`);
        if (parts.length > 0) contents.push({ role: 'user', parts });
        return;
      }
      case 'assistant': {
        const parts = contentParts(message.content, options, `${at}.content`);
        (message.tool_calls ?? []).forEach((call, callIndex) => {
          const name = call?.function?.name;
          if (!name)
            throw new OpenAIRequestError('tool_calls need function.name', `${at}.tool_calls[${callIndex}]`);
          if (call.id) toolNames.set(call.id, name);
          const args = parseToolArguments(
            call.function.arguments ?? '',
            `${at}.tool_calls[${callIndex}].function.arguments`,
          );
          parts.push(functionCallPart(name, args, thoughtSignatureOf(call), options.choice.model));
        });
        if (parts.length > 0) contents.push({ role: 'model', parts });
        return;
      }
      case 'tool':
      case 'function': {
        const name =
          message.role === 'function'
            ? message.name
            : (toolNames.get(message.tool_call_id ?? '') ?? message.name);
        if (!name)
          throw new OpenAIRequestError('tool message answers no known tool call', `${at}.tool_call_id`);
        const part: GeminiPart = {
          functionResponse: { name, response: toolResponseOf(textOf(message.content)) },
        };
        // Consecutive tool messages answer one turn's calls: one user content, in order.
        if (pendingResponses) pendingResponses.push(part);
        else {
          pendingResponses = [part];
          contents.push({ role: 'user', parts: pendingResponses });
        }
        return;
      }
      default:
        throw new OpenAIRequestError(
          `unsupported role ${String((message as { role?: unknown })?.role)}`,
          `${at}.role`,
        );
    }
  });
  return { system, contents };
}

/**
 * An OpenAI chat request as a Gemini generateContent request (PROTOCOLS.md §4). Pure: no I/O, no
 * clock. Only what the client sent is set — no sampling defaults are injected. Throws
 * OpenAIRequestError for a request that cannot be translated.
 */
export function convertToGeminiRequest(
  request: OpenAIChatRequest,
  options: ChatConversionOptions,
): GeminiRequest {
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new OpenAIRequestError('messages must be a non-empty array', 'messages');
  }
  const { system, contents } = convertMessages(request, options);
  if (contents.length === 0)
    throw new OpenAIRequestError('messages need at least one user message', 'messages');
  const gemini: GeminiRequest = { contents };
  if (system.length > 0) gemini.systemInstruction = { parts: system };

  const functions = (request.tools ?? []).map((tool, index) => {
    if (tool?.type !== 'function' || !tool.function?.name) {
      throw new OpenAIRequestError('tools must be functions with a name', `tools[${index}]`);
    }
    const { name, description, parameters } = tool.function;
    return functionDeclarationOf(name, description, parameters);
  });
  const tools = geminiToolsOf(functions, {
    search: options.choice.search,
    codeExecution: options.codeExecution,
    urlContext: options.urlContext,
  });
  if (tools) gemini.tools = tools;

  const choice = request.tool_choice;
  if (choice !== undefined && choice !== null && functions.length > 0) {
    if (choice === 'none' || choice === 'auto' || choice === 'required')
      gemini.toolConfig = toolConfigOf(choice);
    else if (choice?.type === 'function' && choice.function?.name)
      gemini.toolConfig = toolConfigOf({ name: choice.function.name });
    else
      throw new OpenAIRequestError(
        'tool_choice is not one of none, auto, required or a named function',
        'tool_choice',
      );
  }

  const safety = request.extra_body?.google?.safety_settings ?? request.google?.safety_settings;
  if (safety) gemini.safetySettings = safety;
  else if (options.safetySettings.length > 0) gemini.safetySettings = [...options.safetySettings];

  const config: NonNullable<GeminiRequest['generationConfig']> = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  if (request.n !== undefined) config.candidateCount = request.n;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (request.stop !== undefined)
    config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.logprobs) {
    config.responseLogprobs = true;
    if (request.top_logprobs !== undefined) config.logprobs = request.top_logprobs;
  }
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema?.schema !== undefined) config.responseJsonSchema = format.json_schema.schema;
  }
  if (options.choice.image) config.responseModalities = ['TEXT', 'IMAGE'];
  const thinking = thinkingConfigOf(
    {
      ...(request.reasoning_effort ? { effort: request.reasoning_effort } : {}),
      ...(request.thinking ? { thinking: request.thinking } : {}),
      google: request.extra_body?.google?.thinking_config ?? request.google?.thinking_config,
    },
    options,
  );
  if (thinking) config.thinkingConfig = thinking;
  if (Object.keys(config).length > 0) gemini.generationConfig = config;
  return gemini;
}

/** The http(s) URLs of media a request names, to fetch before converting it. */
export function mediaUrlsOf(request: OpenAIChatRequest): string[] {
  const urls: string[] = [];
  for (const message of Array.isArray(request.messages) ? request.messages : []) {
    if (!Array.isArray(message?.content)) continue;
    for (const part of message.content) {
      const url = part?.type === 'image_url' ? part.image_url?.url : undefined;
      if (url && /^https?:\/\//i.test(url)) urls.push(url);
    }
  }
  return urls;
}
