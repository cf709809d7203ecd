import { useState } from 'preact/hooks';
import { api, withQuery } from '../../api';
import { LineChart } from '../../components/chart';
import { Modal } from '../../components/modal';
import { Status } from '../../components/status';
import { type Column, Table } from '../../components/table';
import { formatCount, formatMs, formatTime, formatTimeLeft } from '../../format';
import { useLanguage } from '../../i18n';
import { useApi } from '../../use-api';
import { LastError, StateBadge, Tags } from './key-table';
import { type KeyItem, parseTags } from './types';
import { useNow } from './use-now';
import { useVerification, VerificationProgress } from './verification';

interface SeriesAnswer {
  readonly bucketMs: number;
  readonly series: readonly {
    readonly points: readonly {
      bucket: number;
      requests: number;
      attempts?: number;
      failedAttempts?: number;
      failures?: number;
    }[];
  }[];
}

interface ErrorRow {
  readonly id: number;
  readonly at: string;
  readonly model: string | null;
  readonly status: number | null;
  readonly errorType: string;
  readonly message: string;
}

interface RequestRow {
  readonly id: number;
  readonly at: string;
  readonly model: string | null;
  readonly status: number;
  readonly success: boolean;
  readonly errorClass: string | null;
  readonly attempts: number;
  readonly latencyMs: number;
}

const dayMs = 86_400_000;

/** Hourly attempts and failed attempts of one key over a day, every hour present (an hour without any is 0). */
function Usage({ item }: { item: KeyItem }) {
  const { text } = useLanguage();
  const t = text.keys.panel;
  const loaded = useApi<SeriesAnswer>(
    withQuery('/api/stats/series', { by: 'key', key: item.id, range: '24h' }),
  );
  if (!loaded.data) return <Status error={loaded.error} onRetry={loaded.reload} />;
  const { bucketMs } = loaded.data;
  const points = loaded.data.series[0]?.points ?? [];
  if (points.length === 0) return <p class="muted">{t.noUsage}</p>;
  const byBucket = new Map(points.map((point) => [point.bucket, point]));
  const last = Math.floor(Date.now() / bucketMs) * bucketMs;
  const times: number[] = [];
  for (let bucket = last - dayMs + bucketMs; bucket <= last; bucket += bucketMs) times.push(bucket);
  return (
    <LineChart
      label={t.chartLabel(item.masked)}
      times={times}
      height={180}
      series={[
        {
          // Each time the key was tried: a request it failed over from counts here, not as its request.
          label: t.requests,
          values: times.map((bucket) => {
            const point = byBucket.get(bucket);
            return point ? (point.attempts ?? point.requests) : 0;
          }),
        },
        {
          label: t.failures,
          values: times.map((bucket) => {
            const point = byBucket.get(bucket);
            return point ? (point.failedAttempts ?? point.failures ?? 0) : 0;
          }),
        },
      ]}
    />
  );
}

/** The key's last ten rows of one log, as a table; a line when there are none. */
function RecentRows<Row extends { id: number }>(props: {
  path: string;
  caption: string;
  empty: string;
  columns: readonly Column<Row>[];
}) {
  const loaded = useApi<{ items: Row[] }>(props.path);
  if (!loaded.data) return <Status error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data.items.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <Table
      caption={props.caption}
      rows={loaded.data.items}
      rowKey={(row) => row.id}
      columns={props.columns}
    />
  );
}

function RecentErrors({ id }: { id: string }) {
  const { text, language } = useLanguage();
  const t = text.keys.panel;
  return (
    <RecentRows<ErrorRow>
      path={withQuery('/api/logs/errors', { key: id, limit: 10 })}
      caption={t.errors}
      empty={t.noErrors}
      columns={[
        { head: t.time, cell: (row) => formatTime(row.at, language) },
        { head: t.model, cellClass: () => 'mono', cell: (row) => row.model ?? '—' },
        { head: t.status, cellClass: () => 'mono', cell: (row) => row.status ?? '—' },
        { head: t.type, cell: (row) => row.errorType },
        {
          head: t.message,
          cell: (row) => (
            <div class="keys-message" title={row.message}>
              {row.message}
            </div>
          ),
        },
      ]}
    />
  );
}

function RecentRequests({ id }: { id: string }) {
  const { text, language } = useLanguage();
  const t = text.keys.panel;
  return (
    <RecentRows<RequestRow>
      path={withQuery('/api/logs/requests', { key: id, limit: 10 })}
      caption={t.attempts}
      empty={t.noAttempts}
      columns={[
        { head: t.time, cell: (row) => formatTime(row.at, language) },
        { head: t.model, cellClass: () => 'mono', cell: (row) => row.model ?? '—' },
        { head: t.status, cellClass: () => 'mono', cell: (row) => row.status },
        { head: t.outcome, cell: (row) => (row.success ? t.ok : (row.errorClass ?? '—')) },
        { head: t.attemptCount, numeric: true, cell: (row) => formatCount(row.attempts, language) },
        { head: t.latency, numeric: true, cell: (row) => formatMs(row.latencyMs) },
      ]}
    />
  );
}

