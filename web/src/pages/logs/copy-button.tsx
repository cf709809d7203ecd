import { useState } from 'preact/hooks';
import { useText } from '../../i18n';

/** Copies `value` to the clipboard; over plain HTTP (no Clipboard API) through a selected text area. */
async function copyText(value: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(value);
  const area = document.createElement('textarea');
  area.value = value;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  // Inside the open modal dialog: anything outside it is inert and cannot be selected.
  (document.querySelector('dialog[open]') ?? document.body).append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

/** A "Copy" button naming what it copies, which says whether the copy worked. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const text = useText();
  const [result, setResult] = useState<'copied' | 'failed' | undefined>();
  return (
    <span class="logs-copy">
      <button
        type="button"
        class="button"
        onClick={() =>
          copyText(value).then(
            () => setResult('copied'),
            () => setResult('failed'),
          )
        }
      >
        {label}
      </button>
      <span role="status" class={result === 'failed' ? 'bad' : 'muted'}>
        {result === 'copied' ? text.logs.copied : result === 'failed' ? text.logs.copyFailed : ''}
      </span>
    </span>
  );
}
