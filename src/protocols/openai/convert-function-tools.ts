import type {
  GeminiFunctionDeclaration,
  GeminiPart,
  GeminiRequest,
  GeminiTool,
} from '../gemini/gemini-types.js';
import { OpenAIRequestError } from './openai-error.js';
import { isGemini3 } from './thinking-config.js';

// Function calling as OpenAI's APIs say it (chat's `tools`, the Responses API's flat function
// tools), in Gemini's terms: declarations, the calling mode, the calls and answers of a history.

/**
 * A function declaration. The full JSON Schema goes through as parametersJsonSchema: anyOf, $ref
 * and the rest of what MCP tools use survive (the seed "cleaned" schemas and broke them).
 */
export function functionDeclarationOf(
  name: string,
  description: string | null | undefined,
  parameters: unknown,
): GeminiFunctionDeclaration {
  return {
    name,
    ...(description ? { description } : {}),
    ...(parameters ? { parametersJsonSchema: parameters } : {}),
  };
}

/** The tools Gemini runs itself, as the model name and the settings ask for them. */
export interface BuiltInTools {
  /** A `-search` model, or the Responses API's web_search tool. */
  readonly search: boolean;
  /** TOOLS_CODE_EXECUTION_ENABLED: only for a request without functions of its own. */
  readonly codeExecution: boolean;
  /** URL_CONTEXT_ENABLED, for a model in URL_CONTEXT_MODELS. */
  readonly urlContext: boolean;
}

/** The request's `tools`, or undefined when there are none. */
export function geminiToolsOf(
  functions: readonly GeminiFunctionDeclaration[],
  builtIn: BuiltInTools,
): GeminiTool[] | undefined {
  const tools: GeminiTool[] = [];
  if (functions.length > 0) tools.push({ functionDeclarations: [...functions] });
  if (builtIn.search) tools.push({ googleSearch: {} });
  if (builtIn.codeExecution && functions.length === 0) tools.push({ codeExecution: {} });
  if (builtIn.urlContext) tools.push({ urlContext: {} });
  return tools.length > 0 ? tools : undefined;
}

/** Which functions the model may or must call: OpenAI's tool_choice, the named function as `{name}`. */
export type FunctionChoice = 'none' | 'auto' | 'required' | { readonly name: string };

export function toolConfigOf(choice: FunctionChoice): NonNullable<GeminiRequest['toolConfig']> {
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

/** A tool's answer as Gemini wants it: an object (a JSON object answer is used as is). */
export function toolResponseOf(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: plain text below.
  }
  return { result: text };
}

/** A call's arguments (a JSON object as text; empty is none), or the client's 400 naming `param`. */
export function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new OpenAIRequestError('tool call arguments must be a JSON object', param);
}

// Google documents this value for a function call whose signature was lost (a conversation that
// began with another provider): Gemini 3 then skips the signature check instead of refusing.
const missingSignature = 'skip_thought_signature_validator';

/** A function call of the history, with the thought signature it carried back (Gemini 3 needs one). */
export function functionCallPart(
  name: string,
  args: Record<string, unknown>,
  signature: string | undefined,
  model: string,
): GeminiPart {
  const sent = signature ?? (isGemini3(model) ? missingSignature : undefined);
  return { functionCall: { name, args }, ...(sent ? { thoughtSignature: sent } : {}) };
}
