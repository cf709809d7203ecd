import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { keyFormatProblem } from '../core/key-format-problem.js';
import { createKeyIdentity, type IdentifyKey } from '../core/key-identity.js';
import { describeKeyIdCollisions, findKeyIdCollisions } from '../keypool/find-key-id-collisions.js';
import { findKeysInText, maxMalformedReported } from '../keypool/find-keys-in-text.js';
import { checkSettingValues, isSettingName, type SettingName } from './check-setting-values.js';
import { parseBucketTarget, uploadSettingNames } from './parse-bucket-target.js';
import { parseList } from './parse-list.js';
import { seedSettingDefaults } from './seed-setting-defaults.js';
import { settingEntry } from './setting-catalog.js';
import { type Settings, settingsSchema } from './settings.js';
import type { SettingSource } from './settings-store.js';
import { asksForNothing, unsupportedSeedSettings } from './unsupported-seed-settings.js';

/** One row of gemini-balance's settings table: a setting's name and its value as text. */
export interface SeedRow {
  readonly name: string;
  readonly value: string | null;
}

/** What gemgate holds now, to take only what is new. */
export interface GemgateHoldings {
  /** The settings in force: defaults, the environment and .env, then saved values. */
  readonly settings: Settings;
  readonly sources: Readonly<Record<SettingName, SettingSource>>;
  /** Keys added at run time (the `api_key` table). */
  readonly runtimeKeys: readonly string[];
}

export interface SeedKey {
  readonly id: string;
  readonly masked: string;
  readonly secret: string;
}

/** What the import makes of the keys in the seed's API_KEYS. */
export interface SeedKeyPlan {
  /** Keys gemgate does not hold yet, each once, in the seed's order. */
  readonly fresh: readonly SeedKey[];
  /** Keys gemgate holds already (in API_KEYS or added at run time). */
  readonly present: number;
  /** Entries that repeat a key earlier in the seed's list. */
  readonly duplicates: number;
  /** Entries that are not keys: where (`entry 4`, or `line 2` of a list that does not parse) and why. */
  readonly malformed: readonly { readonly place: string; readonly problem: string }[];
  readonly malformedCount: number;
  /** Keys left out because another key holds their id; one sentence per key, names no key. */
  readonly collisions: readonly string[];
  /** Set when the value is not a list: the keys were then looked for anywhere in its text. */
  readonly listProblem?: string;
}

export type SeedRowDecision =
  | {
      readonly kind: 'take';
      readonly name: SettingName;
      /** The text saved, as PUT /api/config would save it. */
      readonly text: string;
      /** The value as gemgate reads it, for the report (masked there when secret). */
      readonly value: unknown;
      /** Where gemgate's value came from before. */
      readonly replaces: SettingSource;
    }
  | { readonly kind: 'skip'; readonly name: string; readonly reason: string }
  | { readonly kind: 'keys'; readonly name: 'API_KEYS'; readonly keys: SeedKeyPlan };

export interface SeedImportPlan {
  /** One per row, in the seed's order. */
  readonly decisions: readonly SeedRowDecision[];
  /** The settings to save, as PUT /api/config's values. */
  readonly settings: Readonly<Record<string, string>>;
  /** The keys to add to gemgate's key table. */
  readonly keys: readonly SeedKey[];
}

/**
 * Bigger than any setting gemgate has (a SAFETY_SETTINGS list is under 1 KiB): such a value is
 * not parsed, only reported. API_KEYS is exempt: a pool of 20 000 keys is some 800 KiB.
 */
export const maxSeedValueLength = 1024 * 1024;

// A name that looks like a setting can be repeated in the report; anything else might be a key
// or a token stored under the wrong name, so it is not.
const settingLikeName = /^[A-Z][A-Z0-9_]{0,63}$/;

const fields: Readonly<Record<string, z.ZodType>> = settingsSchema.shape;

const sourceNames: Readonly<Record<SettingSource, string>> = {
  default: "gemgate's default",
  env: 'the environment or .env',
  saved: 'a value saved in gemgate',
};

