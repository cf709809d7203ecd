import { OpenAIRequestError } from './openai-error.js';

// Hand-written type checks for OpenAI request bodies: they run on every request, where a schema
// library would cost more than the translation itself. Errors read like OpenAI's own
// (`Invalid type for 'n': expected an integer, but got a string instead.`), param and code included.

export type JsonObject = Record<string, unknown>;

type JsonKind = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

const kindNames: Record<JsonKind, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isKind(value: unknown, kind: JsonKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return kindNames[typeof value as JsonKind] ?? typeof value;
}

/** Throws OpenAI's `invalid_type` error unless `value` (the body's `param`) is one of `kinds`. */
export function expectType(value: unknown, param: string, ...kinds: JsonKind[]): void {
  if (kinds.some((kind) => isKind(value, kind))) return;
  throw new OpenAIRequestError(
    `Invalid type for '${param}': expected ${kinds.map((kind) => kindNames[kind]).join(' or ')}, but got ${describeValue(value)} instead.`,
    param,
    400,
    'invalid_type',
  );
}

/** As expectType, for a field the client may leave out or send as null (OpenAI's clients do both). */
export function expectOptionalType(value: unknown, param: string, ...kinds: JsonKind[]): void {
  if (value === undefined || value === null) return;
  expectType(value, param, ...kinds);
}

/** Checks optional fields of one object, all of the same kinds. */
export function expectOptionalFields(
  object: JsonObject,
  at: string,
  names: readonly string[],
  ...kinds: JsonKind[]
): void {
  for (const name of names) expectOptionalType(object[name], `${at}${name}`, ...kinds);
}

/** Throws OpenAI's `invalid_value` error unless an optional string field is one of `allowed`. */
export function expectOptionalValue(value: unknown, param: string, allowed: readonly string[]): void {
  if (value === undefined || value === null) return;
  expectType(value, param, 'string');
  if (allowed.includes(value as string)) return;
  throw new OpenAIRequestError(
    `Invalid value for '${param}': expected one of ${allowed.map((item) => `'${item}'`).join(', ')}.`,
    param,
    400,
    'invalid_value',
  );
}
