import { maskKey } from '../core/key-identity.js';
import type { SettingName } from './check-setting-values.js';
import type { UpstreamBase } from './parse-base-url.js';
import { type SettingGroup, settingEntry } from './setting-catalog.js';
import { type SettingKind, settingKinds, settingsSchema } from './settings.js';
import type { SettingFallback, SettingSource, SettingsSnapshot } from './settings-store.js';

/** A setting as the operator API shows it. */
export interface SettingDescription extends SettingKind {
  readonly name: SettingName;
  readonly group: SettingGroup;
  /** As JSON, in a form `PUT /api/config` accepts back; secrets masked. */
  readonly value: unknown;
  readonly source: SettingSource;
  /**
   * For a saved value: what `DELETE /api/config/{NAME}` brings back, the environment's value or
   * the default (masked like the value).
   */
  readonly fallback?: SettingFallback;
  readonly live: boolean;
  readonly applies: 'next request' | 'restart needed';
  readonly secret: boolean;
  /** Whether `GET /api/config/{NAME}/value` shows it unmasked (every setting but the admin token). */
  readonly revealable: boolean;
  readonly description: string;
}

/** The setting whose value the API never shows, not even to an operator: see revealable. */
export const unrevealedSetting = 'AUTH_TOKEN';

const fields = settingsSchema.shape as Record<string, Parameters<typeof settingKinds.get>[0]>;

/** What kind of value a setting holds (settings.ts declares it with the setting's parser). */
export function settingKind(name: SettingName): SettingKind {
  const field = fields[name];
  return (field && settingKinds.get(field)) ?? { type: 'string' };
}

/** A setting's value as PUT /api/config accepts it back, unmasked. */
export function settingValue(snapshot: SettingsSnapshot, name: SettingName): unknown {
  return shown(name, snapshot.settings[name]);
}

// A mask shows the ends of a long secret, so an operator can tell keys apart; a short one (a
// password, a hand-made token) would give too much of itself away, so it shows nothing.
const shortestMaskedSecret = 16;

/** A secret setting's value as an operator may see it: the ends of long strings, nothing of short ones. */
export function maskSecretValue(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === '') return '';
    return value.length >= shortestMaskedSecret ? maskKey(value) : '…';
  }
  if (Array.isArray(value)) return value.map(maskSecretValue);
  return '…';
}

function shown(name: SettingName, value: unknown): unknown {
  // The base URLs are kept parsed; each is shown as the URL it was written as.
  if (name === 'BASE_URL' || name === 'VERTEX_EXPRESS_BASE_URL') {
    const base = value as UpstreamBase;
    return base.origin + base.pathPrefix;
  }
  return value;
}

export function describeSetting(snapshot: SettingsSnapshot, name: SettingName): SettingDescription {
  const entry = settingEntry(name);
  const value = settingValue(snapshot, name);
  const mask = (shownValue: unknown) => (entry.secret ? maskSecretValue(shownValue) : shownValue);
  const fallback = snapshot.fallbacks[name];
  return {
    name,
    group: entry.group,
    ...settingKind(name),
    value: mask(value),
    source: snapshot.sources[name],
    ...(fallback ? { fallback: { source: fallback.source, value: mask(shown(name, fallback.value)) } } : {}),
    live: entry.live,
    applies: entry.live ? 'next request' : 'restart needed',
    secret: entry.secret,
    revealable: name !== unrevealedSetting,
    description: entry.description,
  };
}

/** Every setting, in the order settings.ts declares them. Pure. */
export function describeSettings(snapshot: SettingsSnapshot): SettingDescription[] {
  return (Object.keys(snapshot.sources) as SettingName[]).map((name) => describeSetting(snapshot, name));
}
