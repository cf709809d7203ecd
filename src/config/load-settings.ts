import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { expandDatabaseUrl } from './parse-database-url.js';
import { type Settings, settingsSchema } from './settings.js';

/** A setting that failed validation; the message names the setting and never repeats its value. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/**
 * Validates settings from an environment (DATABASE_URL spelled out first); anything not a known
 * setting is ignored.
 */
export function parseSettings(environment: Readonly<Record<string, string | undefined>>): Settings {
  const result = settingsSchema.safeParse(expandDatabaseUrl(environment));
  if (result.success) return result.data;
  throw new SettingsError(
    result.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`),
  );
}

/**
 * The settings' text from the process environment over a `.env` file, as gemini-balance reads them:
 * a variable set in the environment wins over the same name in the file.
 */
export function readEnvironment(
  environment: Readonly<Record<string, string | undefined>> = process.env,
  envFilePath = '.env',
): Record<string, string | undefined> {
  let fileValues: Record<string, string> = {};
  try {
    fileValues = parseEnv(readFileSync(envFilePath, 'utf8')) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new SettingsError([`${envFilePath}: cannot be read (${(error as NodeJS.ErrnoException).code})`]);
    }
  }
  // Spelled out here too, so that the settings it sets are seen as the environment's.
  return expandDatabaseUrl({ ...fileValues, ...environment });
}
