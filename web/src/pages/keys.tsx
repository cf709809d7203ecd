import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, download, withQuery } from '../api';
import { Status } from '../components/status';
import { formatCount } from '../format';
import { useLanguage } from '../i18n';
import { setQuery, usePlace } from '../router';
import { useApi } from '../use-api';
import { AddKeysDialog, ConfirmDialog, ExportDialog } from './keys/add-keys';
import { KeyPanel } from './keys/key-panel';
import { KeyTable } from './keys/key-table';
import {
  errorClasses,
  filtersOf,
  type KeyFilters,
  type KeyItem,
  type KeyList,
  keySorts,
  keyStates,
  looksLikeWholeKey,
  narrows,
  pageSizes,
} from './keys/types';
import { useNow } from './keys/use-now';
import { useVerification, VerificationProgress } from './keys/verification';
import './keys.css';

/** Ids sent per call of a bulk action: a body of 100,000 ids is ~2 MB, split to keep each call short. */
const idsPerCall = 5_000;
/** The largest page GET /api/keys gives, used to collect every matching key's id. */
const collectPage = 500;

type Dialog = 'add' | 'export' | 'delete' | 'delete-refused' | undefined;
type Message = { ok: boolean; text: string } | undefined;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The key pool, a page at a time: filters and sort in the URL, pages by cursor, a selection of some
 * keys or of every key the filters match, and the actions on them.
 */
