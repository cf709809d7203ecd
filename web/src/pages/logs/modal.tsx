import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/**
 * A modal <dialog> named by its heading, open while mounted; Escape or the backdrop's close asks
 * the owner to unmount it through onClose.
 */
export function Modal({
  title,
  onClose,
  children,
  wide = false,
  role,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  role?: 'alertdialog';
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useId();
  const closing = useRef(onClose);
  closing.current = onClose;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    const close = () => closing.current();
    element.addEventListener('close', close);
    return () => element.removeEventListener('close', close);
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={heading}
      class={wide ? 'logs-dialog wide' : 'logs-dialog'}
      role={role}
    >
      <h2 id={heading}>{title}</h2>
      {children}
    </dialog>
  );
}
