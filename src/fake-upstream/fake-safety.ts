import { type FakeError, invalidValueError } from './fake-errors.js';
import { field } from './fake-request.js';

// Safety settings as the Gemini API checks them, and the ratings of a blocked answer.

const harmCategories = [
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
] as const;

const harmBlockThresholds = [
  'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
  'BLOCK_LOW_AND_ABOVE',
  'BLOCK_MEDIUM_AND_ABOVE',
  'BLOCK_ONLY_HIGH',
  'BLOCK_NONE',
  'OFF',
] as const;

function isOneOf(value: unknown, allowed: readonly string[]): boolean {
  return typeof value === 'string' && allowed.includes(value);
}

/** The first invalid category or threshold, named by its snake_case path as Google does. */
export function safetySettingsProblem(settings: unknown, version: string): FakeError | undefined {
  if (settings === undefined) return undefined;
  if (!Array.isArray(settings))
    return invalidValueError('safety_settings', 'SafetySetting', settings, version);
  for (const [index, setting] of settings.entries()) {
    const category = field(setting, 'category');
    if (category !== undefined && !isOneOf(category, harmCategories)) {
      return invalidValueError(`safety_settings[${index}].category`, 'HarmCategory', category, version);
    }
    const threshold = field(setting, 'threshold');
    if (threshold !== undefined && !isOneOf(threshold, harmBlockThresholds)) {
      return invalidValueError(
        `safety_settings[${index}].threshold`,
        'SafetySetting.HarmBlockThreshold',
        threshold,
        version,
      );
    }
  }
  return undefined;
}

/** Ratings of blocked content: dangerous content rated HIGH and blocked, the rest NEGLIGIBLE. */
export function blockedSafetyRatings() {
  return [
    { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
    { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
  ];
}