export function KeysPage() {
  const { text, language } = useLanguage();
  const t = text.keys;
  const { query } = usePlace();
  const filters = filtersOf(query);
  const filterKey = withQuery('', { ...filters });
  const count = (value: number) => formatCount(value, language);

  // The cursors of the pages before this one, reset when the filters change.
  const [pages, setPages] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = pages.key === filterKey ? pages.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const list = useApi<KeyList>(withQuery('/api/keys', { ...filters, cursor }), 15_000);
  const data = list.data;

  const [selection, setSelection] = useState<{ key: string; ids: Set<string>; all: boolean }>({
    key: filterKey,
    ids: new Set(),
    all: false,
  });
  const selected = selection.key === filterKey ? selection.ids : new Set<string>();
  const allMatching = selection.key === filterKey && selection.all;
  const selectedCount = allMatching ? (data?.matched ?? 0) : selected.size;
  const select = (ids: Set<string>, all = false) => setSelection({ key: filterKey, ids, all });

  const [open, setOpen] = useState<KeyItem>();
  const [dialog, setDialog] = useState<Dialog>();
  const [message, setMessage] = useState<Message>();
  const [busy, setBusy] = useState<string>();
  const verification = useVerification(list.reload);
  const nowMs = useNow(data?.items.some((item) => item.state === 'resting') ?? false);

  const [search, setSearch] = useState(filters.q ?? '');
  const [model, setModel] = useState(filters.model ?? '');
  const [tag, setTag] = useState(filters.tag ?? '');
  useEffect(() => {
    setSearch(filters.q ?? '');
    setModel(filters.model ?? '');
    setTag(filters.tag ?? '');
  }, [filters.q, filters.model, filters.tag]);

  const apply = (changes: Partial<Record<keyof KeyFilters, string | undefined>>) =>
    setQuery({ ...filters, ...changes } as Record<string, string | undefined>);

  const models = useMemo(() => {
    const names = new Set<string>();
    for (const item of data?.items ?? []) {
      for (const entry of item.models) names.add(entry.model);
      for (const name of Object.keys(item.usage.models)) names.add(name);
    }
    return [...names].sort();
  }, [data]);

  /** Every id the selection names: the page's picks, or each matching key, collected page by page. */
  async function selectedIds(): Promise<string[]> {
    if (!allMatching) return [...selected];
    const ids: string[] = [];
    let next: string | null | undefined;
    do {
      setBusy(t.collecting(count(ids.length)));
      const page: KeyList = await api(
        withQuery('/api/keys', { ...filters, sort: 'id', order: 'asc', limit: collectPage, cursor: next }),
      );
      for (const item of page.items) ids.push(item.id);
      next = page.nextCursor;
    } while (next);
    return ids;
  }

  /** The body that names the selection: every key at once when no filter narrows it. */
  const everyKey = () => allMatching && !narrows(filters);

  async function run(action: 'enable' | 'disable' | 'clear-cooldown') {
    setMessage(undefined);
    try {
      let total = 0;
      const field = { enable: 'enabled', disable: 'disabled', 'clear-cooldown': 'cleared' }[action];
      const bodies: unknown[] = [];
      if (everyKey()) bodies.push({ all: true });
      else {
        const ids = await selectedIds();
        for (let start = 0; start < ids.length; start += idsPerCall)
          bodies.push({ ids: ids.slice(start, start + idsPerCall) });
      }
      for (const body of bodies) {
        const answer = await api<Record<string, unknown>>(`/api/keys/${action}`, { method: 'POST', body });
        const value = answer[field];
        total += Array.isArray(value) ? value.length : Number(value ?? 0);
      }
      const done = { enable: t.enabled, disable: t.disabledDone, 'clear-cooldown': t.cleared }[action];
      setMessage({ ok: true, text: done(count(total), total) });
    } catch (error) {
      setMessage({ ok: false, text: text.common.error(errorText(error)) });
    } finally {
      setBusy(undefined);
      // The keys may have left the filter: a selection the page no longer shows would mislead.
      select(new Set());
      list.reload();
    }
  }

  async function verify() {
    setMessage(undefined);
    try {
      const onlyState = allMatching && filters.state && !narrows({ ...filters, state: undefined });
      const body = everyKey()
        ? { all: true }
        : onlyState
          ? { state: filters.state }
          : { ids: await selectedIds() };
      setBusy(undefined);
      select(new Set());
      await verification.start('/api/keys/verify', body);
    } catch (error) {
      setBusy(undefined);
      setMessage({ ok: false, text: text.common.error(errorText(error)) });
    }
  }

  async function remove(refused: boolean) {
    setDialog(undefined);
    setMessage(undefined);
    try {
      const removed: string[] = [];
      const returning: string[] = [];
      const take = (answer: { removed: string[]; returnsOnRestart: string[] }) => {
        removed.push(...answer.removed);
        returning.push(...answer.returnsOnRestart);
      };
      if (refused) take(await api('/api/keys/delete-refused', { method: 'POST', body: {} }));
      else {
        const ids = await selectedIds();
        for (let start = 0; start < ids.length; start += idsPerCall)
          take(
            await api('/api/keys/remove', {
              method: 'POST',
              body: { ids: ids.slice(start, start + idsPerCall) },
            }),
          );
        select(new Set());
      }
      const parts = [t.removed(count(removed.length), removed.length)];
      if (returning.length > 0) parts.push(t.returnsOnRestart(count(returning.length)));
      setMessage({ ok: true, text: parts.join(' ') });
    } catch (error) {
      setMessage({ ok: false, text: text.common.error(errorText(error)) });
    } finally {
      setBusy(undefined);
      list.reload();
    }
  }

  async function submitSearch(event: Event) {
    event.preventDefault();
    const typed = search.trim();
    const changes = { model: model.trim() || undefined, tag: tag.trim() || undefined };
    if (!looksLikeWholeKey(typed)) return apply({ ...changes, q: typed || undefined, id: undefined });
    // A whole key never goes into the URL: the pool names its id, and the list filters by that.
    setMessage(undefined);
    try {
      const found = await api<{ id: string }>('/api/keys/find', { method: 'POST', body: { key: typed } });
      setSearch('');
      apply({ ...changes, q: undefined, id: found.id });
    } catch (error) {
      setMessage({
        ok: false,
        text:
          error instanceof ApiError && error.status === 404
            ? t.keyNotFound
            : text.common.error(errorText(error)),
      });
    }
  }

  const pageIds = data?.items.map((item) => item.id) ?? [];
  const pageSelected = pageIds.length > 0 && pageIds.every((id) => allMatching || selected.has(id));
  const nothing = selectedCount === 0 || busy !== undefined || verification.running;

  return (
    <div class="keys-page">
      <div class="keys-head">
        <h1>{t.title}</h1>
        <div class="toolbar">
          <button type="button" class="button primary" onClick={() => setDialog('add')}>
            {t.add}
          </button>
          <button type="button" class="button" onClick={() => setDialog('export')}>
            {t.export}
          </button>
          <button type="button" class="button danger" onClick={() => setDialog('delete-refused')}>
            {t.deleteRefused}
          </button>
        </div>
      </div>

      <fieldset class="keys-tabs keys-fieldset">
        <legend class="visually-hidden">{t.stateTabs}</legend>
        {[undefined, ...keyStates].map((state) => (
          <button
            key={state ?? 'all'}
            type="button"
            class="button keys-tab"
            aria-pressed={filters.state === state}
            onClick={() => apply({ state })}
          >
            {state ? t.states[state] : t.allStates}{' '}
            <span class="keys-count">
              {data ? count(state ? data.counts[state] : data.counts.total) : '…'}
            </span>
          </button>
        ))}
      </fieldset>

      <form class="toolbar keys-filters" aria-label={t.filters} onSubmit={submitSearch}>
        <label class="field keys-search">
          <span>{t.search}</span>
          <input
            type="search"
            value={search}
            autocomplete="off"
            spellcheck={false}
            aria-describedby="keys-search-hint"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>{t.model}</span>
          <input list="keys-models" value={model} onInput={(event) => setModel(event.currentTarget.value)} />
          <datalist id="keys-models">
            {models.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label class="field">
          <span>{t.tag}</span>
          <input value={tag} size={10} onInput={(event) => setTag(event.currentTarget.value)} />
        </label>
        <button type="submit" class="button primary">
          {t.searchButton}
        </button>
        <label class="field">
          <span>{t.source}</span>
          <select
            value={filters.source ?? ''}
            onChange={(event) => apply({ source: event.currentTarget.value })}
          >
            <option value="">{t.anySource}</option>
            <option value="settings">{t.sources.settings}</option>
            <option value="runtime">{t.sources.runtime}</option>
          </select>
        </label>
        <label class="field">
          <span>{t.errorClass}</span>
          <select
            value={filters.errorClass ?? ''}
            onChange={(event) => apply({ errorClass: event.currentTarget.value })}
          >
            <option value="">{t.anyError}</option>
            {errorClasses.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t.sort}</span>
          <select
            value={filters.sort ?? 'id'}
            onChange={(event) => apply({ sort: event.currentTarget.value })}
          >
            {keySorts.map((name) => (
              <option key={name} value={name}>
                {t.sorts[name]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t.order}</span>
          <select
            value={filters.order ?? 'asc'}
            onChange={(event) => apply({ order: event.currentTarget.value })}
          >
            <option value="asc">{t.orders.asc}</option>
            <option value="desc">{t.orders.desc}</option>
          </select>
        </label>
        <label class="field">
          <span>{t.pageSize}</span>
          <select
            value={filters.limit ?? '50'}
            onChange={(event) => apply({ limit: event.currentTarget.value })}
          >
            {pageSizes.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="button" onClick={() => setQuery({})}>
          {text.common.reset}
        </button>
        <small id="keys-search-hint" class="muted keys-hint">
          {t.searchHint}
        </small>
      </form>

      {filters.id && (
        <p class="notice keys-one">
          {t.oneKey(filters.id)}{' '}
          <button type="button" class="button" onClick={() => apply({ id: undefined })}>
            {t.allKeys}
          </button>
        </p>
      )}

      <fieldset class="toolbar keys-bulk keys-fieldset">
        <legend class="visually-hidden">{t.bulk}</legend>
        <span class="keys-selected">{t.selected(count(selectedCount))}</span>
        {data && pageSelected && !allMatching && data.matched > pageIds.length && (
          <button type="button" class="button" onClick={() => select(new Set(), true)}>
            {t.selectMatching(count(data.matched))}
          </button>
        )}
        {selectedCount > 0 && (
          <button type="button" class="button" onClick={() => select(new Set())}>
            {t.clearSelection}
          </button>
        )}
        <button type="button" class="button" disabled={nothing} onClick={verify}>
          {t.verify}
        </button>
        <button type="button" class="button" disabled={nothing} onClick={() => run('enable')}>
          {t.enable}
        </button>
        <button type="button" class="button" disabled={nothing} onClick={() => run('disable')}>
          {t.disable}
        </button>
        <button type="button" class="button" disabled={nothing} onClick={() => run('clear-cooldown')}>
          {t.clearRest}
        </button>
        <button type="button" class="button danger" disabled={nothing} onClick={() => setDialog('delete')}>
          {t.delete}
        </button>
      </fieldset>
      {allMatching && data && <p class="muted">{t.allMatching(count(data.matched))}</p>}
      {busy && (
        <p role="status" class="muted">
          {busy}
        </p>
      )}
      {message && (
        <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'good' : 'bad'}>
          {message.text}
        </p>
      )}
      <VerificationProgress verification={verification} />

      {!data ? (
        <Status error={list.error} onRetry={list.reload} />
      ) : (
        <>
          {list.error !== undefined && <Status error={list.error} onRetry={list.reload} />}
          <p class="muted keys-matched">{t.matched(count(data.matched), data.matched)}</p>
          <KeyTable
            items={data.items}
            selected={selected}
            allMatching={allMatching}
            nowMs={nowMs}
            onToggle={(id, checked) => {
              const ids = new Set(allMatching ? pageIds : selected);
              if (checked) ids.add(id);
              else ids.delete(id);
              select(ids);
            }}
            onTogglePage={(checked) => {
              const ids = new Set(allMatching ? [] : selected);
              for (const id of pageIds) {
                if (checked) ids.add(id);
                else ids.delete(id);
              }
              select(ids);
            }}
            onOpen={setOpen}
          />
          <nav class="keys-pages" aria-label={t.pages}>
            <button
              type="button"
              class="button"
              disabled={cursors.length === 0}
              onClick={() => setPages({ key: filterKey, cursors: cursors.slice(0, -1) })}
            >
              {t.previous}
            </button>
            <span>{t.pageNumber(cursors.length + 1)}</span>
            <button
              type="button"
              class="button"
              disabled={!data.nextCursor}
              onClick={() =>
                data.nextCursor && setPages({ key: filterKey, cursors: [...cursors, data.nextCursor] })
              }
            >
              {t.next}
            </button>
            <button type="button" class="button" onClick={list.reload}>
              {text.common.refresh}
            </button>
          </nav>
        </>
      )}

      {open && <KeyPanel item={open} onClose={() => setOpen(undefined)} onChanged={list.reload} />}
      {dialog === 'add' && <AddKeysDialog onClose={() => setDialog(undefined)} onAdded={list.reload} />}
      {dialog === 'export' && (
        <ExportDialog
          onClose={() => setDialog(undefined)}
          onExport={(state, format) => {
            download(withQuery('/api/keys/export', { state, format }));
            setDialog(undefined);
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={t.confirmDelete(count(selectedCount), selectedCount)}
          body={t.confirmDeleteBody}
          confirm={t.delete}
          onConfirm={() => remove(false)}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog === 'delete-refused' && (
        <ConfirmDialog
          title={t.confirmDeleteRefused}
          body={t.confirmDeleteRefusedBody}
          confirm={t.deleteRefused}
          onConfirm={() => remove(true)}
          onClose={() => setDialog(undefined)}
        />
      )}
    </div>
  );
}
