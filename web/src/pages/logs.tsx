import './logs.css';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, download, withQuery } from '../api';
import { Modal } from '../components/modal';
import { Status } from '../components/status';
import { formatCount, formatTime } from '../format';
import { useLanguage } from '../i18n';
import { setQuery, usePlace } from '../router';
import { LogDetail } from './logs/log-detail';
import { LogFilters } from './logs/log-filters';
import { ErrorTable, RequestTable, type Selection } from './logs/log-tables';
import {
  type ErrorRow,
  type Filter,
  filterNames,
  filterOf,
  hasFilter,
  type LogView,
  orderOf,
  queryOf,
  type RequestRow,
  viewOf,
} from './logs/log-types';
import { useLogPages } from './logs/use-log-pages';

type Deletion = 'selected' | 'matching' | 'all';
const views = ['requests', 'errors'] as const;

function Tabs({ view, onView }: { view: LogView; onView: (view: LogView) => void }) {
  const { text } = useLanguage();
  return (
    <div class="logs-tabs" role="tablist" aria-label={text.logs.viewsLabel}>
      {views.map((name, index) => (
        <button
          key={name}
          type="button"
          role="tab"
          id={`logs-tab-${name}`}
          aria-controls="logs-panel"
          aria-selected={view === name}
          tabIndex={view === name ? 0 : -1}
          class="logs-tab"
          onClick={() => onView(name)}
          onKeyDown={(event) => {
            if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
            const next = views[(index + 1) % views.length] as LogView;
            onView(next);
            document.getElementById(`logs-tab-${next}`)?.focus();
          }}
        >
          {text.logs.views[name]}
        </button>
      ))}
    </div>
  );
}

