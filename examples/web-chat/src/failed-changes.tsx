import type { FailedChange } from '@parley/client-sdk';

function whatFailed(change: FailedChange): string {
  switch (change.kind) {
    case 'edit':
      return 'Edit not saved';
    case 'delete':
      return 'Not deleted';
    case 'react':
      return `${change.key ?? 'Reaction'} not added`;
    case 'unreact':
      return `${change.key ?? 'Reaction'} not removed`;
  }
}

/**
 * The user's changes of a message that the server refused (an edit past the edit window, a
 * reaction over the cap…): the message shows without them, and each says so, with a way to try
 * again or to let it go.
 */
export function FailedChanges({ changes, onRetry, onDiscard }: {
  changes: readonly FailedChange[] | undefined;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}) {
  if (!changes || changes.length === 0) return null;
  return (
    <span className="failed-actions" role="alert">
      {changes.map((change) => (
        <span key={change.clientMsgId} className="failed-change" data-testid="failed-change">
          <span>{whatFailed(change)}: {change.error.message}.</span>
          <button type="button" className="link" onClick={() => onRetry(change.clientMsgId)}>Retry</button>
          <button type="button" className="link" onClick={() => onDiscard(change.clientMsgId)}>Dismiss</button>
        </span>
      ))}
    </span>
  );
}
