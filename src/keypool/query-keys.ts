import type { KeyMeta } from './key-meta-store.js';
import type { KeyRow, KeySource } from './key-pool.js';
import type { KeyState } from './key-state.js';

/**
 * Where a key stands, one of four: switched off by Google's refusal (`refused`) or by an operator
 * (`disabled`), resting for at least one model now (`resting`), or none of these (`active`).
 */
export type KeyListState = 'active' | 'resting' | 'disabled' | 'refused';
export const keyListStates: readonly KeyListState[] = ['active', 'resting', 'disabled', 'refused'];

export type KeySort = 'id' | 'requests' | 'failures' | 'lastError' | 'restingUntil';
export const keySorts: readonly KeySort[] = ['id', 'requests', 'failures', 'lastError', 'restingUntil'];

/** Where a page ended: the last key's sort value and id (ids are unique, so the order is total). */
export interface KeyPosition {
  readonly value: number | string;
  readonly id: string;
}

export interface KeyQuery {
  readonly state?: KeyListState;
  /** One key only, by its id (the console lists a key found by POST /api/keys/find this way). */
  readonly id?: string;
  /** Keys with a state or usage for this model; it also picks the rest `restingUntil` sorts by. */
  readonly model?: string;
  /** The type of the key's last error (`invalid-key`, `quota-minute`, …). */
  readonly errorClass?: string;
  readonly source?: KeySource;
  readonly tag?: string;
  /** An id prefix, or part of the masked key, the note or a tag, whatever the case. */
  readonly text?: string;
  /** A key matched whatever `text` says: the one the text is (an operator pasted a whole key). */
  readonly exactId?: string;
  readonly sort: KeySort;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** Keys after this position only (the previous page's `next`). */
  readonly after?: KeyPosition;
}

export type KeyCounts = Record<KeyListState | 'total', number>;

export interface KeyPage {
  readonly items: readonly KeyRow[];
  /** Per state, the keys that pass every filter but `state`; `total` is their sum. */
  readonly counts: KeyCounts;
  /** Keys that pass every filter, across all pages. */
  readonly matched: number;
  /** Where the next page starts; absent on the last page. */
  readonly next?: KeyPosition;
}

export function keyListStateOf(state: KeyState, nowMs: number): KeyListState {
  const { disabled, models } = state;
  if (disabled) return disabled.reason === 'operator' ? 'disabled' : 'refused';
  for (const model in models) if ((models[model]?.coolUntilMs ?? 0) > nowMs) return 'resting';
  return 'active';
}

/**
 * The value a key sorts by. A rest sorts by when it ends (or ended: the time, not whether it is
 * over, so a page's position does not move as rests end); a key that never rested or failed sorts as 0.
 */
function sortValue(row: KeyRow, sort: KeySort, model: string | undefined): number | string {
  switch (sort) {
    case 'id':
      return row.key.id;
    case 'requests':
      return row.requests;
    case 'failures':
      return row.failures;
    case 'lastError':
      return row.state.lastError?.atMs ?? 0;
    case 'restingUntil': {
      if (model !== undefined)
        return Object.hasOwn(row.state.models, model) ? (row.state.models[model]?.coolUntilMs ?? 0) : 0;
      let latest = 0;
      for (const name in row.state.models)
        latest = Math.max(latest, row.state.models[name]?.coolUntilMs ?? 0);
      return latest;
    }
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two keys' positions: by sort value, then by id. A sort's values are all strings (ids)
 * or all numbers, and each gets its own comparison, so the pass stays monomorphic.
 */
function positionOrder(sort: KeySort, sign: number) {
  if (sort === 'id')
    return (_a: number | string, aId: string, _b: number | string, bId: string) =>
      sign * compareIds(aId, bId);
  return (a: number | string, aId: string, b: number | string, bId: string) =>
    sign * ((a as number) - (b as number) || compareIds(aId, bId));
}

/** What `q` matches: ids by prefix, the rest anywhere, whatever the case. */
interface TextMatch {
  readonly idPrefix: string;
  /** Case-insensitive without a lower-cased copy of each key's text, which 100,000 keys would allocate. */
  readonly anywhere: RegExp;
  readonly exactId: string | undefined;
}

function textMatchOf(query: KeyQuery): TextMatch | undefined {
  if (query.text === undefined) return undefined;
  return {
    idPrefix: query.text.toLowerCase(),
    anywhere: new RegExp(query.text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'), 'i'),
    exactId: query.exactId,
  };
}

function matchesText(row: KeyRow, meta: KeyMeta | undefined, text: TextMatch): boolean {
  if (row.key.id === text.exactId || row.key.id.startsWith(text.idPrefix)) return true;
  if (text.anywhere.test(row.key.masked)) return true;
  return (
    meta !== undefined && (text.anywhere.test(meta.note) || meta.tags.some((tag) => text.anywhere.test(tag)))
  );
}

/** Every filter but `state`: the counts per state follow them. */
function passes(row: KeyRow, meta: KeyMeta | undefined, query: KeyQuery, text?: TextMatch): boolean {
  if (query.id !== undefined && row.key.id !== query.id) return false;
  if (query.source !== undefined && row.source !== query.source) return false;
  // Own properties only: a model named `constructor` is not every key's.
  if (
    query.model !== undefined &&
    !Object.hasOwn(row.state.models, query.model) &&
    !row.usage.has(query.model)
  )
    return false;
  if (query.errorClass !== undefined && row.state.lastError?.type !== query.errorClass) return false;
  if (query.tag !== undefined && !meta?.tags.includes(query.tag)) return false;
  if (text !== undefined && !matchesText(row, meta, text)) return false;
  return true;
}

interface Candidate {
  readonly row: KeyRow;
  readonly value: number | string;
}

/**
 * One page of the keys that match `query`, in its order, with the counts per state. A single pass
 * over the keys keeps the `limit + 1` first ones after the cursor in a bounded heap: O(n log limit),
 * never a sort of every key, so a page of 100,000 keys costs about what a filter of them does.
 */
export function queryKeys(
  rows: readonly KeyRow[],
  metaOf: (id: string) => KeyMeta | undefined,
  query: KeyQuery,
  nowMs: number,
): KeyPage {
  const sign = query.order === 'asc' ? 1 : -1;
  const text = textMatchOf(query);
  const order = positionOrder(query.sort, sign);
  const compare = (a: Candidate, b: Candidate) => order(a.value, a.row.key.id, b.value, b.row.key.id);
  const after = query.after;
  const keep = query.limit + 1;
  // A max-heap on `compare`: its top is the last of the candidates kept, the first to go.
  const heap: Candidate[] = [];
  const counts: KeyCounts = { total: 0, active: 0, resting: 0, disabled: 0, refused: 0 };
  let matched = 0;

  const siftDown = (start: number) => {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && compare(heap[left] as Candidate, heap[largest] as Candidate) > 0)
        largest = left;
      if (right < heap.length && compare(heap[right] as Candidate, heap[largest] as Candidate) > 0)
        largest = right;
      if (largest === index) return;
      [heap[index], heap[largest]] = [heap[largest] as Candidate, heap[index] as Candidate];
      index = largest;
    }
  };
  const push = (candidate: Candidate) => {
    heap.push(candidate);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compare(heap[index] as Candidate, heap[parent] as Candidate) <= 0) return;
      [heap[index], heap[parent]] = [heap[parent] as Candidate, heap[index] as Candidate];
      index = parent;
    }
  };

