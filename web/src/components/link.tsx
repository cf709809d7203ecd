import type { ComponentChildren } from 'preact';
import { navigate } from '../router';

/**
 * A link within the console: followed without reloading the app; a modified click (new tab,
 * new window) is left to the browser.
 */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  label?: string;
  current?: boolean;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-label={props.label}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