/**
 * Keys the seed's console added are in its API_KEYS row: they go to gemgate's key table (the
 * `api_key` rows POST /api/keys writes), not into gemgate's API_KEYS setting. There each is the
 * console's to manage: removed from the console it is gone for good, while a key of API_KEYS
 * returns on the next start unless the list is edited. It also keeps the pool out of one text
 * value (the seed's limit of some thousand keys) and out of the saved settings, which would
 * otherwise override the API_KEYS of .env from then on.
 */
function planKeys(text: string, holdings: GemgateHoldings, identify: IdentifyKey): SeedKeyPlan {
  const found: { secret: string; place: string }[] = [];
  const malformed: { place: string; problem: string }[] = [];
  let malformedCount = 0;
  let duplicates = 0;
  let listProblem: string | undefined;
  let entries: string[] | undefined;
  try {
    entries = parseList(text);
  } catch (error) {
    listProblem = (error as Error).message;
  }
  if (entries) {
    entries.forEach((entry, index) => {
      const inEntry = findKeysInText(entry);
      if (inEntry.keys.length === 1 && inEntry.keys[0] === entry) {
        found.push({ secret: entry, place: `entry ${index + 1}` });
        return;
      }
      malformedCount++;
      if (malformed.length === maxMalformedReported) return;
      malformed.push({
        place: `entry ${index + 1}`,
        // The entry is never repeated: a malformed key is still someone's secret.
        problem:
          keyFormatProblem(entry) ??
          inEntry.malformed[0]?.problem ??
          'is not a Google API key (AIza and 35 letters, digits, - or _)',
      });
    });
  } else {
    const inText = findKeysInText(text);
    inText.keys.forEach((secret, index) => {
      found.push({ secret, place: `line ${inText.lines[index]}` });
    });
    duplicates = inText.duplicates;
    malformed.push(...inText.malformed.map(({ line, problem }) => ({ place: `line ${line}`, problem })));
    malformedCount = inText.malformedCount;
  }

  const held = new Map<string, string>();
  for (const secret of [...holdings.settings.API_KEYS, ...holdings.runtimeKeys])
    held.set(identify(secret).id, secret);
  const seen = new Set<string>();
  let present = 0;
  const candidates: (SeedKey & { place: string })[] = [];
  for (const { secret, place } of found) {
    if (seen.has(secret)) {
      duplicates++;
      continue;
    }
    seen.add(secret);
    const identity = identify(secret);
    if (held.get(identity.id) === secret) present++;
    else candidates.push({ ...identity, secret, place });
  }
  // Two different keys with one id: gemgate's pool keeps only one and refuses to start with both,
  // so the later key is left out and said so.
  const collisions = findKeyIdCollisions(candidates, (id) => held.get(id));
  const refused = new Set(collisions.map((collision) => collision.index));
  return {
    fresh: candidates
      .filter((_, index) => !refused.has(index))
      .map(({ id, masked, secret }) => ({ id, masked, secret })),
    present,
    duplicates,
    malformed,
    malformedCount,
    collisions: collisions.map((collision) =>
      describeKeyIdCollisions([collision], (index) => `API_KEYS ${candidates[index]?.place ?? ''}`),
    ),
    ...(listProblem ? { listProblem } : {}),
  };
}

function skip(name: string, reason: string): SeedRowDecision {
  return { kind: 'skip', name, reason };
}

/** The decision for one row of a setting gemgate knows, other than API_KEYS. */
function planSetting(name: SettingName, text: string, holdings: GemgateHoldings): SeedRowDecision {
  if (settingEntry(name).group === 'DB')
    return skip(
      name,
      "the seed's database connection: gemgate finds its own database through its environment or .env, read before any database is opened",
    );
  if (text.length > maxSeedValueLength) return skip(name, 'larger than 1 MiB: not a value of this setting');
  const parsed = fields[name]?.safeParse(text);
  if (!parsed?.success)
    return skip(name, `not a valid value for gemgate: ${parsed?.error.issues[0]?.message ?? 'unreadable'}`);
  const source = holdings.sources[name];
  if (isDeepStrictEqual(parsed.data, holdings.settings[name]))
    return skip(name, `already gemgate's value (from ${sourceNames[source]})`);
  const seedDefault = seedSettingDefaults[name];
  if (seedDefault !== undefined && isDeepStrictEqual(fields[name]?.safeParse(seedDefault).data, parsed.data))
    return skip(
      name,
      source === 'default'
        ? "the seed's own default, which gemgate's differs from; PUT /api/config saves it if you relied on it"
        : `the seed's own default: gemgate keeps its value from ${sourceNames[source]}`,
    );
  // An operator's choice made in gemgate's console is newer than anything in the seed.
  if (source === 'saved')
    return skip(name, 'gemgate has a value of its own saved through PUT /api/config: it is not overwritten');
  const checked = checkSettingValues({ [name]: text });
  const problem = checked.problems[0];
  if (problem) return skip(name, problem.message);
  return { kind: 'take', name, text, value: parsed.data, replaces: source };
}

