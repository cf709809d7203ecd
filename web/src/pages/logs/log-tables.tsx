import type { ComponentChildren } from 'preact';
import { formatCount, formatMs, formatTime } from '../../format';
import { useLanguage } from '../../i18n';
import { clientLabel, type ErrorRow, keyLabel, type RequestRow } from './log-types';

// The list shows the start of a message; the detail shows it whole.
const messageStartChars = 160;

export interface Selection {
  readonly selected: ReadonlySet<number>;
  toggle(id: number, on: boolean): void;
  /** Selects every row shown, or none. */
  togglePage(on: boolean): void;
}

export function statusClass(status: number | null): string {
  if (status === null) return 'muted';
  if (status >= 500) return 'bad';
  if (status >= 400) return 'warn';
  return 'good';
}

export function Outcome({ name }: { name: string | null }) {
  const ok = name === null || name === 'ok';
  return <span class={`badge ${ok ? 'good' : 'bad'}`}>{name ?? 'ok'}</span>;
}

function tokensOf(row: RequestRow): string {
  if (!row.tokens) return '—';
  return `${row.tokens.input} / ${row.tokens.output ?? '—'}`;
}

function Table({
  caption,
  head,
  rows,
  selection,
  children,
}: {
  caption: string;
  head: string[];
  rows: readonly { id: number }[];
  selection: Selection;
  children: ComponentChildren;
}) {
  const { text } = useLanguage();
  const all = rows.length > 0 && rows.every((row) => selection.selected.has(row.id));
  return (
    <div class="table-wrap">
      <table class="logs-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="logs-check">
              <input
                type="checkbox"
                aria-label={text.logs.selectPage}
                checked={all}
                disabled={rows.length === 0}
                onChange={(event) => selection.togglePage(event.currentTarget.checked)}
              />
            </th>
            {head.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function RowCheck({ id, selection, label }: { id: number; selection: Selection; label: string }) {
  return (
    <td class="logs-check">
      <input
        type="checkbox"
        aria-label={label}
        checked={selection.selected.has(id)}
        onChange={(event) => selection.toggle(id, event.currentTarget.checked)}
      />
    </td>
  );
}

export function RequestTable({
  rows,
  selection,
  onOpen,
}: {
  rows: readonly RequestRow[];
  selection: Selection;
  onOpen: (id: number) => void;
}) {
  const { text, language } = useLanguage();
  const columns = text.logs.columns;
  return (
    <Table
      caption={text.logs.requestsCaption}
      rows={rows}
      selection={selection}
      head={[
        columns.time,
        columns.route,
        columns.model,
        columns.key,
        columns.status,
        columns.outcome,
        columns.latency,
        columns.attempts,
        columns.tokens,
        columns.client,
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id} data-row-id={row.id}>
          <RowCheck id={row.id} selection={selection} label={text.logs.selectRow(row.id)} />
          <td class="logs-time">
            <button type="button" class="logs-open" onClick={() => onOpen(row.id)}>
              {formatTime(row.at, language)}
            </button>
          </td>
          <td>{row.route}</td>
          <td>{row.model ?? '—'}</td>
          <td class="mono">{keyLabel(row.key)}</td>
          <td class={`number ${statusClass(row.status)}`}>{row.status}</td>
          <td>
            <Outcome name={row.errorClass} />
          </td>
          <td class="number">{formatMs(row.latencyMs)}</td>
          <td class="number">{formatCount(row.attempts, language)}</td>
          <td class="number">{tokensOf(row)}</td>
          <td class="mono">{clientLabel(row.client)}</td>
        </tr>
      ))}
    </Table>
  );
}

export function ErrorTable({
  rows,
  selection,
  onOpen,
}: {
  rows: readonly ErrorRow[];
  selection: Selection;
  onOpen: (id: number) => void;
}) {
  const { text, language } = useLanguage();
  const columns = text.logs.columns;
  return (
    <Table
      caption={text.logs.errorsCaption}
      rows={rows}
      selection={selection}
      head={[columns.time, columns.key, columns.model, columns.type, columns.message]}
    >
      {rows.map((row) => (
        <tr key={row.id} data-row-id={row.id}>
          <RowCheck id={row.id} selection={selection} label={text.logs.selectRow(row.id)} />
          <td class="logs-time">
            <button type="button" class="logs-open" onClick={() => onOpen(row.id)}>
              {formatTime(row.at, language)}
            </button>
          </td>
          <td class="mono">{keyLabel(row.key)}</td>
          <td>{row.model ?? '—'}</td>
          <td>
            <Outcome name={row.errorType} /> <span class={statusClass(row.status)}>{row.status ?? '—'}</span>
          </td>
          <td class="logs-message">
            {row.message.length > messageStartChars
              ? `${row.message.slice(0, messageStartChars)}…`
              : row.message}
          </td>
        </tr>
      ))}
    </Table>
  );
}
