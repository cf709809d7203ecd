import { formatCount, formatTime, formatTimeLeft } from '../../format';
import { useLanguage } from '../../i18n';
import type { KeyItem } from './types';

export const stateClass: Record<string, string> = {
  active: 'good',
  resting: 'warn',
  disabled: 'muted',
  refused: 'bad',
};

/** A key's state as a badge, with why it is switched off. */
export function StateBadge({ item }: { item: KeyItem }) {
  const { text } = useLanguage();
  return (
    <>
      <span class={`badge ${stateClass[item.state] ?? ''}`}>{text.keys.states[item.state]}</span>
      {item.disabled && (
        <div class="muted keys-small">
          {text.keys.disabledReasons[item.disabled.reason] ?? item.disabled.reason}
        </div>
      )}
    </>
  );
}

/** A key's standing per model: the rest's reason and time left, the failures in a row. */
export function ModelStates({ item, nowMs }: { item: KeyItem; nowMs: number }) {
  const { text } = useLanguage();
  if (item.models.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="keys-list">
      {item.models.map((model) => {
        const left = formatTimeLeft(model.restingUntil, nowMs);
        const resting = model.restingUntil !== null && left !== '—';
        return (
          <li key={model.model}>
            <span class="mono">{model.model}</span>{' '}
            {resting ? (
              <span class="warn">
                {text.keys.restingLeft(left)}
                {model.reason && ` · ${text.keys.reasons[model.reason] ?? model.reason}`}
              </span>
            ) : (
              <span class="muted">{text.keys.rested}</span>
            )}
            {model.rateLimitStreak > 0 && (
              <span class="muted"> · {text.keys.streak(model.rateLimitStreak)}</span>
            )}
            {model.softFailures > 0 && (
              <span class="muted"> · {text.keys.softFailures(model.softFailures)}</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function LastError({ item }: { item: KeyItem }) {
  const { language } = useLanguage();
  const error = item.lastError;
  if (!error) return <span class="muted">—</span>;
  return (
    <div class="keys-error">
      <span class="badge bad">{error.type}</span>
      {error.status !== null && <span class="mono"> {error.status}</span>}
      <div class="muted keys-small">{formatTime(error.at, language)}</div>
      <div class="keys-message" title={error.message}>
        {error.message}
      </div>
    </div>
  );
}

function Usage({ item }: { item: KeyItem }) {
  const { text, language } = useLanguage();
  const models = Object.entries(item.usage.models)
    .filter(([, usage]) => usage.today > 0)
    .sort((a, b) => b[1].today - a[1].today)
    .slice(0, 3);
  return (
    <>
      <div>
        {text.keys.usageLine(
          formatCount(item.usage.requests, language),
          formatCount(item.usage.failures, language),
          item.usage.requests,
        )}
      </div>
      {models.map(([model, usage]) => (
        <div key={model} class="muted keys-small">
          {text.keys.today(
            model,
            formatCount(usage.today, language),
            formatCount(usage.thisMinute, language),
          )}
        </div>
      ))}
    </>
  );
}

export function Tags({ tags }: { tags: readonly string[] }) {
  return (
    <>
      {tags.map((tag) => (
        <span key={tag} class="badge keys-tag">
          {tag}
        </span>
      ))}
    </>
  );
}

export interface KeyTableProps {
  readonly items: readonly KeyItem[];
  readonly selected: ReadonlySet<string>;
  readonly allMatching: boolean;
  readonly nowMs: number;
  onToggle(id: string, checked: boolean): void;
  onTogglePage(checked: boolean): void;
  onOpen(item: KeyItem): void;
}

/** One page of keys, each with a checkbox, its state per model, last error, usage, note and tags. */
export function KeyTable(props: KeyTableProps) {
  const { text } = useLanguage();
  const t = text.keys.table;
  const { items, selected, allMatching } = props;
  const pageSelected = items.length > 0 && items.every((item) => allMatching || selected.has(item.id));
  return (
    <div class="table-wrap">
      <table class="keys-table">
        <caption class="visually-hidden">{t.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="keys-check">
              <input
                type="checkbox"
                aria-label={t.selectPage}
                checked={pageSelected}
                disabled={items.length === 0}
                onChange={(event) => props.onTogglePage(event.currentTarget.checked)}
              />
            </th>
            <th scope="col">{t.key}</th>
            <th scope="col">{t.state}</th>
            <th scope="col">{t.models}</th>
            <th scope="col">{t.lastError}</th>
            <th scope="col">{t.usage}</th>
            <th scope="col">{t.tags}</th>
            <th scope="col">{t.actions}</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                {t.empty}
              </td>
            </tr>
          )}
          {items.map((item) => (
            <tr key={item.id} data-key-id={item.id}>
              <td class="keys-check">
                <input
                  type="checkbox"
                  aria-label={t.selectKey(item.masked)}
                  checked={allMatching || selected.has(item.id)}
                  onChange={(event) => props.onToggle(item.id, event.currentTarget.checked)}
                />
              </td>
              <td>
                <div class="mono">{item.masked}</div>
                <div class="mono muted keys-small">{item.id}</div>
                {item.source === 'settings' && (
                  <div class="muted keys-small">
                    {item.kind === 'vertex-express' ? t.fromVertexSettings : t.fromSettings}
                  </div>
                )}
              </td>
              <td>
                <StateBadge item={item} />
              </td>
              <td>
                <ModelStates item={item} nowMs={props.nowMs} />
              </td>
              <td>
                <LastError item={item} />
              </td>
              <td>
                <Usage item={item} />
              </td>
              <td>
                {item.note && (
                  <div class="keys-note" title={item.note}>
                    {item.note}
                  </div>
                )}
                <Tags tags={item.tags} />
              </td>
              <td>
                <button
                  type="button"
                  class="button"
                  aria-label={t.detailsOf(item.masked)}
                  onClick={() => props.onOpen(item)}
                >
                  {t.details}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
