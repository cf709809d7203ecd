import { useState } from 'preact/hooks';
import { ApiError, api } from '../../api';
import { Modal } from '../../components/modal';
import { formatCount } from '../../format';
import { useLanguage } from '../../i18n';

interface ImportAnswer {
  readonly added?: readonly { id: string; masked: string }[];
  readonly alreadyPresent?: readonly string[];
  readonly duplicates?: number;
  readonly malformed?: readonly { line: number; problem: string }[];
  readonly malformedCount?: number;
}

/** Adds the Google keys found in pasted text (POST /api/keys/import), and tells what became of them. */
export function AddKeysDialog(props: { onClose: () => void; onAdded: () => void }) {
  const { text, language } = useLanguage();
  const t = text.keys;
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<ImportAnswer>();
  const [problem, setProblem] = useState<string>();
  const count = (n: number | undefined) => formatCount(n ?? 0, language);
  return (
    <Modal title={t.addTitle} onClose={props.onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setProblem(undefined);
          setAnswer(undefined);
          try {
            const result = await api<ImportAnswer>('/api/keys/import', {
              method: 'POST',
              body: { text: value },
            });
            setAnswer(result);
            setValue('');
            props.onAdded();
          } catch (error) {
            // A text without a key answers 400 with the same report of what only looked like one.
            if (error instanceof ApiError && error.body && typeof error.body === 'object')
              setAnswer(error.body as ImportAnswer);
            setProblem(error instanceof Error ? error.message : String(error));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label class="field">
          <span>{t.addText}</span>
          <textarea
            rows={8}
            value={value}
            spellcheck={false}
            autocomplete="off"
            aria-describedby="keys-add-hint"
            onInput={(event) => setValue(event.currentTarget.value)}
          />
          <small id="keys-add-hint" class="muted">
            {t.addHint}
          </small>
        </label>
        <button type="submit" class="button primary" disabled={busy || value.trim() === ''}>
          {t.addSubmit}
        </button>
      </form>
      {problem && (
        <p role="alert" class="bad">
          {text.common.error(problem)}
        </p>
      )}
      {answer && !problem && (
        <p role="status" class="good">
          {t.addResult(
            count(answer.added?.length),
            count(answer.alreadyPresent?.length),
            count(answer.duplicates),
            count(answer.malformedCount),
          )}
        </p>
      )}
      {answer?.malformed && answer.malformed.length > 0 && (
        <ul class="keys-list">
          {answer.malformed.map((entry) => (
            <li key={entry.line} class="warn">
              {t.malformedLine(entry.line, entry.problem)}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** Downloads the keys in one state, or all, as text or JSON. */
export function ExportDialog(props: {
  onClose: () => void;
  onExport: (state: string, format: string) => void;
}) {
  const { text } = useLanguage();
  const t = text.keys;
  const [state, setState] = useState('');
  const [format, setFormat] = useState('text');
  return (
    <Modal title={t.exportTitle} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onExport(state, format);
        }}
      >
        <label class="field">
          <span>{t.exportState}</span>
          <select value={state} onChange={(event) => setState(event.currentTarget.value)}>
            <option value="">{t.allStates}</option>
            {(['active', 'resting', 'disabled', 'refused'] as const).map((name) => (
              <option key={name} value={name}>
                {t.states[name]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t.exportFormat}</span>
          <select value={format} onChange={(event) => setFormat(event.currentTarget.value)}>
            <option value="text">{t.exportFormats.text}</option>
            <option value="json">{t.exportFormats.json}</option>
          </select>
        </label>
        <p class="notice">{t.exportWarning}</p>
        <button type="submit" class="button primary">
          {t.exportSubmit}
        </button>
      </form>
    </Modal>
  );
}

/** Asks before deleting; the deletion itself is the caller's. */
export function ConfirmDialog(props: {
  title: string;
  body: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { text } = useLanguage();
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.body}</p>
      <div class="toolbar">
        <button type="button" class="button danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button type="button" class="button" onClick={props.onClose}>
          {text.common.cancel}
        </button>
      </div>
    </Modal>
  );
}
