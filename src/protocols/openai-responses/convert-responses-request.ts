import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiPart,
  GeminiRequest,
} from '../gemini/gemini-types.js';
import { convertFilePart, imageOf, uploadedFilePart } from '../openai/convert-file-part.js';
import {
  type FunctionChoice,
  functionCallPart,
  functionDeclarationOf,
  geminiToolsOf,
  parseToolArguments,
  toolConfigOf,
  toolResponseOf,
} from '../openai/convert-function-tools.js';
import type { ChatConversionOptions } from '../openai/convert-to-gemini-request.js';
import { OpenAIRequestError } from '../openai/openai-error.js';
import { thinkingConfigOf } from '../openai/thinking-config.js';
import { thoughtSignatureOf } from '../openai/tool-call-id.js';
import { geminiFunctionName } from './namespace-tools.js';
import type {
  ResponsesContentPart,
  ResponsesInputItem,
  ResponsesRequest,
  ResponsesToolChoice,
} from './responses-types.js';

/** The same settings as chat's translation: the model, thinking, built-in tools, safety, media. */
export type ResponsesConversionOptions = ChatConversionOptions;

// OpenAI's web search under its names old and new: Gemini answers it with Google Search.
const webSearchTypes = new Set([
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
]);

/** Reasoning items the gateway made: their thoughts need not go back (see the item loop). */
const reasoningIdPrefix = 'rs_';

const isHttpUrl = (url: string | undefined): url is string => url !== undefined && /^https?:\/\//i.test(url);

function convertPart(
  part: ResponsesContentPart,
  options: ResponsesConversionOptions,
  param: string,
): GeminiPart[] {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text === '' ? [] : [{ text: part.text }];
    case 'refusal':
      return part.refusal === '' ? [] : [{ text: part.refusal }];
    case 'input_image': {
      const inline = part.image_url ? imageOf(part.image_url, options.media) : undefined;
      if (inline) return [{ inlineData: inline }];
      if (!part.image_url && part.file_id) return [uploadedFilePart(part.file_id, undefined, param)];
      throw new OpenAIRequestError(
        'input_image needs an image_url (a base64 data URL or an http(s) URL) or a file_id',
        param,
      );
    }
    case 'input_file': {
      const fetched = part.file_url ? options.media.get(part.file_url) : undefined;
      if (fetched) return [{ inlineData: fetched }];
      if (part.file_url && !part.file_data && !part.file_id)
        throw new OpenAIRequestError('file_url must be an http(s) URL', param);
      return [convertFilePart(part, param)];
    }
    default:
      throw new OpenAIRequestError(
        `unsupported content part type ${String((part as { type?: unknown }).type)}`,
        `${param}.type`,
      );
  }
}

function convertContent(
  content: string | ResponsesContentPart[],
  options: ResponsesConversionOptions,
  param: string,
): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  return content.flatMap((part, index) => convertPart(part, options, `${param}[${index}]`));
}

/**
 * The input items as Gemini's contents and system instruction. The items of one model turn (its
 * text, its function calls) become one model content, and the outputs of its calls one user
 * content, in order: Gemini pairs parallel calls with their answers so.
 */
