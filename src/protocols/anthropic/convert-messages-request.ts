import type { SafetySetting } from '../../config/parse-json-settings.js';
import type { GeminiContent, GeminiInlineData, GeminiPart, GeminiRequest } from '../gemini/gemini-types.js';
import type { ModelChoice } from '../gemini/resolve-model.js';
import { imageOf } from '../openai/convert-file-part.js';
import {
  type FunctionChoice,
  functionCallPart,
  functionDeclarationOf,
  geminiToolsOf,
  toolConfigOf,
  toolResponseOf,
} from '../openai/convert-function-tools.js';
import { thinkingConfigOf } from '../openai/thinking-config.js';
import { RequestError } from '../request-error.js';
import type {
  AnthropicContentBlockParam,
  AnthropicDocumentSource,
  AnthropicImageSource,
  AnthropicToolChoice,
  MessagesRequest,
} from './anthropic-types.js';
import { thoughtSignatureOfToolUseId } from './tool-use-id.js';

export interface MessagesConversionOptions {
  readonly choice: ModelChoice;
  /** THINKING_BUDGET_MAP: a model's budget when the client says nothing of thinking. */
  readonly thinkingBudgetMap: Readonly<Record<string, number>>;
  /** TOOLS_CODE_EXECUTION_ENABLED. */
  readonly codeExecution: boolean;
  /** URL_CONTEXT_ENABLED, for a model in URL_CONTEXT_MODELS. */
  readonly urlContext: boolean;
  /** SAFETY_SETTINGS. */
  readonly safetySettings: readonly SafetySetting[];
  /** http(s) media the request names, fetched beforehand (I/O stays out of this function). */
  readonly media: ReadonlyMap<string, GeminiInlineData>;
}

type Source = AnthropicImageSource | AnthropicDocumentSource;

/** One Gemini content being built: a tool's answers go first, as Gemini reads them. */
interface Turn {
  readonly role: 'user' | 'model';
  readonly responses: GeminiPart[];
  readonly parts: GeminiPart[];
}

interface Conversion {
  readonly options: MessagesConversionOptions;
  /** The name of each tool_use of the history, by id: a tool_result names only the id. */
  readonly toolNames: Map<string, string>;
}

const text = (value: string): GeminiPart[] => (value === '' ? [] : [{ text: value }]);

/** An image's source (base64, url) or a document's (those, text or content blocks) as Gemini parts. */
function sourceParts(source: Source, image: boolean, conversion: Conversion, at: string): GeminiPart[] {
  const type: string = source.type;
  if (source.type === 'base64') {
    if (!source.media_type || !source.data)
      throw new RequestError('a base64 source needs media_type and data', at);
    return [{ inlineData: { mimeType: source.media_type, data: source.data } }];
  }
  if (source.type === 'url') {
    const inline = imageOf(source.url ?? '', conversion.options.media);
    if (!inline) throw new RequestError('source.url must be an http(s) URL', at);
    return [{ inlineData: inline }];
  }
  if (type === 'file')
    throw new RequestError(
      "a file source names a file of Anthropic's Files API, which the gateway does not have: send it as base64",
      at,
    );
  if (image) throw new RequestError(`an image source is base64 or url, not ${type}`, `${at}.type`);
  if (source.type === 'text') return text(source.data ?? '');
  if (source.type !== 'content') throw new RequestError(`unsupported source type ${type}`, `${at}.type`);
  if (typeof source.content === 'string') return text(source.content);
  return (source.content ?? []).flatMap((block, index) => {
    const where = `${at}.content.${index}`;
    if (block.type === 'text') return text(block.text);
    if (block.type === 'image') return sourceParts(block.source, true, conversion, `${where}.source`);
    throw new RequestError('a content source holds text and image blocks', where);
  });
}

