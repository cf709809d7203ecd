import { useEffect, useState } from 'preact/hooks';

/** The console's pages, by path: the seed's page paths, so bookmarks keep working. */
export const pages = ['/', '/keys', '/config', '/logs'] as const;
export type PagePath = (typeof pages)[number];

export interface Place {
  readonly path: string;
  readonly query: URLSearchParams;
}

const here = (): Place => ({ path: location.pathname, query: new URLSearchParams(location.search) });
const listeners = new Set<() => void>();

/** Goes to `href` within the console without reloading; `replace` rewrites the current entry. */
export function navigate(href: string, replace = false): void {
  if (href === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

/** The current path and query, following navigation and the browser's back and forward. */
export function usePlace(): Place {
  const [place, setPlace] = useState(here);
  useEffect(() => {
    const update = () => setPlace(here());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return place;
}

/** Replaces the query of the current page (filters live in the URL, so links and reloads keep them). */
export function setQuery(values: Record<string, string | undefined>): void {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) query.set(name, value);
  const text = query.toString();
  navigate(text ? `${location.pathname}?${text}` : location.pathname, true);
}
