/** The settings as GET /api/config describes them, and how the page edits them: pure, no DOM. */

export type SettingType =
  | 'boolean'
  | 'integer'
  | 'number'
  | 'string'
  | 'url'
  | 'list'
  | 'map'
  | 'json'
  | 'enum';
export type SettingSource = 'default' | 'env' | 'saved';

export interface SettingView {
  readonly name: string;
  readonly group: string;
  /** Masked when secret. */
  readonly value: unknown;
  readonly source: SettingSource;
  /** For a saved value: what "Use environment value" brings back (masked like the value). */
  readonly fallback?: { readonly source: Exclude<SettingSource, 'saved'>; readonly value: unknown };
  readonly live: boolean;
  readonly applies: string;
  readonly secret: boolean;
  readonly revealable: boolean;
  readonly description: string;
  readonly type: SettingType;
  readonly min?: number;
  readonly max?: number;
  readonly options?: readonly string[];
}

export interface ConfigAnswer {
  readonly version: number;
  readonly settings: readonly SettingView[];
}

export interface ServerProblem {
  readonly name: string;
  readonly message: string;
}

/** Why a value typed in the page cannot be saved; the page words it in the operator's language. */
export type Problem =
  | { readonly code: 'required' | 'integer' | 'number' | 'json' | 'object' | 'url' }
  | { readonly code: 'range'; readonly min?: number; readonly max?: number };

export type Parsed =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: Problem };

type Kind = Pick<SettingView, 'type' | 'min' | 'max'>;

/** A value as the page's control holds it: lists one item a line, maps and JSON indented. */
export function textOf(kind: Kind, value: unknown): string {
  switch (kind.type) {
    case 'boolean':
      return value === true ? 'true' : 'false';
    case 'list':
      return Array.isArray(value) ? value.join('\n') : String(value ?? '');
    case 'map':
    case 'json':
      return JSON.stringify(value ?? null, null, 2);
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

/** A value on one line, for a note beside the control. */
export function shortTextOf(kind: Kind, value: unknown): string {
  if (kind.type === 'list' && Array.isArray(value)) return value.join(', ');
  if (kind.type === 'map' || kind.type === 'json') return JSON.stringify(value ?? null);
  return textOf(kind, value);
}

function inRange(kind: Kind, value: number): Parsed {
  if ((kind.min !== undefined && value < kind.min) || (kind.max !== undefined && value > kind.max)) {
    return {
      ok: false,
      problem: {
        code: 'range',
        ...(kind.min === undefined ? {} : { min: kind.min }),
        ...(kind.max === undefined ? {} : { max: kind.max }),
      },
    };
  }
  return { ok: true, value };
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: { code: 'json' } };
  }
}

/**
 * What the control's text means as a value PUT /api/config accepts, checked as the server would
 * (type, range, JSON shape) so a mistake is named beside its field before anything is sent.
 */
export function parseText(kind: Kind, text: string): Parsed {
  const trimmed = text.trim();
  switch (kind.type) {
    case 'boolean':
      return { ok: true, value: trimmed === 'true' };
    case 'integer':
      if (trimmed === '') return { ok: false, problem: { code: 'required' } };
      if (!/^[+-]?\d+$/.test(trimmed)) return { ok: false, problem: { code: 'integer' } };
      return inRange(kind, Number(trimmed));
    case 'number': {
      const value = Number(trimmed);
      if (trimmed === '') return { ok: false, problem: { code: 'required' } };
      if (!Number.isFinite(value)) return { ok: false, problem: { code: 'number' } };
      return inRange(kind, value);
    }
    case 'list':
      return {
        ok: true,
        value: text
          .split('\n')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      };
    case 'map': {
      const parsed = parseJson(text);
      if (!parsed.ok) return parsed;
      const { value } = parsed;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return { ok: false, problem: { code: 'object' } };
      return parsed;
    }
    case 'json': {
      const parsed = parseJson(text);
      if (parsed.ok && parsed.value === null) return { ok: false, problem: { code: 'json' } };
      return parsed;
    }
    case 'url':
      if (trimmed === '') return { ok: true, value: '' };
      try {
        new URL(trimmed);
        return { ok: true, value: trimmed };
      } catch {
        return { ok: false, problem: { code: 'url' } };
      }
    default:
      return { ok: true, value: text };
  }
}

const same = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right);

export interface Draft {
  readonly name: string;
  readonly text: string;
}

export interface PendingChanges {
  /** Values to send, by name: every draft that parses and differs from the value in force. */
  readonly values: Record<string, unknown>;
  /** Drafts that do not parse, by name. */
  readonly problems: Record<string, Problem>;
  /** How many settings would change (or are wrongly typed): what "Save changes" counts. */
  readonly count: number;
}

/**
 * The drafts that change something. `current` gives the value a draft is compared with: the
 * revealed value of a secret, else the one GET /api/config showed.
 */
export function pendingChanges(
  drafts: Readonly<Record<string, string>>,
  settings: readonly SettingView[],
  current: (setting: SettingView) => unknown,
): PendingChanges {
  const values: Record<string, unknown> = {};
  const problems: Record<string, Problem> = {};
  for (const setting of settings) {
    const text = drafts[setting.name];
    if (text === undefined) continue;
    const parsed = parseText(setting, text);
    if (!parsed.ok) problems[setting.name] = parsed.problem;
    else if (!same(parsed.value, current(setting))) values[setting.name] = parsed.value;
  }
  return { values, problems, count: Object.keys(values).length + Object.keys(problems).length };
}

/** Whether a setting matches the search: its name or its description, in any case. */
export function matches(setting: SettingView, description: string, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  return [setting.name, setting.description, description].some((text) => text.toLowerCase().includes(needle));
}

/** The seed's groups in the order its console shows them; a group it did not have comes last. */
export const groupOrder = [
  'API',
  'Model',
  'Media',
  'Image',
  'TTS',
  'Files',
  'Stream',
  'Log',
  'Sched',
  'Admin',
  'Server',
  'DB',
];

/** Settings by group, groups in the seed's order, settings in the server's order within each. */
export function byGroup(settings: readonly SettingView[]): [string, SettingView[]][] {
  const groups = new Map<string, SettingView[]>();
  for (const setting of settings) {
    const list = groups.get(setting.group) ?? [];
    list.push(setting);
    groups.set(setting.group, list);
  }
  const rank = (group: string) => {
    const index = groupOrder.indexOf(group);
    return index === -1 ? groupOrder.length : index;
  };
  return [...groups.entries()].sort(([left], [right]) => rank(left) - rank(right));
}
