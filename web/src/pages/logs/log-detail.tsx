import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Modal } from '../../components/modal';
import { Status } from '../../components/status';
import { Table } from '../../components/table';
import { formatCount, formatMs, formatTime } from '../../format';
import { useLanguage } from '../../i18n';
import { useApi } from '../../use-api';
import { CopyButton } from './copy-button';
import { Outcome, statusClass } from './log-tables';
import {
  clientLabel,
  type ErrorRow,
  type KeyName,
  keyLabel,
  type LogView,
  prettyBody,
  type RequestDetail,
} from './log-types';

function Facts({ facts }: { facts: [string, ComponentChildren][] }) {
  return (
    <dl class="logs-facts">
      {facts.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function KeyFact({ keyName }: { keyName: KeyName | null }) {
  if (keyName === null) return <>—</>;
  return (
    <span class="mono">
      {keyLabel(keyName)}
      {keyName.masked !== null && <span class="muted"> ({keyName.id})</span>}
    </span>
  );
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard to scroll it. */
/** A stored text shown whole (JSON indented), with a button that copies it. */
function Body({ title, value, copyLabel }: { title: string; value: string; copyLabel: string }) {
  const shown = prettyBody(value);
  return (
    <section class="logs-body">
      <div class="logs-body-head">
        <h3>{title}</h3>
        <CopyButton value={shown} label={copyLabel} />
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long body scrolls, and the keyboard must reach it */}
      <pre class="mono" tabIndex={0}>
        {shown}
      </pre>
    </section>
  );
}

function RequestFacts({ detail }: { detail: RequestDetail }) {
  const { text, language } = useLanguage();
  const names = text.logs.detail;
  const columns = text.logs.columns;
  const tokens = detail.tokens;
  return (
    <>
      <Facts
        facts={[
          [columns.time, formatTime(detail.at, language)],
          [columns.route, detail.route],
          [columns.model, detail.model ?? '—'],
          [columns.key, <KeyFact key="key" keyName={detail.key} />],
          [columns.status, <span class={statusClass(detail.status)}>{detail.status}</span>],
          [columns.outcome, <Outcome name={detail.errorClass} />],
          [names.failureGroup, detail.failureGroup ?? '—'],
          [columns.latency, formatMs(detail.latencyMs)],
          [columns.attempts, formatCount(detail.attempts, language)],
          [names.stream, detail.stream ? text.common.yes : text.common.no],
          [
            columns.tokens,
            tokens === null
              ? '—'
              : names.tokens(tokens.input, tokens.output ?? 0, tokens.thoughts ?? 0, tokens.cached ?? 0),
          ],
          [columns.client, clientLabel(detail.client)],
          [names.instance, detail.instance ?? '—'],
          [names.requestRef, <span class="mono">{detail.requestRef ?? '—'}</span>],
        ]}
      />
      <h3>{names.attempts}</h3>
      {detail.attemptTrace.length === 0 ? (
        <p class="muted">{names.noAttempts}</p>
      ) : (
        <Table
          caption={names.attempts}
          rows={detail.attemptTrace}
          rowKey={(_attempt, index) => index}
          columns={[
            { head: '#', numeric: true, cell: (_attempt, index) => index + 1 },
            { head: columns.key, cell: (attempt) => <KeyFact keyName={attempt.key} /> },
            {
              head: columns.status,
              cellClass: (attempt) => statusClass(attempt.status),
              cell: (attempt) => attempt.status ?? names.noAnswer,
            },
            { head: columns.outcome, cell: (attempt) => <Outcome name={attempt.outcome} /> },
            { head: names.ms, numeric: true, cell: (attempt) => formatMs(attempt.ms) },
          ]}
        />
      )}
      <h3>{names.errors}</h3>
      {detail.errors.length === 0 ? (
        <p class="muted">{names.noErrors}</p>
      ) : (
        <Table
          caption={names.errors}
          rows={detail.errors}
          rowKey={(error) => error.id}
          columns={[
            { head: columns.time, cell: (error) => formatTime(error.at, language) },
            { head: columns.key, cell: (error) => <KeyFact keyName={error.key} /> },
            {
              head: columns.type,
              cell: (error) => (
                <>
                  <Outcome name={error.errorType} />{' '}
                  <span class={statusClass(error.status)}>{error.status ?? '—'}</span>
                </>
              ),
            },
            { head: columns.message, cellClass: () => 'logs-message-whole', cell: (error) => error.message },
          ]}
        />
      )}
      {detail.requestBody !== null && (
        <Body title={names.requestBody} value={detail.requestBody} copyLabel={names.copyBody} />
      )}
    </>
  );
}

function ErrorFacts({ detail }: { detail: ErrorRow }) {
  const { text, language } = useLanguage();
  const names = text.logs.detail;
  const columns = text.logs.columns;
  return (
    <>
      <Facts
        facts={[
          [columns.time, formatTime(detail.at, language)],
          [columns.route, detail.route],
          [columns.model, detail.model ?? '—'],
          [columns.key, <KeyFact key="key" keyName={detail.key} />],
          [columns.status, <span class={statusClass(detail.status)}>{detail.status ?? '—'}</span>],
          [columns.type, <Outcome name={detail.errorType} />],
          [names.failureGroup, detail.failureGroup ?? '—'],
          [columns.client, clientLabel(detail.client)],
          [names.instance, detail.instance ?? '—'],
          [names.requestRef, <span class="mono">{detail.requestRef ?? '—'}</span>],
        ]}
      />
      <Body title={names.message} value={detail.message} copyLabel={names.copyMessage} />
      {detail.requestBody ? (
        <Body title={names.requestBody} value={detail.requestBody} copyLabel={names.copyBody} />
      ) : (
        <p class="muted">{names.noBody}</p>
      )}
    </>
  );
}

/** One row of a log in full, in a dialog: a request with its attempts and errors, or an error with its body. */
export function LogDetail({
  view,
  id,
  onClose,
  onDeleted,
  onFilterKey,
}: {
  view: LogView;
  id: number;
  onClose: () => void;
  onDeleted: () => void;
  onFilterKey: (keyId: string) => void;
}) {
  const { text } = useLanguage();
  const names = text.logs.detail;
  const loaded = useApi<RequestDetail | ErrorRow>(`/api/logs/${view}/${id}`);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const detail = loaded.data;

  async function remove() {
    try {
      await api(`/api/logs/${view}/${id}`, { method: 'DELETE' });
      onDeleted();
    } catch (error) {
      setProblem(text.common.error((error as Error).message));
    }
  }

  return (
    <Modal
      title={view === 'requests' ? names.requestTitle(id) : names.errorTitle(id)}
      onClose={onClose}
      wide
      closeButton={false}
    >
      {detail === undefined || loaded.error !== undefined ? (
        <Status error={loaded.error} onRetry={loaded.reload} />
      ) : view === 'requests' ? (
        <RequestFacts detail={detail as RequestDetail} />
      ) : (
        <ErrorFacts detail={detail as ErrorRow} />
      )}
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      <div class="logs-dialog-actions">
        {detail?.key && (
          <button type="button" class="button" onClick={() => detail.key && onFilterKey(detail.key.id)}>
            {names.filterKey}
          </button>
        )}
        {confirming ? (
          <button type="button" class="button danger" onClick={remove}>
            {names.confirmDelete}
          </button>
        ) : (
          <button type="button" class="button danger" onClick={() => setConfirming(true)}>
            {names.delete}
          </button>
        )}
        <button type="button" class="button primary" onClick={onClose}>
          {text.common.close}
        </button>
      </div>
    </Modal>
  );
}
