/**
 * A value the operator API received as JSON, as the text one would write in `.env` (lists and maps
 * as JSON, which every list setting reads too); undefined for null, which is not a value.
 */
export function settingText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return undefined;
}
