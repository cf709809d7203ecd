import { isDeepStrictEqual } from 'node:util';
import { checkSettingValues, type SettingName, type SettingProblem } from './check-setting-values.js';
import { crossSettingProblems } from './cross-setting-problems.js';
import { type Settings, settingsSchema } from './settings.js';

export type SettingSource = 'default' | 'env' | 'saved';

/** One version of the settings in force. Frozen: a request that holds it sees it whole. */
export interface SettingsSnapshot {
  /** Grows by one with each change. */
  readonly version: number;
  readonly settings: Settings;
  readonly sources: Readonly<Record<SettingName, SettingSource>>;
  /** The text of each saved value, as the operator gave it. */
  readonly saved: Readonly<Partial<Record<SettingName, string>>>;
  /** For each saved value, what applies once it is forgotten: the environment's value, or the default. */
  readonly fallbacks: Readonly<Partial<Record<SettingName, SettingFallback>>>;
}

export interface SettingFallback {
  readonly source: Exclude<SettingSource, 'saved'>;
  readonly value: unknown;
}

/**
 * Where values an operator saved are kept (the database; later a store shared by instances), as
 * the text one would write in `.env`.
 */
export interface SavedSettingValues {
  load(): Promise<Record<string, string>>;
  /** Stores every value or none. */
  save(values: Readonly<Record<string, string>>): Promise<void>;
  forget(name: string): Promise<void>;
}

export type SaveResult =
  | { readonly ok: true; readonly snapshot: SettingsSnapshot }
  | { readonly ok: false; readonly problems: readonly SettingProblem[] };

export type SettingsListener = (next: SettingsSnapshot, previous: SettingsSnapshot) => void;

export interface SettingsStore {
  /** The settings in force: read once per request, then held for the rest of it. */
  current(): SettingsSnapshot;
  /** Checks every value, then saves them all and makes them current; or saves none. */
  save(texts: Readonly<Record<string, string>>): Promise<SaveResult>;
  /**
   * Forgets a saved value, so the environment's (or the default) applies again; or forgets nothing
   * when the settings it would leave do not go together (the problems say why).
   */
  forget(name: SettingName): Promise<SaveResult>;
  /** Called after each change, once the new snapshot is current, in the order of subscription. */
  subscribe(listener: SettingsListener): void;
  /**
   * Reads the saved values again, for a change another instance saved: makes them current if they
   * differ from those in force (a value that no longer parses is ignored, as at start).
   */
  reload(): Promise<SettingsSnapshot>;
}

export interface SettingsStoreOptions {
  /** The settings from defaults, the environment and `.env`. */
  readonly environment: Settings;
  /**
   * The text `environment` was parsed from, to tell a value the environment sets from a default.
   * Without it, a value equal to its default reads `default`.
   */
  readonly environmentText?: Readonly<Record<string, string | undefined>>;
  readonly saved: SavedSettingValues;
  /** A saved value that no longer parses or may no longer be saved: the environment's applies. */
  readonly onIgnored: (problem: SettingProblem) => void;
  /** A listener that failed: the change is made, and what the listener should have done is not. */
  readonly onListenerError: (error: unknown) => void;
  /** This instance saved or forgot a value: the other instances are told to reload. */
  readonly onSaved?: () => void;
}

const defaults = settingsSchema.parse({});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Whether the environment sets a setting: a blank value means the default, as the settings read
 * it. Without the environment's text, only a value other than the default shows that it is set.
 */
function setInEnvironment(
  environment: Settings,
  text: Readonly<Record<string, string | undefined>> | undefined,
): (name: SettingName) => boolean {
  if (text) return (name) => (text[name] ?? '').trim() !== '';
  return (name) => !isDeepStrictEqual(environment[name], defaults[name]);
}

