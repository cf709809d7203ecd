import type { SafetySetting } from '../../config/parse-json-settings.js';
import { fileNamePattern } from '../gemini/files-surface.js';
import type {
  GeminiContent,
  GeminiInlineData,
  GeminiPart,
  GeminiRequest,
  GeminiThinkingConfig,
  GeminiTool,
} from '../gemini/gemini-types.js';
import type { ModelChoice } from '../gemini/resolve-model.js';
import { OpenAIRequestError } from './openai-error.js';
import type { OpenAIChatMessage, OpenAIChatRequest, OpenAIContentPart } from './openai-types.js';
import { thoughtSignatureOf } from './tool-call-id.js';

export interface ChatConversionOptions {
  readonly choice: ModelChoice;
  /** THINKING_BUDGET_MAP: a model's budget when the client names none. */
  readonly thinkingBudgetMap: Readonly<Record<string, number>>;
  /** SHOW_THINKING_PROCESS: ask thinking models for their thoughts (returned as reasoning_content). */
  readonly showThinking: boolean;
  /** TOOLS_CODE_EXECUTION_ENABLED. */
  readonly codeExecution: boolean;
  /** URL_CONTEXT_ENABLED, for a model in URL_CONTEXT_MODELS. */
  readonly urlContext: boolean;
  /** SAFETY_SETTINGS, applied when the client set none. */
  readonly safetySettings: readonly SafetySetting[];
  /** http(s) media the request names, fetched beforehand (I/O stays out of this function). */
  readonly media: ReadonlyMap<string, GeminiInlineData>;
}

// PROTOCOLS.md §4: reasoning_effort → thinkingBudget; Gemini 3 takes a level instead.
const budgetByEffort = { none: 0, minimal: 128, low: 1024, medium: 8192, high: 24576 } as const;
const levelByEffort = { none: 'low', minimal: 'low', low: 'low', medium: 'high', high: 'high' } as const;
// Google documents this value for a function call whose signature was lost (a conversation that
// began with another provider): Gemini 3 then skips the signature check instead of refusing.
const missingSignature = 'skip_thought_signature_validator';

const isGemini3 = (model: string) => model.startsWith('gemini-3');
// Families that think: SHOW_THINKING_PROCESS asks them for thoughts. Others refuse includeThoughts.
const thinks = (model: string) => /^gemini-(2\.5|3)/.test(model) && !/-image|-tts/.test(model);

/** `data:image/png;base64,AAAA` → inline data; undefined when the URL is not a base64 data URL. */
export function parseDataUrl(url: string): GeminiInlineData | undefined {
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1] as string, data: match[2] as string } : undefined;
}

const mimeByExtension: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

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
        const url = part.image_url?.url ?? '';
        const inline = parseDataUrl(url) ?? options.media.get(url);
        if (!inline)
          throw new OpenAIRequestError('image_url must be a base64 data URL or an http(s) URL', where);
        return { inlineData: inline };
      }
      case 'input_audio': {
        const { data, format } = part.input_audio ?? {};
        if (!data || !format) throw new OpenAIRequestError('input_audio needs data and format', where);
        return { inlineData: { mimeType: `audio/${format}`, data } };
      }
      case 'file': {
        const { file_data: fileData, file_id: fileId, filename } = part.file ?? {};
        // A file uploaded through the gateway's Files API: Google reads it with the key that holds it.
        if (!fileData && typeof fileId === 'string') {
          const name = fileId.startsWith('files/') ? fileId : `files/${fileId}`;
          if (!fileNamePattern.test(name))
            throw new OpenAIRequestError('file_id must name a file of the Files API (files/{id})', where);
          const extension = filename?.split('.').pop()?.toLowerCase() ?? '';
          const mimeType = mimeByExtension[extension];
          return { fileData: { fileUri: name, ...(mimeType ? { mimeType } : {}) } };
        }
        if (!fileData) throw new OpenAIRequestError('file parts need file_data or file_id', where);
        const inline = parseDataUrl(fileData);
        if (inline) return { inlineData: inline };
        const extension = filename?.split('.').pop()?.toLowerCase() ?? '';
        return {
          inlineData: { mimeType: mimeByExtension[extension] ?? 'application/octet-stream', data: fileData },
        };
      }
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

