import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { useText } from '../i18n';

/**
 * A modal <dialog> named by its heading, open while mounted: Escape (and the Close button, unless
 * the dialog has its own way out) call `onClose`, and focus returns to where it was.
 */
export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  role?: 'alertdialog';
  /** False when the dialog's own buttons close it (a confirmation's Cancel). */
  closeButton?: boolean;
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
      class={props.wide ? 'modal modal-wide' : 'modal'}
      aria-labelledby={headingId}
      role={props.role}
      onCancel={(event) => {
        event.preventDefault();
        onClose.current();
      }}
    >
      <div class="modal-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.closeButton !== false && (
          <button type="button" class="button" onClick={() => onClose.current()}>
            {text.common.close}
          </button>
        )}
      </div>
      {props.children}
    </dialog>
  );
}
