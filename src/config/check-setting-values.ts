import { settingEntry } from './setting-catalog.js';
import { type Settings, settingsSchema } from './settings.js';

export type SettingName = keyof Settings & string;

/** One refused value: the setting's name (or `?` for a name that may be a secret) and why. */
export interface SettingProblem {
  readonly name: string;
  readonly message: string;
}

export interface CheckedValues {
  /** The values that parse and may change while the gateway runs. */
  readonly values: Partial<Settings>;
  readonly problems: readonly SettingProblem[];
}

const fields = settingsSchema.shape as Record<string, (typeof settingsSchema.shape)[SettingName]>;

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(fields, name);
}

// A name that looks like a setting can be repeated; anything else might be a key or a token
// pasted into the wrong field, so it is not.
const settingLikeName = /^[A-Z][A-Z0-9_]{0,63}$/;

function problemOf(name: string): string | undefined {
  if (!isSettingName(name)) return 'not a gemgate setting';
  if (name === 'AUTH_TOKEN')
    return 'restart needed: the admin token is not changed through the API it protects; set it in the environment or .env and restart';
  if (!settingEntry(name).live)
    return 'restart needed: it cannot change while gemgate runs; set it in the environment or .env and restart';
  return undefined;
}

/**
 * Values an operator wants saved, as the text they would write in `.env`: each one that parses and
 * may change while the gateway runs, and a problem for each other. Messages come from the
 * settings' own parsers, which never repeat a value. Pure.
 */
export function checkSettingValues(texts: Readonly<Record<string, string>>): CheckedValues {
  const problems: SettingProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(texts)) {
    const refusal = problemOf(name);
    if (refusal) {
      problems.push(
        settingLikeName.test(name)
          ? { name, message: refusal }
          : { name: '?', message: 'a name that is not a gemgate setting (not repeated: it may be a secret)' },
      );
      continue;
    }
    const parsed = fields[name]?.safeParse(text);
    if (parsed?.success) values[name] = parsed.data;
    else problems.push({ name, message: parsed?.error.issues[0]?.message ?? 'not a valid value' });
  }
  return { values: values as Partial<Settings>, problems };
}
