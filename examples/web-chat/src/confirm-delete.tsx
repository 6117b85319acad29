import { useEffect, useRef } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { previewOf } from './message-content.js';
import { useNameOf } from './people.js';

type ConfirmDeleteProps = { message: MessageView; me: string; onConfirm: () => void; onCancel: () => void };

/**
 * Asks before deleting: a delete cannot be undone and removes the words for everyone. The focus
 * starts on Cancel (Enter on a stray key press must not delete), Escape cancels.
 */
export function ConfirmDelete({ message, me, onConfirm, onCancel }: ConfirmDeleteProps) {
  const cancel = useRef<HTMLButtonElement>(null);
  // Where the focus was (the message's Delete button): it goes back there after a Cancel.
  const opener = useRef(document.activeElement as HTMLElement | null);
  useEffect(() => {
    const back = opener.current;
    cancel.current?.focus();
    return () => back?.focus({ preventScroll: true });
  }, []);
  const nameOf = useNameOf();
  const whose = message.senderId === me ? 'your message' : `${nameOf(message.senderId)}'s message`;
  return (
    <div className="overlay" onClick={onCancel}>
      <div
        className="card dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-delete-title"
        aria-describedby="confirm-delete-text"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
      >
        <h2 id="confirm-delete-title">Delete {whose}?</h2>
        <p id="confirm-delete-text" className="muted">
          “{previewOf(message)}” will be deleted for everyone in this chat. This cannot be undone.
        </p>
        <div className="actions">
          <button type="button" className="ghost" ref={cancel} onClick={onCancel}>Cancel</button>
          <button type="button" className="danger" onClick={onConfirm}>Delete</button>
        </div>
      </div>
    </div>
  );
}
