import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, withQuery } from '../../api';
import type { Filter, LogPage, LogView } from './log-types';

export const pageRows = 50;

export interface LogPages<Row> {
  readonly rows: Row[];
  /** Where the next page starts; null at the end of the log. */
  readonly nextCursor: string | null;
  /** When the last page stopped at the edge of a bounded window: the time read through. */
  readonly scannedThrough: string | undefined;
  readonly loading: boolean;
  readonly error: unknown;
  more(): void;
  reload(): void;
}

interface State<Row> {
  /** The search the rows belong to. */
  readonly path: string;
  readonly rows: Row[];
  readonly nextCursor: string | null;
  readonly scannedThrough?: string;
  readonly loading: boolean;
  readonly error?: unknown;
}

/**
 * The rows of one log search, a page at a time: the first page read again whenever the search
 * changes (or on reload), further pages appended by cursor. An answer to an older search is dropped.
 */
export function useLogPages<Row>(view: LogView, filter: Filter, order: 'asc' | 'desc'): LogPages<Row> {
  const path = withQuery(`/api/logs/${view}`, { ...filter, order, limit: pageRows });
  const [state, setState] = useState<State<Row>>({ path, rows: [], nextCursor: null, loading: true });
  const [round, setRound] = useState(0);
  const search = useRef(0);
  const controller = useRef<AbortController | undefined>(undefined);

  const read = useCallback(
    (cursor: string | null) => {
      const call = ++search.current;
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setState((previous) => ({ ...previous, loading: true, error: undefined }));
      const url = cursor === null ? path : `${path}&cursor=${encodeURIComponent(cursor)}`;
      api<LogPage<Row>>(url, { signal: abort.signal }).then(
        (page) => {
          if (call !== search.current) return;
          setState((previous) => ({
            path,
            rows: cursor === null ? page.items : [...previous.rows, ...page.items],
            nextCursor: page.nextCursor,
            ...(page.scannedThrough === undefined ? {} : { scannedThrough: page.scannedThrough }),
            loading: false,
          }));
        },
        (error: unknown) => {
          if (call === search.current && !abort.signal.aborted)
            setState((previous) => ({ ...previous, loading: false, error }));
        },
      );
    },
    [path],
  );

  // `round` asks for the first page again (reload).
  useEffect(() => {
    setState({ path, rows: [], nextCursor: null, loading: true });
    read(null);
    return () => controller.current?.abort();
  }, [path, read, round]);

  const more = useCallback(() => {
    if (state.nextCursor !== null) read(state.nextCursor);
  }, [read, state.nextCursor]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  // Until the first page of a new search comes, the rows of the last one (another log's, perhaps)
  // are not shown as its rows.
  if (state.path !== path)
    return {
      rows: [],
      nextCursor: null,
      scannedThrough: undefined,
      loading: true,
      error: undefined,
      more,
      reload,
    };
  return {
    rows: state.rows,
    nextCursor: state.nextCursor,
    scannedThrough: state.scannedThrough,
    loading: state.loading,
    error: state.error,
    more,
    reload,
  };
}
