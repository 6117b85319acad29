import type { MessageView } from '@parley/client-sdk';
import { APP_DATA_LABEL, DELETED_LABEL, previewOf } from './message-content.js';
import { useNameOf } from './people.js';

type ReplyRef = NonNullable<MessageView['replyTo']>;

type ReplyQuoteProps = {
  replyTo: ReplyRef;
  /** The quoted message when it is loaded: names the sender of a reply still pending (no server quote yet). */
  quoted: MessageView | undefined;
  /** Brings the quoted message into view; absent when it is not loaded. */
  onJump: (() => void) | undefined;
};

/**
 * The quote above a reply: who wrote the quoted message and how it began (the server's copy, so
 * it shows even when the quoted message is not loaded). When it is loaded, the quote is a button
 * that brings it into view.
 */
export function ReplyQuote({ replyTo, quoted, onJump }: ReplyQuoteProps) {
  const nameOf = useNameOf();
  const senderId = replyTo.senderId ?? quoted?.senderId;
  const sender = senderId !== undefined ? nameOf(senderId) : 'a message';
  // An empty server preview means the quoted message had no text: files (the loaded message
  // says which) or app data only. A deleted message is quoted by no one any more: its words are
  // gone, the quote says so.
  const preview = quoted?.deleted
    ? DELETED_LABEL
    : replyTo.preview !== undefined ? replyTo.preview || (quoted ? previewOf(quoted) : APP_DATA_LABEL) : quoted ? previewOf(quoted) : '…';
  const content = (
    <>
      <span className="quote-sender">{sender}</span>
      <span className="quote-preview">{preview}</span>
    </>
  );
  if (!onJump) {
    return <span className="quote" data-testid="quote" title="The quoted message is not loaded">{content}</span>;
  }
  // Named by its content (who and what), with what a click does said to screen readers first.
  return (
    <button type="button" className="quote" data-testid="quote" onClick={onJump} title="Show the quoted message">
      <span className="sr-only">Show the quoted message, from </span>
      {content}
    </button>
  );
}

/** Above the composer while replying: what the reply will quote, and a way to change one's mind. */
export function ReplyDraft({ message, onCancel }: { message: MessageView; onCancel: () => void }) {
  const sender = useNameOf()(message.senderId);
  return (
    <div className="reply-draft" role="group" aria-label={`Replying to ${sender}`} data-testid="reply-draft">
      <span className="quote">
        <span className="quote-sender">Replying to {sender}</span>
        <span className="quote-preview">{previewOf(message)}</span>
      </span>
      <button type="button" className="ghost" onClick={onCancel} aria-label="Cancel reply" title="Cancel reply (Esc)">
        ×
      </button>
    </div>
  );
}

/** Above the composer while editing: which message the words will replace, and a way out. */
export function EditDraft({ message, onCancel }: { message: MessageView; onCancel: () => void }) {
  return (
    <div className="reply-draft edit-draft" role="group" aria-label="Editing your message" data-testid="edit-draft">
      <span className="quote">
        <span className="quote-sender">Editing message · Enter to save, Escape to cancel</span>
        <span className="quote-preview">{previewOf(message)}</span>
      </span>
      <button type="button" className="ghost" onClick={onCancel} aria-label="Cancel editing" title="Cancel editing (Esc)">
        ×
      </button>
    </div>
  );
}
