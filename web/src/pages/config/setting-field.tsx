import type { JSX } from 'preact';
import { useText } from '../../i18n';
import { type SettingView, shortTextOf, textOf } from './model';

export interface SettingFieldProps {
  readonly setting: SettingView;
  /** In the operator's language; the server's when there is no translation. */
  readonly description: string;
  /** The control's text: the draft, else the value in force; undefined while a secret is masked. */
  readonly text: string | undefined;
  readonly changed: boolean;
  readonly problem: string | undefined;
  readonly revealed: boolean;
  readonly busy: boolean;
  onText(text: string): void;
  onReveal(): void;
  onHide(): void;
  onUseEnvironment(): void;
}

const rowsOf = (text: string) => Math.min(12, Math.max(3, text.split('\n').length + 1));

/** One setting: its name, badges and description, the control its type asks for, and its actions. */
export function SettingField(props: SettingFieldProps) {
  const text = useText().config;
  const { setting, problem } = props;
  const id = `setting-${setting.name}`;
  const control = `${id}-control`;
  const describedBy = [`${id}-description`, `${id}-hint`, problem ? `${id}-problem` : '']
    .filter(Boolean)
    .join(' ');
  const editable = setting.live && props.text !== undefined;
  const range = text.range(
    setting.min === undefined ? '' : String(setting.min),
    setting.max === undefined ? '' : String(setting.max),
  );
  const hint = !setting.live
    ? text.restartHint
    : props.text === undefined
      ? setting.revealable
        ? text.revealToEdit
        : text.notShown
      : setting.type === 'list'
        ? text.listHint
        : setting.type === 'map' || setting.type === 'json'
          ? text.jsonHint
          : setting.type === 'integer' || setting.type === 'number'
            ? range
            : '';
  const common = {
    id: control,
    'aria-describedby': describedBy,
    'aria-invalid': problem ? ('true' as const) : undefined,
    disabled: props.busy,
  };

  let field: JSX.Element;
  if (!editable) {
    const shown = props.text ?? textOf(setting, setting.value);
    field = <div class="setting-value mono">{shown === '' ? text.empty : shown}</div>;
  } else {
    const value = props.text ?? '';
    const onInput = (event: { currentTarget: { value: string } }) => props.onText(event.currentTarget.value);
    switch (setting.type) {
      case 'boolean':
        field = (
          <span class="setting-switch">
            <input
              {...common}
              type="checkbox"
              role="switch"
              aria-checked={value === 'true'}
              checked={value === 'true'}
              onChange={(event) => props.onText(event.currentTarget.checked ? 'true' : 'false')}
            />
            <span aria-hidden="true">{value === 'true' ? text.on : text.off}</span>
          </span>
        );
        break;
      case 'enum':
        field = (
          <select {...common} value={value} onChange={onInput}>
            {(setting.options ?? []).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        );
        break;
      case 'list':
      case 'map':
      case 'json':
        field = (
          <textarea
            {...common}
            class="mono"
            rows={rowsOf(value)}
            spellcheck={false}
            value={value}
            onInput={onInput}
          />
        );
        break;
      case 'integer':
      case 'number':
        field = (
          <input
            {...common}
            type="text"
            inputMode={setting.type === 'integer' ? 'numeric' : 'decimal'}
            class="setting-number"
            autoComplete="off"
            value={value}
            onInput={onInput}
          />
        );
        break;
      default:
        field = (
          <input
            {...common}
            type="text"
            inputMode={setting.type === 'url' ? 'url' : undefined}
            autoComplete="off"
            spellcheck={false}
            value={value}
            onInput={onInput}
          />
        );
    }
  }

  return (
    <div class={`setting${props.changed ? ' setting-changed' : ''}`} id={id}>
      <div class="setting-head">
        {editable ? (
          <label class="setting-name mono" for={control}>
            {setting.name}
          </label>
        ) : (
          <span class="setting-name mono">{setting.name}</span>
        )}
        <span class={`badge source-${setting.source}`} title={text.sourceHint[setting.source]}>
          <span class="visually-hidden">{text.sourceLabel}: </span>
          {text.source[setting.source]}
        </span>
        {!setting.live && <span class="badge restart">{text.restartNeeded}</span>}
        {setting.secret && <span class="badge secret">{text.secret}</span>}
        {props.changed && <span class="badge changed">{text.changed}</span>}
      </div>
      <p class="setting-description" id={`${id}-description`}>
        {props.description}
      </p>
      {field}
      <p class="setting-hint" id={`${id}-hint`}>
        {hint}
      </p>
      {problem && (
        <p class="problem setting-problem" id={`${id}-problem`}>
          {problem}
        </p>
      )}
      {setting.source === 'saved' && setting.fallback && (
        <p class="setting-fallback">
          <span>{text.fallback[setting.fallback.source]}</span>{' '}
          <span class="mono">{shortTextOf(setting, setting.fallback.value) || text.empty}</span>
        </p>
      )}
      {(setting.secret && setting.revealable) || (setting.source === 'saved' && setting.live) ? (
        <div class="setting-actions">
          {setting.secret &&
            setting.revealable &&
            (props.revealed ? (
              <button type="button" class="button" onClick={props.onHide} disabled={props.busy}>
                {text.hide}
                <span class="visually-hidden"> {setting.name}</span>
              </button>
            ) : (
              <button type="button" class="button" onClick={props.onReveal} disabled={props.busy}>
                {text.reveal}
                <span class="visually-hidden"> {setting.name}</span>
              </button>
            ))}
          {setting.source === 'saved' && setting.live && (
            <button
              type="button"
              class="button"
              onClick={props.onUseEnvironment}
              disabled={props.busy}
              title={text.useEnvironmentHint}
            >
              {text.useEnvironment}
              <span class="visually-hidden"> {setting.name}</span>
            </button>
          )}
        </div>
      ) : null}
    </div>
  );
}
