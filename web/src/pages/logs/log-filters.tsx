import { useState } from 'preact/hooks';
import { useText } from '../../i18n';
import {
  type Filter,
  type FilterName,
  filterNames,
  isoOfLocalInput,
  type LogView,
  localInputOf,
  outcomeClasses,
} from './log-types';

const presets = [
  ['lastHour', 3_600_000],
  ['lastDay', 86_400_000],
  ['lastWeek', 7 * 86_400_000],
] as const;

type Draft = Record<FilterName, string>;

function draftOf(filter: Filter): Draft {
  const draft = {} as Draft;
  for (const name of filterNames) draft[name] = filter[name] ?? '';
  draft.from = localInputOf(filter.from);
  draft.to = localInputOf(filter.to);
  return draft;
}

/**
 * The search's filters as a form; applying it hands the filter on (the page puts it in the URL).
 * A time left as it was keeps the URL's exact value, which the minute-precise input would round.
 */
export function LogFilters({
  view,
  filter,
  onApply,
}: {
  view: LogView;
  filter: Filter;
  onApply: (filter: Filter) => void;
}) {
  const text = useText();
  const labels = text.logs.filter;
  const [draft, setDraft] = useState(() => draftOf(filter));
  // Open on a wide screen; on a phone only when a filter is set (the rows come first there).
  const [open, setOpen] = useState(
    () => filterNames.some((name) => filter[name] !== undefined) || matchMedia('(min-width: 701px)').matches,
  );
  const set = (name: FilterName) => (event: { currentTarget: HTMLInputElement }) =>
    setDraft((previous) => ({ ...previous, [name]: event.currentTarget.value }));

  function submit(event: Event) {
    event.preventDefault();
    const next: Filter = {};
    for (const name of filterNames) {
      const value = draft[name].trim();
      if (!value) continue;
      if (name === 'from' || name === 'to') {
        const kept = value === localInputOf(filter[name]) ? filter[name] : isoOfLocalInput(value);
        if (kept) next[name] = kept;
      } else next[name] = value;
    }
    onApply(next);
  }

  function preset(ms: number) {
    const { from: _from, to: _to, ...rest } = filter;
    onApply({ ...rest, from: new Date(Date.now() - ms).toISOString() });
  }

  const field = (name: FilterName, input: preact.JSX.Element) => (
    <div class="field" key={name}>
      <label for={`logs-filter-${name}`}>{labels[name]}</label>
      {input}
    </div>
  );

  return (
    <details class="card logs-filters" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{labels.active(filterNames.filter((name) => filter[name] !== undefined).length)}</summary>
      <form onSubmit={submit} aria-label={labels.label}>
        <fieldset class="logs-presets">
          <legend class="visually-hidden">{labels.presets}</legend>
          {presets.map(([name, ms]) => (
            <button key={name} type="button" class="button" onClick={() => preset(ms)}>
              {labels[name]}
            </button>
          ))}
        </fieldset>
        <div class="logs-filter-grid">
          {field(
            'from',
            <input id="logs-filter-from" type="datetime-local" value={draft.from} onInput={set('from')} />,
          )}
          {field(
            'to',
            <input id="logs-filter-to" type="datetime-local" value={draft.to} onInput={set('to')} />,
          )}
          {field(
            'key',
            <input
              id="logs-filter-key"
              class="mono"
              value={draft.key}
              onInput={set('key')}
              pattern="[0-9a-f]{1,16}"
              title={labels.keyHint}
              spellcheck={false}
            />,
          )}
          {field(
            'model',
            <input id="logs-filter-model" value={draft.model} onInput={set('model')} spellcheck={false} />,
          )}
          {field(
            'route',
            <input id="logs-filter-route" value={draft.route} onInput={set('route')} spellcheck={false} />,
          )}
          {field(
            'status',
            <input
              id="logs-filter-status"
              value={draft.status}
              onInput={set('status')}
              pattern="[1-5][0-9][0-9]|[1-5]xx"
              title={labels.statusHint}
              placeholder="429, 5xx"
              inputMode="text"
            />,
          )}
          {field(
            'outcome',
            <input
              id="logs-filter-outcome"
              value={draft.outcome}
              onInput={set('outcome')}
              list="logs-outcomes"
              pattern="[a-z][a-z\-]{0,63}"
              title={labels.outcomeHint}
              spellcheck={false}
            />,
          )}
          {field(
            'client',
            <input
              id="logs-filter-client"
              class="mono"
              value={draft.client}
              onInput={set('client')}
              pattern="[0-9a-f]{16}|admin"
              title={labels.clientHint}
              spellcheck={false}
            />,
          )}
          {field(
            'text',
            <input
              id="logs-filter-text"
              type="search"
              value={draft.text}
              onInput={set('text')}
              maxLength={200}
              placeholder={view === 'errors' ? labels.textHintErrors : labels.textHintRequests}
            />,
          )}
        </div>
        <datalist id="logs-outcomes">
          {outcomeClasses
            .filter((name) => view === 'requests' || name !== 'ok')
            .map((name) => (
              <option key={name} value={name} />
            ))}
        </datalist>
        <div class="logs-filter-actions">
          <button type="submit" class="button primary">
            {labels.apply}
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              setDraft(draftOf({}));
              onApply({});
            }}
          >
            {labels.clear}
          </button>
        </div>
      </form>
    </details>
  );
}