/** A tool's answer: a functionResponse (its text) and, after the answers, the media it holds. */
function toolResult(
  block: Extract<AnthropicContentBlockParam, { type: 'tool_result' }>,
  turn: Turn,
  conversion: Conversion,
  at: string,
): void {
  const name = conversion.toolNames.get(block.tool_use_id);
  if (!name)
    throw new RequestError(
      `tool_result names tool_use ${block.tool_use_id}, which no earlier assistant message holds`,
      `${at}.tool_use_id`,
    );
  const texts: string[] = [];
  if (typeof block.content === 'string') texts.push(block.content);
  else {
    (block.content ?? []).forEach((item, index) => {
      const where = `${at}.content.${index}`;
      if (item.type === 'text') texts.push(item.text);
      else if (item.type === 'image' || item.type === 'document')
        turn.parts.push(...sourceParts(item.source, item.type === 'image', conversion, `${where}.source`));
      else throw new RequestError('a tool_result holds text, image and document blocks', where);
    });
  }
  const output = texts.join('\n');
  // Google names `error` the field of a function's failure.
  const response = block.is_error ? { error: output } : toolResponseOf(output);
  turn.responses.push({ functionResponse: { name, response } });
}

function addUserBlock(block: AnthropicContentBlockParam, turn: Turn, conversion: Conversion, at: string) {
  switch (block.type) {
    case 'text':
      turn.parts.push(...text(block.text));
      return;
    case 'image':
    case 'document':
      turn.parts.push(...sourceParts(block.source, block.type === 'image', conversion, `${at}.source`));
      return;
    case 'tool_result':
      toolResult(block, turn, conversion, at);
      return;
    default:
      throw new RequestError(
        `a user message holds text, image, document and tool_result blocks, not ${block.type}`,
        `${at}.type`,
      );
  }
}

function addAssistantBlock(
  block: AnthropicContentBlockParam,
  turn: Turn,
  conversion: Conversion,
  at: string,
) {
  switch (block.type) {
    case 'text':
      turn.parts.push(...text(block.text));
      return;
    case 'thinking':
      // The thought goes back only with the signature Gemini gave it (Google's SDK returns both);
      // an unsigned one, like Anthropic's redacted_thinking, is the client's to show, not Gemini's.
      if (block.signature)
        turn.parts.push({ text: block.thinking, thought: true, thoughtSignature: block.signature });
      return;
    case 'redacted_thinking':
      return;
    case 'tool_use':
      conversion.toolNames.set(block.id, block.name);
      turn.parts.push(
        functionCallPart(
          block.name,
          block.input,
          thoughtSignatureOfToolUseId(block.id),
          conversion.options.choice.model,
        ),
      );
      return;
    default:
      throw new RequestError(
        `an assistant message holds text, thinking and tool_use blocks, not ${block.type}`,
        `${at}.type`,
      );
  }
}

