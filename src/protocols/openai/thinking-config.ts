import type { GeminiThinkingConfig } from '../gemini/gemini-types.js';
import type { ModelChoice } from '../gemini/resolve-model.js';
import type { GoogleExtras } from './openai-types.js';

// How much a Gemini model thinks, from what an OpenAI client asked: chat's `reasoning_effort` and
// the Responses API's `reasoning.effort` speak the same words (PROTOCOLS.md §4, §6).

/** OpenAI's reasoning efforts; `xhigh` and `max` exist for OpenAI's own largest models. */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

// Gemini has nothing above its largest budget that every 2.5 model takes (24576), or above the level
// `high`: `xhigh` and `max` get those.
const budgetByEffort: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 128,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
  max: 24576,
};
// Gemini 3 takes a level instead of a budget.
const levelByEffort: Record<ReasoningEffort, 'low' | 'high'> = {
  none: 'low',
  minimal: 'low',
  low: 'low',
  medium: 'high',
  high: 'high',
  xhigh: 'high',
  max: 'high',
};

export const isGemini3 = (model: string) => model.startsWith('gemini-3');
// Families that think: SHOW_THINKING_PROCESS asks them for thoughts. Others refuse includeThoughts.
const thinks = (model: string) => /^gemini-(2\.5|3)/.test(model) && !/-image|-tts/.test(model);

/** What the client asked about thinking, in whichever of its protocol's words. */
export interface ThinkingAsk {
  readonly effort?: ReasoningEffort;
  /** Anthropic-style thinking some clients send through OpenAI-compatible APIs. */
  readonly thinking?: { readonly type?: 'enabled' | 'disabled'; readonly budget_tokens?: number };
  /** Google's own `thinking_config` (`extra_body.google`). */
  readonly google?: GoogleExtras['thinking_config'];
  /** The client asked to read the thoughts (the Responses API's `reasoning.summary`). */
  readonly showThoughts?: boolean;
}

export interface ThinkingOptions {
  readonly choice: ModelChoice;
  /** THINKING_BUDGET_MAP: a model's budget when the client names none. */
  readonly thinkingBudgetMap: Readonly<Record<string, number>>;
  /** SHOW_THINKING_PROCESS: ask thinking models for their thoughts. */
  readonly showThinking: boolean;
}

/** Gemini's thinkingConfig for what the client asked; undefined when there is nothing to say. */
export function thinkingConfigOf(
  ask: ThinkingAsk,
  options: ThinkingOptions,
): GeminiThinkingConfig | undefined {
  const model = options.choice.model;
  const { effort, thinking, google } = ask;
  const config: GeminiThinkingConfig = {};
  if (isGemini3(model)) {
    if (effort) config.thinkingLevel = levelByEffort[effort];
  } else if (options.choice.nonThinking) {
    config.thinkingBudget = 0;
  } else if (effort) {
    config.thinkingBudget = budgetByEffort[effort];
  } else if (thinking?.type === 'disabled') {
    config.thinkingBudget = 0;
  } else if (thinking?.type === 'enabled' && thinking.budget_tokens !== undefined) {
    config.thinkingBudget = thinking.budget_tokens;
  } else if (Object.hasOwn(options.thinkingBudgetMap, model)) {
    config.thinkingBudget = options.thinkingBudgetMap[model];
  }
  if (google?.thinking_budget !== undefined) config.thinkingBudget = google.thinking_budget;
  if (google?.thinking_level !== undefined) config.thinkingLevel = google.thinking_level;
  const asked =
    (effort !== undefined && effort !== 'none') || thinking?.type === 'enabled' || ask.showThoughts === true;
  if (config.thinkingBudget !== 0 && (asked || (options.showThinking && thinks(model))))
    config.includeThoughts = true;
  if (google?.include_thoughts !== undefined) config.includeThoughts = google.include_thoughts;
  return Object.keys(config).length > 0 ? config : undefined;
}