  // Reads are kept to what the query needs: at 100,000 keys the pass is bound by memory, not by
  // arithmetic, and a note looked up per key would double its time.
  const needsMeta = query.tag !== undefined || text !== undefined;
  for (const row of rows) {
    const meta = needsMeta ? metaOf(row.key.id) : undefined;
    if (!passes(row, meta, query, text)) continue;
    const state = keyListStateOf(row.state, nowMs);
    counts[state] += 1;
    counts.total += 1;
    if (query.state !== undefined && state !== query.state) continue;
    matched += 1;
    const value = sortValue(row, query.sort, query.model);
    const id = row.key.id;
    if (after && order(value, id, after.value, after.id) <= 0) continue;
    if (heap.length < keep) {
      push({ row, value });
      continue;
    }
    // Compared before a candidate is made: past the first page's worth, most keys go no further.
    const top = heap[0] as Candidate;
    if (order(value, id, top.value, top.row.key.id) < 0) {
      heap[0] = { row, value };
      siftDown(0);
    }
  }

  const ordered = heap.sort(compare);
  const items = ordered.slice(0, query.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((candidate) => candidate.row),
    counts,
    matched,
    ...(ordered.length > query.limit && last ? { next: { value: last.value, id: last.row.key.id } } : {}),
  };
}