/** The system prompt (`system`, and any message of role system) and the conversation. */
function convertMessages(request: MessagesRequest, conversion: Conversion) {
  const system: GeminiPart[] = [];
  const addSystem = (content: MessagesRequest['system'], at: string) => {
    if (typeof content === 'string') system.push(...text(content));
    else
      (content ?? []).forEach((block, index) => {
        if (block.type !== 'text')
          throw new RequestError('a system prompt holds text blocks', `${at}.${index}.type`);
        system.push(...text(block.text));
      });
  };
  addSystem(request.system, 'system');
  const turns: Turn[] = [];
  request.messages.forEach((message, index) => {
    const at = `messages.${index}`;
    if (message.role === 'system') {
      addSystem(message.content as MessagesRequest['system'], `${at}.content`);
      return;
    }
    if (message.role !== 'user' && message.role !== 'assistant')
      throw new RequestError(`unexpected role ${String(message.role)}: user or assistant`, `${at}.role`);
    const role = message.role === 'user' ? 'user' : 'model';
    // Consecutive messages of one role are one turn, as Anthropic reads them.
    let turn = turns.at(-1);
    if (turn?.role !== role) {
      turn = { role, responses: [], parts: [] };
      turns.push(turn);
    }
    const blocks: AnthropicContentBlockParam[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    const add = role === 'user' ? addUserBlock : addAssistantBlock;
    blocks.forEach((block, blockIndex) => {
      add(block, turn, conversion, `${at}.content.${blockIndex}`);
    });
  });
  const contents: GeminiContent[] = turns
    .map(({ role, responses, parts }) => ({ role, parts: [...responses, ...parts] }))
    .filter((content) => content.parts.length > 0);
  return { system, contents };
}

function functionChoiceOf(choice: AnthropicToolChoice): FunctionChoice {
  if (choice.type === 'tool') return { name: choice.name };
  return choice.type === 'any' ? 'required' : choice.type;
}

/**
 * An Anthropic messages request as a Gemini generateContent request (PROTOCOLS.md §5). Pure: no
 * I/O, no clock. Only what the client sent is set — no sampling defaults are injected; `metadata`
 * and the like are ignored. Throws RequestError for a request that cannot be translated.
 */
export function convertMessagesRequest(
  request: MessagesRequest,
  options: MessagesConversionOptions,
): GeminiRequest {
  const { system, contents } = convertMessages(request, { options, toolNames: new Map() });
  if (contents.length === 0) throw new RequestError('messages: at least one message is required', 'messages');
  const gemini: GeminiRequest = { contents };
  if (system.length > 0) gemini.systemInstruction = { parts: system };

  const functions = (request.tools ?? []).map((tool, index) => {
    if (tool.type !== undefined && tool.type !== 'custom')
      throw new RequestError(
        `${tool.type} is one of Anthropic's server tools, which Gemini does not run: only custom tools (name, description, input_schema) are`,
        `tools.${index}.type`,
      );
    return functionDeclarationOf(tool.name, tool.description, tool.input_schema);
  });
  const tools = geminiToolsOf(functions, {
    search: options.choice.search,
    codeExecution: options.codeExecution,
    urlContext: options.urlContext,
  });
  if (tools) gemini.tools = tools;
  if (request.tool_choice && functions.length > 0)
    gemini.toolConfig = toolConfigOf(functionChoiceOf(request.tool_choice));
  if (options.safetySettings.length > 0) gemini.safetySettings = [...options.safetySettings];

  const config: NonNullable<GeminiRequest['generationConfig']> = {};
  if (request.max_tokens !== undefined) config.maxOutputTokens = request.max_tokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  if (request.top_k !== undefined) config.topK = request.top_k;
  if (request.stop_sequences !== undefined) config.stopSequences = request.stop_sequences;
  if (options.choice.image) config.responseModalities = ['TEXT', 'IMAGE'];
  const { thinking } = request;
  const thinkingConfig = thinkingConfigOf(
    {
      // Anthropic's budget is explicit; its adaptive thinking is Gemini's dynamic thinking, sized by
      // output_config.effort when the client gives one.
      ...(thinking?.type === 'enabled' || thinking?.type === 'disabled' ? { thinking } : {}),
      ...(thinking?.type === 'adaptive' ? { effort: request.output_config?.effort, showThoughts: true } : {}),
      ...(thinking && 'display' in thinking && thinking.display === 'omitted'
        ? { google: { include_thoughts: false } }
        : {}),
    },
    { choice: options.choice, thinkingBudgetMap: options.thinkingBudgetMap, showThinking: false },
  );
  if (thinkingConfig) config.thinkingConfig = thinkingConfig;
  if (Object.keys(config).length > 0) gemini.generationConfig = config;
  return gemini;
}

/** The http(s) URLs of the images and documents a request names, to fetch before converting it. */
export function mediaUrlsOf(request: MessagesRequest): string[] {
  const urls: string[] = [];
  const visit = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks as AnthropicContentBlockParam[]) {
      if (block.type === 'tool_result') visit(block.content);
      if (block.type !== 'image' && block.type !== 'document') continue;
      const { source } = block;
      if (source.type === 'content') visit(source.content);
      if (source.type === 'url' && /^https?:\/\//i.test(source.url)) urls.push(source.url);
    }
  };
  for (const message of request.messages) visit(message.content);
  return urls;
}