function NoteAndTags({ item, onSaved }: { item: KeyItem; onSaved: () => void }) {
  const { text } = useLanguage();
  const t = text.keys.panel;
  const [note, setNote] = useState(item.note);
  const [tags, setTags] = useState(item.tags.join(' '));
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string }>();
  const [saving, setSaving] = useState(false);
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        setSaving(true);
        setOutcome(undefined);
        try {
          await api(`/api/keys/${item.id}/meta`, { method: 'PUT', body: { note, tags: parseTags(tags) } });
          setOutcome({ ok: true, message: t.saved });
          onSaved();
        } catch (error) {
          setOutcome({
            ok: false,
            message: text.common.error(error instanceof Error ? error.message : String(error)),
          });
        } finally {
          setSaving(false);
        }
      }}
    >
      <label class="field">
        <span>{t.note}</span>
        <textarea
          value={note}
          maxLength={1000}
          rows={2}
          onInput={(event) => setNote(event.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>{t.tags}</span>
        <input
          value={tags}
          onInput={(event) => setTags(event.currentTarget.value)}
          aria-describedby={`tags-hint-${item.id}`}
        />
        <small id={`tags-hint-${item.id}`} class="muted">
          {t.tagsHint}
        </small>
      </label>
      <button type="submit" class="button primary" disabled={saving}>
        {t.saveMeta}
      </button>
      {outcome && (
        <p role={outcome.ok ? 'status' : 'alert'} class={outcome.ok ? 'good' : 'bad'}>
          {outcome.message}
        </p>
      )}
    </form>
  );
}

/** Reveals or copies the key itself: read only when asked, kept only while shown. */
function Secret({ id }: { id: string }) {
  const { text } = useLanguage();
  const t = text.keys.panel;
  const [secret, setSecret] = useState<string>();
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const read = async () => (await api<{ key: string }>(`/api/keys/${id}/secret`)).key;
  return (
    <div>
      <div class="keys-secret">
        <label class="field">
          <span>{t.secret}</span>
          <input class="mono" readOnly value={secret ?? '••••••••••••••••'} size={44} />
        </label>
        <button
          type="button"
          class="button"
          onClick={async () => {
            if (secret !== undefined) return setSecret(undefined);
            try {
              setSecret(await read());
            } catch (error) {
              setMessage({
                ok: false,
                text: text.common.error(error instanceof Error ? error.message : String(error)),
              });
            }
          }}
        >
          {secret === undefined ? t.reveal : t.hide}
        </button>
        <button
          type="button"
          class="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(secret ?? (await read()));
              setMessage({ ok: true, text: t.copied });
            } catch {
              setMessage({ ok: false, text: t.copyFailed });
            }
          }}
        >
          {t.copy}
        </button>
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'good' : 'bad'}>
          {message.text}
        </p>
      )}
    </div>
  );
}

/**
 * One key in full: its state per model (each rest clearable), actions, usage chart, recent errors
 * and requests, note and tags, and the key itself on request.
 */
