// Settings whose values are JSON, as gemini-balance stores them. Each parser checks the shape and
// says what was expected, never what was received (a value may be a secret).

function parseObject(text: string, expected: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`expected ${expected}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`expected ${expected}`);
  return parsed as Record<string, unknown>;
}

/** THINKING_BUDGET_MAP: `{"gemini-2.5-flash": 1024}` (a model's default thinking budget). */
export function parseNumberMap(text: string): Record<string, number> {
  const expected = 'a JSON object of model → number, such as {"gemini-2.5-flash": 1024}';
  const object = parseObject(text, expected);
  for (const value of Object.values(object)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(expected);
  }
  return object as Record<string, number>;
}

/**
 * ANTHROPIC_MODEL_MAP: `{"claude-sonnet-*": "gemini-2.5-pro"}`, the Gemini model for the model names
 * Anthropic's clients ask for (`*` globs, first match in the order written).
 */
export function parseModelMap(text: string): Record<string, string> {
  const expected =
    'a JSON object of model name pattern → Gemini model, such as {"claude-sonnet-*": "gemini-2.5-pro"}';
  const object = parseObject(text, expected);
  for (const [pattern, model] of Object.entries(object)) {
    if (pattern === '' || typeof model !== 'string' || model.trim() === '' || model.length > 256)
      throw new Error(expected);
  }
  return object as Record<string, string>;
}

/** CUSTOM_HEADERS: `{"X-Team": "search"}`, headers added to every upstream request. */
export function parseStringMap(text: string): Record<string, string> {
  const expected = 'a JSON object of header name → string value';
  const object = parseObject(text, expected);
  for (const [name, value] of Object.entries(object)) {
    if (typeof value !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(expected);
  }
  return object as Record<string, string>;
}

export interface SafetySetting {
  readonly category: string;
  readonly threshold: string;
}

/** SAFETY_SETTINGS: `[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]`. */
export function parseSafetySettings(text: string): SafetySetting[] {
  const expected = 'a JSON array of {"category": "HARM_CATEGORY_…", "threshold": "BLOCK_…"}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`expected ${expected}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`expected ${expected}`);
  return parsed.map((item) => {
    const { category, threshold } = (item ?? {}) as Record<string, unknown>;
    if (typeof category !== 'string' || typeof threshold !== 'string')
      throw new Error(`expected ${expected}`);
    return { category, threshold };
  });
}