function convertInput(request: ResponsesRequest, options: ResponsesConversionOptions) {
  const system: GeminiPart[] = request.instructions ? [{ text: request.instructions }] : [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  /** What the next item of the same kind joins: the open model turn, or the open set of outputs. */
  let open: { kind: 'model' | 'outputs'; content: GeminiContent } | undefined;
  const add = (kind: 'model' | 'outputs' | 'user', parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    if (kind !== 'user' && open?.kind === kind) {
      open.content.parts.push(...parts);
      return;
    }
    const content: GeminiContent = { role: kind === 'model' ? 'model' : 'user', parts };
    contents.push(content);
    open = kind === 'user' ? undefined : { kind, content };
  };

  const items: ResponsesInputItem[] =
    typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  items.forEach((item, index) => {
    const at = `input[${index}]`;
    switch (item.type ?? 'message') {
      case 'message': {
        const { role, content } = item as Extract<ResponsesInputItem, { role: string }>;
        const parts = convertContent(content, options, `${at}.content`);
        if (role === 'system' || role === 'developer') system.push(...parts);
        else if (role === 'user') add('user', parts);
        else if (role === 'assistant') add('model', parts);
        else throw new OpenAIRequestError(`unsupported role ${String(role)}`, `${at}.role`);
        return;
      }
      case 'function_call': {
        const call = item as Extract<ResponsesInputItem, { type: 'function_call' }>;
        const name = geminiFunctionName(call.name, call.namespace);
        callNames.set(call.call_id, name);
        const args = parseToolArguments(call.arguments, `${at}.arguments`);
        // The call id carries the call's thought signature (see encode-responses-events.ts).
        const signature = thoughtSignatureOf({ id: call.call_id });
        add('model', [functionCallPart(name, args, signature, options.choice.model)]);
        return;
      }
      case 'function_call_output': {
        const output = item as Extract<ResponsesInputItem, { type: 'function_call_output' }>;
        const name = callNames.get(output.call_id);
        if (name === undefined)
          throw new OpenAIRequestError(
            'function_call_output answers no function_call before it in input (by call_id)',
            `${at}.call_id`,
          );
        const parts = convertContent(output.output, options, `${at}.output`);
        const text = parts.map((part) => part.text ?? '').join('');
        const media = parts.filter((part) => part.text === undefined);
        add('outputs', [{ functionResponse: { name, response: toolResponseOf(text) } }, ...media]);
        return;
      }
      case 'reasoning':
        // Gemini needs no thoughts back: what it must see again, the thought signature, travels with
        // each function call (in its call_id).
        return;
      case 'item_reference': {
        const { id } = item as Extract<ResponsesInputItem, { type: 'item_reference' }>;
        // A reasoning item of ours holds nothing Gemini needs (as above); any other item is lost.
        if (id.startsWith(reasoningIdPrefix)) return;
        throw new OpenAIRequestError(
          `gemgate keeps no responses, so item_reference ${JSON.stringify(id.slice(0, 64))} cannot be looked up: send the item itself (store: false; with the AI SDK, providerOptions.openai.store = false).`,
          `${at}.id`,
        );
      }
      default:
        throw new OpenAIRequestError(
          `unsupported input item type ${String(item.type)}: gemgate reads messages, function_call, function_call_output and reasoning items`,
          `${at}.type`,
        );
    }
  });
  return { system, contents };
}

const unsupportedTool = (type: unknown, param: string) =>
  new OpenAIRequestError(
    `unsupported tool type ${String(type)}: gemgate serves function tools (alone or in a namespace), and web_search through Google Search`,
    param,
  );

/** The declared functions, and whether web search (Google Search) was asked for. */
function convertTools(request: ResponsesRequest) {
  const functions: GeminiFunctionDeclaration[] = [];
  let search = false;
  (request.tools ?? []).forEach((tool, index) => {
    if (tool.type === 'function')
      functions.push(functionDeclarationOf(tool.name, tool.description, tool.parameters));
    else if (tool.type === 'namespace')
      tool.tools.forEach((inner, innerIndex) => {
        if (inner.type !== 'function')
          throw unsupportedTool(
            (inner as { type: unknown }).type,
            `tools[${index}].tools[${innerIndex}].type`,
          );
        const name = geminiFunctionName(inner.name, tool.name);
        functions.push(functionDeclarationOf(name, inner.description, inner.parameters));
      });
    else if (webSearchTypes.has(tool.type)) search = true;
    else throw unsupportedTool(tool.type, `tools[${index}].type`);
  });
  return { functions, search };
}

/** tool_choice as Gemini's calling mode; `allowed_tools` also narrows the functions declared. */
function convertToolChoice(
  choice: ResponsesToolChoice,
  functions: GeminiFunctionDeclaration[],
): { choice: FunctionChoice; functions: GeminiFunctionDeclaration[] } {
  if (typeof choice === 'string') {
    if (choice === 'none' || choice === 'auto' || choice === 'required') return { choice, functions };
  } else if (choice.type === 'function' && choice.name) {
    return { choice: { name: choice.name }, functions };
  } else if (choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const allowed = new Set(choice.tools.map((tool) => tool.name));
    return {
      choice: choice.mode === 'required' ? 'required' : 'auto',
      functions: functions.filter((declaration) => allowed.has(declaration.name)),
    };
  }
  throw new OpenAIRequestError(
    'tool_choice is not one of none, auto, required, a named function or allowed_tools',
    'tool_choice',
  );
}

/**
 * A Responses request as a Gemini generateContent request (PROTOCOLS.md §6). Pure: no I/O, no clock.
 * Only what the client sent is set — no sampling defaults are injected. Throws OpenAIRequestError for
 * a request that cannot be translated.
 */
export function convertResponsesRequest(
  request: ResponsesRequest,
  options: ResponsesConversionOptions,
): GeminiRequest {
  const { system, contents } = convertInput(request, options);
  if (contents.length === 0) throw new OpenAIRequestError('input needs at least one user message', 'input');
  const gemini: GeminiRequest = { contents };
  if (system.length > 0) gemini.systemInstruction = { parts: system };

  const declared = convertTools(request);
  let functions = declared.functions;
  if (request.tool_choice !== undefined && request.tool_choice !== null && functions.length > 0) {
    const converted = convertToolChoice(request.tool_choice, functions);
    functions = converted.functions;
    gemini.toolConfig = toolConfigOf(converted.choice);
  }
  const tools = geminiToolsOf(functions, {
    search: options.choice.search || declared.search,
    codeExecution: options.codeExecution,
    urlContext: options.urlContext,
  });
  if (tools) gemini.tools = tools;
  if (options.safetySettings.length > 0) gemini.safetySettings = [...options.safetySettings];

  const config: NonNullable<GeminiRequest['generationConfig']> = {};
  if (request.temperature !== undefined && request.temperature !== null)
    config.temperature = request.temperature;
  if (request.top_p !== undefined && request.top_p !== null) config.topP = request.top_p;
  if (request.max_output_tokens !== undefined && request.max_output_tokens !== null)
    config.maxOutputTokens = request.max_output_tokens;
  const format = request.text?.format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = format.schema;
  }
  if (options.choice.image) config.responseModalities = ['TEXT', 'IMAGE'];
  const effort = request.reasoning?.effort;
  const thinking = thinkingConfigOf(
    {
      ...(effort ? { effort } : {}),
      // A client that asks for reasoning summaries reads the thoughts.
      showThoughts: typeof request.reasoning?.summary === 'string',
    },
    options,
  );
  if (thinking) config.thinkingConfig = thinking;
  if (Object.keys(config).length > 0) gemini.generationConfig = config;
  return gemini;
}

/** The http(s) URLs of images and files a request names, to fetch before converting it. */
export function responsesMediaUrlsOf(request: ResponsesRequest): string[] {
  if (!Array.isArray(request.input)) return [];
  const urls: string[] = [];
  for (const item of request.input) {
    const content = 'content' in item ? item.content : 'output' in item ? item.output : undefined;
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const url =
        part.type === 'input_image' ? part.image_url : part.type === 'input_file' ? part.file_url : undefined;
      if (isHttpUrl(url)) urls.push(url);
    }
  }
  return urls;
}