/** A snapshot from the environment's settings and the saved values. Pure apart from freezing. */
export function layerSettings(
  environment: Settings,
  fromEnvironment: (name: SettingName) => boolean,
  saved: Readonly<Partial<Record<SettingName, string>>>,
  savedValues: Partial<Settings>,
  version: number,
): SettingsSnapshot {
  const settings = { ...environment, ...savedValues } as Settings;
  const sources = {} as Record<SettingName, SettingSource>;
  const fallbacks: Partial<Record<SettingName, SettingFallback>> = {};
  for (const name of Object.keys(environment) as SettingName[]) {
    const beneath = fromEnvironment(name) ? 'env' : 'default';
    sources[name] = Object.hasOwn(savedValues, name) ? 'saved' : beneath;
    if (sources[name] === 'saved') fallbacks[name] = { source: beneath, value: environment[name] };
  }
  return deepFreeze({
    version,
    settings: deepFreeze(structuredClone(settings)),
    sources,
    saved: { ...saved },
    fallbacks: structuredClone(fallbacks),
  });
}

/**
 * The settings store: defaults, then the environment and `.env`, then the values an operator
 * saved. Changes are made one at a time, each a new frozen snapshot swapped in whole, so a request
 * never sees half of a change.
 */
export async function openSettingsStore(options: SettingsStoreOptions): Promise<SettingsStore> {
  const { environment } = options;
  const fromEnvironment = setInEnvironment(environment, options.environmentText);
  /** The saved values that apply: those that parse and may be saved, each problem reported. */
  async function loadSaved() {
    const stored = await options.saved.load();
    const checked = checkSettingValues(stored);
    for (const problem of checked.problems) options.onIgnored(problem);
    return { texts: pick(stored, Object.keys(checked.values)), values: checked.values };
  }
  const initial = await loadSaved();
  let snapshot = layerSettings(environment, fromEnvironment, initial.texts, initial.values, 1);
  let savedValues = initial.values;
  const listeners: SettingsListener[] = [];
  // Changes wait for each other: the one saved last is the one in force.
  let queue: Promise<unknown> = Promise.resolve();

  function swap(texts: Partial<Record<SettingName, string>>, values: Partial<Settings>): SettingsSnapshot {
    const previous = snapshot;
    savedValues = values;
    snapshot = layerSettings(environment, fromEnvironment, texts, values, previous.version + 1);
    for (const listener of listeners) {
      try {
        listener(snapshot, previous);
      } catch (error) {
        options.onListenerError(error);
      }
    }
    return snapshot;
  }

  function serialized<T>(change: () => Promise<T>): Promise<T> {
    const result = queue.then(change);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    current: () => snapshot,
    save: (texts) =>
      serialized(async (): Promise<SaveResult> => {
        const { values, problems } = checkSettingValues(texts);
        if (problems.length > 0) return { ok: false, problems };
        const combined = crossSettingProblems({ ...snapshot.settings, ...values });
        if (combined.length > 0) return { ok: false, problems: combined };
        await options.saved.save(texts);
        const next = swap({ ...snapshot.saved, ...texts }, { ...savedValues, ...values });
        options.onSaved?.();
        return { ok: true, snapshot: next };
      }),
    forget: (name) =>
      serialized(async (): Promise<SaveResult> => {
        const { [name]: _text, ...texts } = snapshot.saved;
        const { [name]: _value, ...values } = savedValues;
        // The value that applies again may not go with the others saved (API_KEYS from the
        // environment holding a key saved in VERTEX_API_KEYS): checked as a save is.
        const left = layerSettings(environment, fromEnvironment, texts, values, snapshot.version);
        const problems = crossSettingProblems(left.settings);
        if (problems.length > 0) return { ok: false, problems };
        await options.saved.forget(name);
        const next = swap(texts, values);
        options.onSaved?.();
        return { ok: true, snapshot: next };
      }),
    reload: () =>
      serialized(async () => {
        const { texts, values } = await loadSaved();
        return isDeepStrictEqual(texts, snapshot.saved) ? snapshot : swap(texts, values);
      }),
    subscribe: (listener) => {
      listeners.push(listener);
    },
  };
}

function pick(texts: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, texts[name] as string]));
}