export function KeyPanel(props: { item: KeyItem; onClose: () => void; onChanged: () => void }) {
  const { text, language } = useLanguage();
  const t = text.keys.panel;
  const loaded = useApi<KeyItem>(`/api/keys/${props.item.id}`);
  const item = loaded.data ?? props.item;
  const nowMs = useNow(item.state === 'resting');
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [confirming, setConfirming] = useState(false);
  const changed = () => {
    loaded.reload();
    props.onChanged();
  };
  const verification = useVerification(changed);
  const act = async (path: string, done: (answer: Record<string, unknown>) => string) => {
    setMessage(undefined);
    try {
      const answer = await api<Record<string, unknown>>(path, { method: 'POST' });
      setMessage({ ok: true, text: done(answer) });
      changed();
    } catch (error) {
      setMessage({
        ok: false,
        text: text.common.error(error instanceof Error ? error.message : String(error)),
      });
    }
  };
  const amount = (value: unknown) => (Array.isArray(value) ? value.length : Number(value ?? 0));
  const count = (value: unknown) =>
    formatCount(Array.isArray(value) ? value.length : Number(value ?? 0), language);
  const base = `/api/keys/${item.id}`;
  return (
    <Modal title={t.title(item.masked)} onClose={props.onClose} wide>
      <dl class="keys-facts">
        <dt>{t.id}</dt>
        <dd class="mono">{item.id}</dd>
        <dt>{t.source}</dt>
        <dd>{item.kind === 'vertex-express' ? text.keys.vertexSource : text.keys.sources[item.source]}</dd>
        <dt>{t.state}</dt>
        <dd>
          <StateBadge item={item} />
          {item.disabled?.since && (
            <span class="muted keys-small"> {t.since(formatTime(item.disabled.since, language))}</span>
          )}
        </dd>
        <dt>{text.keys.table.lastError}</dt>
        <dd>
          <LastError item={item} />
        </dd>
        <dt>{text.keys.table.usage}</dt>
        <dd>
          {text.keys.usageLine(count(item.usage.requests), count(item.usage.failures), item.usage.requests)}
        </dd>
        {item.tags.length > 0 && (
          <>
            <dt>{t.tags}</dt>
            <dd>
              <Tags tags={item.tags} />
            </dd>
          </>
        )}
      </dl>

      <div class="toolbar keys-panel-actions">
        <button
          type="button"
          class="button"
          disabled={verification.running}
          onClick={() => verification.start(`${base}/verify`)}
        >
          {t.verifyOne}
        </button>
        {item.status === 'disabled' ? (
          <button
            type="button"
            class="button"
            onClick={() =>
              act(`${base}/enable`, (a) => text.keys.enabled(count(a.enabled), amount(a.enabled)))
            }
          >
            {text.keys.enable}
          </button>
        ) : (
          <button
            type="button"
            class="button"
            onClick={() =>
              act(`${base}/disable`, (a) => text.keys.disabledDone(count(a.disabled), amount(a.disabled)))
            }
          >
            {text.keys.disable}
          </button>
        )}
        <button
          type="button"
          class="button"
          onClick={() =>
            act(`${base}/clear-cooldown`, (a) => text.keys.cleared(count(a.cleared), amount(a.cleared)))
          }
        >
          {text.keys.clearRest}
        </button>
        {confirming ? (
          <fieldset class="keys-confirm keys-fieldset">
            <legend class="visually-hidden">{t.confirmDeleteOne}</legend>
            <span aria-hidden="true">{t.confirmDeleteOne}</span>
            <button
              type="button"
              class="button danger"
              onClick={async () => {
                try {
                  await api(base, { method: 'DELETE' });
                  props.onChanged();
                  props.onClose();
                } catch (error) {
                  setConfirming(false);
                  setMessage({
                    ok: false,
                    text: text.common.error(error instanceof Error ? error.message : String(error)),
                  });
                }
              }}
            >
              {text.keys.delete}
            </button>
            <button type="button" class="button" onClick={() => setConfirming(false)}>
              {text.common.cancel}
            </button>
          </fieldset>
        ) : (
          <button type="button" class="button danger" onClick={() => setConfirming(true)}>
            {t.deleteOne}
          </button>
        )}
      </div>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} class={message.ok ? 'good' : 'bad'}>
          {message.text}
        </p>
      )}
      <VerificationProgress verification={verification} />

      <section class="keys-section">
        <h3>{t.models}</h3>
        {item.models.length === 0 ? (
          <p class="muted">{t.noModels}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{t.models}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.model}</th>
                  <th scope="col">{t.rest}</th>
                  <th scope="col">{text.keys.table.actions}</th>
                </tr>
              </thead>
              <tbody>
                {item.models.map((model) => {
                  const left = formatTimeLeft(model.restingUntil, nowMs);
                  return (
                    <tr key={model.model}>
                      <td class="mono">{model.model}</td>
                      <td>
                        {left === '—' ? (
                          <span class="muted">{text.keys.rested}</span>
                        ) : (
                          <span class="warn">
                            {text.keys.restingLeft(left)}
                            {model.reason && ` · ${text.keys.reasons[model.reason] ?? model.reason}`}
                          </span>
                        )}
                        {model.rateLimitStreak > 0 && (
                          <div class="muted keys-small">{text.keys.streak(model.rateLimitStreak)}</div>
                        )}
                        {model.softFailures > 0 && (
                          <div class="muted keys-small">{text.keys.softFailures(model.softFailures)}</div>
                        )}
                      </td>
                      <td>
                        <button
                          type="button"
                          class="button"
                          disabled={left === '—'}
                          onClick={() =>
                            act(withQuery(`${base}/clear-cooldown`, { model: model.model }), (a) =>
                              text.keys.cleared(count(a.cleared), amount(a.cleared)),
                            )
                          }
                        >
                          {t.clearRestFor(model.model)}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="keys-section">
        <h3>{t.usage}</h3>
        <Usage item={item} />
      </section>
      <section class="keys-section">
        <h3>{t.errors}</h3>
        <RecentErrors id={item.id} />
      </section>
      <section class="keys-section">
        <h3>{t.attempts}</h3>
        <RecentRequests id={item.id} />
      </section>
      <section class="keys-section">
        <h3>{t.meta}</h3>
        <NoteAndTags item={props.item} onSaved={changed} />
      </section>
      <section class="keys-section">
        <h3>{t.secret}</h3>
        <Secret id={item.id} />
      </section>
    </Modal>
  );
}
