/**
 * The Gemini model behind a requested name, on either API, and the features its suffix asks for
 * (gemini-balance's derived names).
 */
export interface ModelChoice {
  readonly model: string;
  /** `-search`: answer with Google Search grounding. */
  readonly search: boolean;
  /** `-image`: answer with text and images. */
  readonly image: boolean;
  /** `-non-thinking`: a thinking budget of 0. */
  readonly nonThinking: boolean;
}

export interface ModelLists {
  readonly searchModels: readonly string[];
  readonly imageModels: readonly string[];
  readonly thinkingModels: readonly string[];
}

const suffixes = [
  ['-search', 'searchModels', 'search', 'with Google Search'],
  ['-image', 'imageModels', 'image', 'text and images'],
  ['-non-thinking', 'thinkingModels', 'nonThinking', 'no thinking'],
] as const;

/**
 * gemini-balance's derived model names: `gemini-2.5-flash-search` is gemini-2.5-flash with Google
 * Search, when gemini-2.5-flash is in SEARCH_MODELS. A suffix on a model not in its list is part of
 * the model's real name (`gemini-2.5-flash-image` is a model of its own).
 */
export function resolveModel(requested: string, lists: ModelLists): ModelChoice {
  const name = requested.replace(/^models\//, '');
  for (const [suffix, list, feature] of suffixes) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    if (lists[list].includes(base)) {
      return { model: base, search: false, image: false, nonThinking: false, [feature]: true };
    }
  }
  return { model: name, search: false, image: false, nonThinking: false };
}

/** The names derived from one model, each with what it adds, in the order of the suffixes. */
export function derivedNamesOf(model: string, lists: ModelLists): [name: string, adds: string][] {
  return suffixes
    .filter(([, list]) => lists[list].includes(model))
    .map(([suffix, , , adds]) => [`${model}${suffix}`, adds]);
}

/** The derived names listed beside the real models. */
export function derivedModelNames(lists: ModelLists): string[] {
  return suffixes.flatMap(([suffix, list]) => lists[list].map((model) => `${model}${suffix}`));
}
