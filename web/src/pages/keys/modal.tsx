import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { useText } from '../../i18n';

/**
 * A modal <dialog> with a heading that names it, open while mounted: Escape and the close button
 * call `onClose`, and focus returns to where it was.
 */
export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const text = useText();
  const dialog = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const before = document.activeElement as HTMLElement | null;
    element.showModal();
    return () => {
      if (element.open) element.close();
      before?.focus?.();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      class={props.wide ? 'keys-dialog keys-dialog-wide' : 'keys-dialog'}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault();
        onClose.current();
      }}
    >
      <div class="keys-dialog-head">
        <h2 id={headingId}>{props.title}</h2>
        <button type="button" class="button" onClick={() => onClose.current()}>
          {text.common.close}
        </button>
      </div>
      {props.children}
    </dialog>
  );
}
