import { useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { Ticks, tickOf } from './ticks.js';
import { clockOf, hueOf, whenOf } from './names.js';
import { MessageBody } from './message-body.js';
import { AttachmentList } from './attachment-list.js';
import { ReplyQuote } from './reply-quote.js';
import { ReactionChips } from './reactions.js';
import { MessageToolbar, type BubbleHandlers } from './message-toolbar.js';
import { FailedChanges } from './failed-changes.js';
import { DELETED_LABEL } from './message-content.js';
import { useNameOf } from './people.js';

export type { BubbleHandlers } from './message-toolbar.js';

type BubbleProps = {
  message: MessageView;
  me: string;
  showSender: boolean;
  /** The message's actions (reply, thread, react, edit, delete), those it has. */
  on: BubbleHandlers;
  /** Sends again, or drops, a failed message or one of its failed changes. */
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  /** Opens the thread of a message that has replies (the "N replies" line). */
  onOpenThread?: (() => void) | undefined;
  /** The message this one quotes, when it is loaded. */
  quoted?: MessageView | undefined;
  /** Brings the quoted message into view; absent when it is not loaded. */
  onJumpToQuote?: (() => void) | undefined;
  /** From a user this user blocks (in a group): collapsed until the reader asks to see it. */
  blocked?: boolean;
};

export function Bubble(props: BubbleProps) {
  const [shown, setShown] = useState(false);
  // The server keeps one log for all members: blocked people's messages are hidden here, not there.
  if (props.blocked && !shown && !props.message.deleted) {
    return (
      <div className="bubble-row theirs">
        <button type="button" className="bubble collapsed" data-testid="blocked-message" data-message-id={props.message.id} data-seq={props.message.seq} onClick={() => setShown(true)}>
          Message from a blocked user <span className="link">Show</span>
        </button>
      </div>
    );
  }
  return <ShownBubble {...props} />;
}

function ShownBubble({ message, me, showSender, on, onRetry, onDiscard, onOpenThread, quoted, onJumpToQuote }: BubbleProps) {
  const nameOf = useNameOf();
  const mine = message.senderId === me;
  const tick = mine && !message.deleted ? tickOf(message) : undefined;
  const mentionsMe = !mine && message.mentionsMe && !message.deleted;
  const sender = showSender && (
    <span className="sender" style={{ color: `hsl(${hueOf(message.senderId)} 55% 40%)` }} title={message.senderId}>{nameOf(message.senderId)}</span>
  );
  const summary = message.replyCount > 0 && onOpenThread && <ThreadSummary message={message} onOpen={onOpenThread} />;
  const failed = <FailedChanges changes={message.failedChanges} onRetry={onRetry} onDiscard={onDiscard} />;
  // A deleted message keeps its place (what came around it stays in order), its content gone.
  if (message.deleted) {
    return (
      <div className={`bubble-row ${mine ? 'mine' : 'theirs'}`}>
        <div className="bubble deleted" data-testid="message" data-status="deleted" data-message-id={message.id} data-seq={message.seq} tabIndex={-1}>
          {sender}
          <span className="tombstone" data-testid="tombstone">{DELETED_LABEL}</span>
          <span className="meta">{clockOf(message.ts)}</span>
          {summary}
          {failed}
        </div>
      </div>
    );
  }
  return (
    <div className={`bubble-row ${mine ? 'mine' : 'theirs'}`}>
      <div
        className={`bubble ${message.status} ${mentionsMe ? 'mentions-me' : ''}`}
        data-testid="message"
        data-status={tick ?? 'received'}
        data-message-id={message.id}
        // Where a jump (a search result, a quote, the first unread) finds it.
        data-seq={message.seq}
        // Focus target of a quote's jump, so keyboard and screen reader users land on it too.
        tabIndex={-1}
        aria-label={mentionsMe ? `${nameOf(message.senderId)} mentioned you` : undefined}
        role={mentionsMe ? 'group' : undefined}
      >
        <MessageToolbar message={message} on={on} />
        {sender}
        {message.replyTo && <ReplyQuote replyTo={message.replyTo} quoted={quoted} onJump={onJumpToQuote} />}
        <AttachmentList message={message} onCancel={() => onDiscard(message.key)} />
        <MessageBody message={message} me={me} />
        <span className="meta">
          {message.editedAt !== undefined && (
            <span className="edited" data-testid="edited" title={`Edited ${whenOf(message.editedAt)} ${clockOf(message.editedAt)}`}>(edited)</span>
          )}
          {clockOf(message.ts)}
          {tick && <Ticks status={tick} />}
        </span>
        {on.react && <ReactionChips message={message} me={me} onToggle={on.react} />}
        {summary}
        {message.status === 'failed' && (
          <span className="failed-actions">
            <span>Not sent{message.error ? `: ${message.error.message}` : ''}.</span>
            <button className="link" onClick={() => onRetry(message.key)}>Retry</button>
            <button className="link" onClick={() => onDiscard(message.key)}>Delete</button>
          </span>
        )}
        {failed}
      </div>
    </div>
  );
}

/** Under a thread's root: how many replies and when the last came; opens the thread. */
function ThreadSummary({ message, onOpen }: { message: MessageView; onOpen: () => void }) {
  const count = `${message.replyCount} ${message.replyCount === 1 ? 'reply' : 'replies'}`;
  const last = message.lastReplyAt !== undefined ? ` · last reply ${whenOf(message.lastReplyAt)}` : '';
  return (
    <button type="button" className="link thread-summary" data-testid="thread-summary" onClick={onOpen} aria-label={`${count}${last}: open the thread`}>
      {count}{last}
    </button>
  );
}
