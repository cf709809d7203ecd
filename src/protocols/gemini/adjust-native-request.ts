import type { SafetySetting } from '../../config/parse-json-settings.js';
import { type ModelChoice, type ModelLists, resolveModel } from '../openai/resolve-model.js';
import type { GeminiRequest, GeminiTool } from './gemini-types.js';

export interface NativeFeatures extends ModelLists {
  readonly thinkingBudgetMap: Readonly<Record<string, number>>;
  readonly safetySettings: readonly SafetySetting[];
  readonly codeExecution: boolean;
  /** URL_CONTEXT_MODELS when URL_CONTEXT_ENABLED, else empty. */
  readonly urlContextModels: readonly string[];
}

export interface NativeAdjustment {
  readonly choice: ModelChoice;
  /** The body to send: the client's own bytes when nothing applies. */
  readonly body: Buffer;
}

/** Whether any operator feature touches a request for `model` — the check that keeps the common case byte-exact. */
function applies(choice: ModelChoice, features: NativeFeatures): boolean {
  return (
    choice.search ||
    choice.image ||
    choice.nonThinking ||
    features.thinkingBudgetMap[choice.model] !== undefined ||
    features.safetySettings.length > 0 ||
    features.codeExecution ||
    features.urlContextModels.includes(choice.model)
  );
}

const hasTool = (tools: GeminiTool[], name: keyof GeminiTool) =>
  tools.some((tool) => tool[name] !== undefined);

/**
 * The seed's model features on the native API: a `-search`, `-image` or `-non-thinking` model name,
 * THINKING_BUDGET_MAP, SAFETY_SETTINGS, code execution and URL context — each added only where the
 * client said nothing (the seed replaced the client's own settings). When none applies, the
 * client's bytes go to Google untouched; otherwise every field the client sent is kept.
 */
export function adjustNativeRequest(model: string, body: Buffer, features: NativeFeatures): NativeAdjustment {
  const choice = resolveModel(model, features);
  if (!applies(choice, features)) return { choice, body };
  const request = JSON.parse(body.toString('utf8')) as GeminiRequest & Record<string, unknown>;
  const tools = [...(request.tools ?? [])];
  if (choice.search && !hasTool(tools, 'googleSearch')) tools.push({ googleSearch: {} });
  if (features.codeExecution && !hasTool(tools, 'functionDeclarations') && !hasTool(tools, 'codeExecution')) {
    tools.push({ codeExecution: {} });
  }
  if (features.urlContextModels.includes(choice.model) && !hasTool(tools, 'urlContext'))
    tools.push({ urlContext: {} });
  if (tools.length > 0) request.tools = tools;
  if (!request.safetySettings && features.safetySettings.length > 0)
    request.safetySettings = [...features.safetySettings];

  const config = { ...(request.generationConfig ?? {}) };
  if (choice.image && !config.responseModalities) config.responseModalities = ['TEXT', 'IMAGE'];
  const thinking = { ...(config.thinkingConfig ?? {}) };
  const budgetSet = thinking.thinkingBudget !== undefined || thinking.thinkingLevel !== undefined;
  if (choice.nonThinking && !budgetSet) thinking.thinkingBudget = 0;
  else if (!budgetSet && features.thinkingBudgetMap[choice.model] !== undefined) {
    thinking.thinkingBudget = features.thinkingBudgetMap[choice.model];
  }
  if (Object.keys(thinking).length > 0) config.thinkingConfig = thinking;
  if (Object.keys(config).length > 0) request.generationConfig = config;
  return { choice, body: Buffer.from(JSON.stringify(request)) };
}