function planRow(
  name: string,
  value: string | null,
  holdings: GemgateHoldings,
  identify: IdentifyKey,
): SeedRowDecision {
  if (!settingLikeName.test(name))
    return skip('?', 'a name that is not a setting (not repeated: it may be a secret)');
  const text = (value ?? '').trim();
  if (name === 'API_KEYS') return { kind: 'keys', name, keys: planKeys(text, holdings, identify) };
  if (unsupportedSeedSettings.includes(name)) {
    if (asksForNothing(text)) return skip(name, 'empty in the seed: nothing to take');
    return skip(name, 'gemgate does not support this setting yet: it is left behind');
  }
  if (!isSettingName(name)) return skip(name, 'unknown to gemgate');
  if (text === '') return skip(name, 'empty in the seed: nothing to take');
  return planSetting(name, text, holdings);
}

const uploadSettings = new Set<string>(uploadSettingNames);

/**
 * Settings each fine alone can be wrong together (UPLOAD_PROVIDER aliyun_oss without its bucket),
 * and PUT /api/config refuses such a save whole: the seed's image upload settings are then left
 * behind together, and the rest is taken.
 */
function leaveIncompleteUploadBehind(
  decisions: readonly SeedRowDecision[],
  holdings: GemgateHoldings,
): readonly SeedRowDecision[] {
  const taken: Record<string, unknown> = {};
  for (const decision of decisions) if (decision.kind === 'take') taken[decision.name] = decision.value;
  const { problems } = parseBucketTarget({ ...holdings.settings, ...taken } as Settings);
  if (problems.length === 0) return decisions;
  const names = [...new Set(problems.map((problem) => problem.name))].join(', ');
  return decisions.map((decision) =>
    decision.kind === 'take' && uploadSettings.has(decision.name)
      ? skip(
          decision.name,
          `with the seed's other image upload settings, incomplete for gemgate (${names}): they are left behind together`,
        )
      : decision,
  );
}

/**
 * Decides, for each row of gemini-balance's settings table, what gemgate takes: settings it knows
 * and may save while it runs, checked by the checks of PUT /api/config, when they differ from what
 * gemgate has; the keys of API_KEYS for its key table. Everything else is skipped with a reason
 * that names no value. Taking only what is new makes a second run take nothing. Pure.
 */
export function planSeedImport(
  rows: readonly SeedRow[],
  holdings: GemgateHoldings,
  /** How keys are named (createKeyIdentity); tests pass one with short ids to force collisions. */
  identify: IdentifyKey = createKeyIdentity,
): SeedImportPlan {
  // The seed reads its rows into a map: a name given twice keeps its last value.
  const last = new Map<string, number>();
  rows.forEach((row, index) => {
    last.set(row.name, index);
  });
  const decisions = leaveIncompleteUploadBehind(
    rows.map((row, index) =>
      last.get(row.name) === index
        ? planRow(row.name, row.value, holdings, identify)
        : skip(
            settingLikeName.test(row.name) ? row.name : '?',
            'a later row has the same name, and the seed reads the last',
          ),
    ),
    holdings,
  );
  const settings: Record<string, string> = {};
  const keys: SeedKey[] = [];
  for (const decision of decisions) {
    if (decision.kind === 'take') settings[decision.name] = decision.text;
    if (decision.kind === 'keys') keys.push(...decision.keys.fresh);
  }
  return { decisions, settings, keys };
}