/** A tool's answer as Gemini wants it: an object (a JSON object answer is used as is). */
function toolResponse(content: OpenAIChatMessage['content']): Record<string, unknown> {
  const text = textOf(content);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: plain text below.
  }
  return { result: text };
}

function parseArguments(text: string, at: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new OpenAIRequestError('tool call arguments must be a JSON object', at);
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
          const args = parseArguments(
            call.function.arguments ?? '',
            `${at}.tool_calls[${callIndex}].function.arguments`,
          );
          const signature =
            thoughtSignatureOf(call) ?? (isGemini3(options.choice.model) ? missingSignature : undefined);
          parts.push({ functionCall: { name, args }, ...(signature ? { thoughtSignature: signature } : {}) });
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
        const part: GeminiPart = { functionResponse: { name, response: toolResponse(message.content) } };
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

function thinkingConfig(
  request: OpenAIChatRequest,
  options: ChatConversionOptions,
): GeminiThinkingConfig | undefined {
  const model = options.choice.model;
  const google = request.extra_body?.google?.thinking_config ?? request.google?.thinking_config;
  const config: GeminiThinkingConfig = {};
  const effort = request.reasoning_effort;
  if (isGemini3(model)) {
    if (effort) config.thinkingLevel = levelByEffort[effort];
  } else if (options.choice.nonThinking) {
    config.thinkingBudget = 0;
  } else if (effort) {
    config.thinkingBudget = budgetByEffort[effort];
  } else if (request.thinking?.type === 'disabled') {
    config.thinkingBudget = 0;
  } else if (request.thinking?.type === 'enabled' && request.thinking.budget_tokens !== undefined) {
    config.thinkingBudget = request.thinking.budget_tokens;
  } else if (Object.hasOwn(options.thinkingBudgetMap, model)) {
    config.thinkingBudget = options.thinkingBudgetMap[model];
  }
  if (google?.thinking_budget !== undefined) config.thinkingBudget = google.thinking_budget;
  if (google?.thinking_level !== undefined) config.thinkingLevel = google.thinking_level;
  const asked = (effort !== undefined && effort !== 'none') || request.thinking?.type === 'enabled';
  if (config.thinkingBudget !== 0 && (asked || (options.showThinking && thinks(model))))
    config.includeThoughts = true;
  if (google?.include_thoughts !== undefined) config.includeThoughts = google.include_thoughts;
  return Object.keys(config).length > 0 ? config : undefined;
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

  const tools: GeminiTool[] = [];
  const functions = (request.tools ?? []).map((tool, index) => {
    if (tool?.type !== 'function' || !tool.function?.name) {
      throw new OpenAIRequestError('tools must be functions with a name', `tools[${index}]`);
    }
    const { name, description, parameters } = tool.function;
    // The full JSON Schema goes through as parametersJsonSchema: anyOf, $ref and the rest of what
    // MCP tools use survive (the seed "cleaned" schemas and broke them).
    return {
      name,
      ...(description ? { description } : {}),
      ...(parameters ? { parametersJsonSchema: parameters } : {}),
    };
  });
  if (functions.length > 0) tools.push({ functionDeclarations: functions });
  if (options.choice.search) tools.push({ googleSearch: {} });
  if (options.codeExecution && functions.length === 0) tools.push({ codeExecution: {} });
  if (options.urlContext) tools.push({ urlContext: {} });
  if (tools.length > 0) gemini.tools = tools;

  const choice = request.tool_choice;
  if (choice !== undefined && choice !== null && functions.length > 0) {
    if (choice === 'none') gemini.toolConfig = { functionCallingConfig: { mode: 'NONE' } };
    else if (choice === 'auto') gemini.toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    else if (choice === 'required') gemini.toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (choice?.type === 'function' && choice.function?.name) {
      gemini.toolConfig = {
        functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] },
      };
    } else
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
  const thinking = thinkingConfig(request, options);
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