/** The request and error logs: filters in the URL, pages by cursor, a row in detail, deletion and export. */
export function LogsPage() {
  const { text, language } = useLanguage();
  const { query } = usePlace();
  const view = viewOf(query);
  const order = orderOf(query);
  const search = query.toString();
  // The filter changes only with the URL's query.
  const filter = useMemo(() => filterOf(query), [search]);
  const pages = useLogPages<RequestRow | ErrorRow>(view, filter, order);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [detail, setDetail] = useState<number | undefined>();
  const [deletion, setDeletion] = useState<Deletion | undefined>();
  const [working, setWorking] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const logName = text.logs.logName[view];

  // A new search starts with nothing selected and no detail open.
  useEffect(() => {
    setSelected(new Set());
    setDetail(undefined);
    setProblem(undefined);
  }, [search]);

  const go = (nextView: LogView, nextFilter: Filter, nextOrder: 'asc' | 'desc') => {
    setNotice(undefined);
    setQuery(queryOf(nextView, nextFilter, nextOrder));
  };

  const selection: Selection = {
    selected,
    toggle(id, on) {
      const next = new Set(selected);
      if (on) next.add(id);
      else next.delete(id);
      setSelected(next);
    },
    togglePage(on) {
      setSelected(on ? new Set(pages.rows.map((row) => row.id)) : new Set());
    },
  };

  async function remove(kind: Deletion) {
    setWorking(true);
    setProblem(undefined);
    try {
      const body =
        kind === 'selected' ? { ids: [...selected] } : kind === 'matching' ? { filter } : { all: true };
      const answer = await api<{ deleted: number }>(`/api/logs/${view}/delete`, { method: 'POST', body });
      setNotice(text.logs.deleted(answer.deleted));
      setSelected(new Set());
      setDeletion(undefined);
      pages.reload();
    } catch (error) {
      setProblem(text.common.error((error as Error).message));
    } finally {
      setWorking(false);
    }
  }

  const filterList = filterNames
    .filter((name) => filter[name] !== undefined)
    .map((name) => {
      const value = filter[name] ?? '';
      const shown = name === 'from' || name === 'to' ? formatTime(value, language) : value;
      return `${text.logs.filter[name]}: ${shown}`;
    });

  return (
    <div class="logs-page">
      <h1>{text.logs.title}</h1>
      <Tabs view={view} onView={(next) => go(next, filter, order)} />
      <div id="logs-panel" role="tabpanel" aria-labelledby={`logs-tab-${view}`}>
        <LogFilters
          key={`${view}?${search}`}
          view={view}
          filter={filter}
          onApply={(next) => go(view, next, order)}
        />
        <div class="toolbar logs-actions">
          <button
            type="button"
            class="button"
            onClick={() => go(view, filter, order === 'desc' ? 'asc' : 'desc')}
          >
            {order === 'desc' ? text.logs.newestFirst : text.logs.oldestFirst}
          </button>
          <button type="button" class="button" onClick={pages.reload}>
            {text.common.refresh}
          </button>
          <button
            type="button"
            class="button"
            onClick={() => download(withQuery(`/api/logs/${view}/export`, { ...filter, format: 'csv' }))}
          >
            {text.logs.exportCsv}
          </button>
          <button
            type="button"
            class="button"
            onClick={() => download(withQuery(`/api/logs/${view}/export`, { ...filter, format: 'ndjson' }))}
          >
            {text.logs.exportNdjson}
          </button>
          <span class="logs-spacer" />
          <button
            type="button"
            class="button danger"
            disabled={selected.size === 0}
            onClick={() => setDeletion('selected')}
          >
            {text.logs.deleteSelected(selected.size)}
          </button>
          <button
            type="button"
            class="button danger"
            disabled={!hasFilter(filter)}
            onClick={() => setDeletion('matching')}
          >
            {text.logs.deleteMatching}
          </button>
          <button type="button" class="button danger" onClick={() => setDeletion('all')}>
            {text.logs.deleteAll}
          </button>
        </div>
        <div role="status" class="logs-status">
          {notice && <p class="notice">{notice}</p>}
          {!pages.loading && pages.error === undefined && (
            <p class="muted">
              {pages.rows.length === 0 && pages.nextCursor === null
                ? text.logs.empty
                : text.logs.shown(pages.rows.length, formatCount(pages.rows.length, language))}
              {hasFilter(filter) && ` · ${filterList.join(' · ')}`}
            </p>
          )}
        </div>
        {problem && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
        {view === 'requests' ? (
          <RequestTable rows={pages.rows as RequestRow[]} selection={selection} onOpen={setDetail} />
        ) : (
          <ErrorTable rows={pages.rows as ErrorRow[]} selection={selection} onOpen={setDetail} />
        )}
        {(pages.loading || pages.error !== undefined) && (
          <Status
            error={pages.error}
            onRetry={
              pages.error === undefined ? undefined : pages.rows.length === 0 ? pages.reload : pages.more
            }
          />
        )}
        {!pages.loading && pages.nextCursor !== null && (
          <div class="logs-more">
            {pages.scannedThrough !== undefined && (
              <p class="notice">
                {order === 'desc'
                  ? text.logs.scannedBack(formatTime(pages.scannedThrough, language))
                  : text.logs.scannedOn(formatTime(pages.scannedThrough, language))}
              </p>
            )}
            <button type="button" class="button" onClick={pages.more}>
              {pages.scannedThrough === undefined ? text.common.more : text.logs.searchFurther}
            </button>
          </div>
        )}
      </div>

      {detail !== undefined && (
        <LogDetail
          view={view}
          id={detail}
          onClose={() => setDetail(undefined)}
          onDeleted={() => {
            setDetail(undefined);
            setNotice(text.logs.deleted(1));
            pages.reload();
          }}
          onFilterKey={(key) => go(view, { ...filter, key }, order)}
        />
      )}

      {deletion !== undefined && (
        <Modal
          title={text.logs.confirmTitle}
          onClose={() => setDeletion(undefined)}
          role="alertdialog"
          closeButton={false}
        >
          <p>
            {deletion === 'selected'
              ? text.logs.confirmSelected(selected.size, logName)
              : deletion === 'matching'
                ? text.logs.confirmMatching(logName)
                : text.logs.confirmAll(logName)}
          </p>
          {deletion === 'matching' && (
            <ul class="logs-filter-list">
              {filterList.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          {problem && (
            <p class="problem" role="alert">
              {problem}
            </p>
          )}
          <div class="logs-dialog-actions">
            <button type="button" class="button" onClick={() => setDeletion(undefined)}>
              {text.common.cancel}
            </button>
            <button type="button" class="button danger" disabled={working} onClick={() => remove(deletion)}>
              {text.common.delete}
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
