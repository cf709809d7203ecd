import { useText } from '../i18n';

/** A loading line or a failure with a retry, announced to screen readers. */
export function Status({ error, onRetry }: { error?: unknown; onRetry?: () => void }) {
  const text = useText();
  if (error === undefined)
    return (
      <p class="status" role="status">
        {text.common.loading}
      </p>
    );
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="status status-error" role="alert">
      <span>{text.common.error(message)}</span>
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          {text.common.retry}
        </button>
      )}
    </div>
  );
}
