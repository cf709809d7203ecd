import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/**
 * The answer of a GET of the operator API, read again when `path` changes or on reload(); a slower
 * earlier answer never replaces a newer one. `refreshMs` reads it again on a timer.
 */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (path === null) return;
    const call = ++latest.current;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    api<T>(path, { signal: controller.signal }).then(
      (data) => {
        if (call === latest.current) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (call === latest.current && !controller.signal.aborted)
          setState((previous) => ({ data: previous.data, error, loading: false }));
      },
    );
    return () => controller.abort();
  }, [path, round]);
  useEffect(() => {
    if (!refreshMs || path === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setRound((value) => value + 1);
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
