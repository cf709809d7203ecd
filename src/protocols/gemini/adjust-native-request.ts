import type { SafetySetting } from '../../config/parse-json-settings.js';
import { parseJsonObject } from '../parse-json-object.js';
import type { GeminiGenerationConfig, GeminiRequest, GeminiTool } from './gemini-types.js';
import { type ModelChoice, type ModelLists, resolveModel } from './resolve-model.js';

export interface NativeFeatures extends ModelLists {
  readonly thinkingBudgetMap: Readonly<Record<string, number>>;
  /** SHOW_THINKING_PROCESS: the thoughts of the models in THINKING_BUDGET_MAP come back (includeThoughts). */
  readonly showThinking: boolean;
  readonly safetySettings: readonly SafetySetting[];
  readonly codeExecution: boolean;
  /** URL_CONTEXT_MODELS when URL_CONTEXT_ENABLED, else empty. */
  readonly urlContextModels: readonly string[];
}

export type NativeAdjustment =
  | {
      readonly choice: ModelChoice;
      /** The body to send: the client's own bytes when nothing applies. */
      readonly body: Buffer;
      readonly problem?: undefined;
    }
  | {
      readonly choice: ModelChoice;
      readonly body?: undefined;
      /** Why the body could not be adjusted (not JSON, nested too deep): the client's 400. */
      readonly problem: string;
    };

/** Whether any operator feature touches a request for `model` — the check that keeps the common case byte-exact. */
function applies(choice: ModelChoice, features: NativeFeatures): boolean {
  return (
    choice.search ||
    choice.image ||
    choice.nonThinking ||
    Object.hasOwn(features.thinkingBudgetMap, choice.model) ||
    features.safetySettings.length > 0 ||
    features.codeExecution ||
    features.urlContextModels.includes(choice.model)
  );
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const hasTool = (tools: unknown[], name: keyof GeminiTool) =>
  tools.some((tool) => isObject(tool) && tool[name] !== undefined);

/**
 * The seed's model features on the native API: a `-search`, `-image` or `-non-thinking` model name,
 * THINKING_BUDGET_MAP (with SHOW_THINKING_PROCESS, the thoughts too), SAFETY_SETTINGS, code execution and URL context — each added only where the
 * client said nothing (the seed replaced the client's own settings). When none applies, the
 * client's bytes go to Google untouched; otherwise every field the client sent is kept.
 */
export function adjustNativeRequest(model: string, body: Buffer, features: NativeFeatures): NativeAdjustment {
  const choice = resolveModel(model, features);
  if (!applies(choice, features)) return { choice, body };
  // Nesting is bounded because re-serializing a deeper request could overflow the stack.
  const parsed = parseJsonObject(body);
  if (!parsed.ok) return { choice, problem: `Invalid JSON payload received: the body is ${parsed.problem}.` };
  const request = parsed.value;
  // A field of the wrong type is left as the client sent it: Google answers it with a 400 naming
  // the field, which says more than anything the gateway could add to it.
  if (request.tools === undefined || Array.isArray(request.tools)) {
    const tools: unknown[] = [...((request.tools as unknown[] | undefined) ?? [])];
    if (choice.search && !hasTool(tools, 'googleSearch')) tools.push({ googleSearch: {} });
    if (
      features.codeExecution &&
      !hasTool(tools, 'functionDeclarations') &&
      !hasTool(tools, 'codeExecution')
    ) {
      tools.push({ codeExecution: {} });
    }
    if (features.urlContextModels.includes(choice.model) && !hasTool(tools, 'urlContext'))
      tools.push({ urlContext: {} });
    if (tools.length > 0) request.tools = tools;
  }
  if (!request.safetySettings && features.safetySettings.length > 0)
    request.safetySettings = [...features.safetySettings];

  if (request.generationConfig !== undefined && !isObject(request.generationConfig))
    return { choice, body: Buffer.from(JSON.stringify(request)) };
  const config: GeminiGenerationConfig = {
    ...(request.generationConfig as GeminiRequest['generationConfig']),
  };
  if (choice.image && !config.responseModalities) config.responseModalities = ['TEXT', 'IMAGE'];
  if (config.thinkingConfig === undefined || isObject(config.thinkingConfig)) {
    const thinking = { ...config.thinkingConfig };
    const budgetSet = thinking.thinkingBudget !== undefined || thinking.thinkingLevel !== undefined;
    const mapped = Object.hasOwn(features.thinkingBudgetMap, choice.model);
    if (choice.nonThinking && !budgetSet) thinking.thinkingBudget = 0;
    else if (!budgetSet && mapped) thinking.thinkingBudget = features.thinkingBudgetMap[choice.model];
    // As the seed: the thoughts of a mapped model are shown, unless the client chose, or nothing is thought.
    if (
      features.showThinking &&
      mapped &&
      thinking.includeThoughts === undefined &&
      thinking.thinkingBudget !== 0
    )
      thinking.includeThoughts = true;
    if (Object.keys(thinking).length > 0) config.thinkingConfig = thinking;
  }
  if (Object.keys(config).length > 0) request.generationConfig = config;
  return { choice, body: Buffer.from(JSON.stringify(request)) };
}
