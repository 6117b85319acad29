import type { MessageView } from '@parley/client-sdk';
import { Ticks, tickOf } from './ticks.js';
import { clockOf, hueOf } from './names.js';
import { MessageBody } from './message-body.js';
import { ReplyQuote } from './reply-quote.js';

type BubbleProps = {
  message: MessageView;
  me: string;
  showSender: boolean;
  onRetry: () => void;
  onDiscard: () => void;
  onReply: () => void;
  /** The message this one quotes, when it is loaded. */
  quoted: MessageView | undefined;
  /** Brings the quoted message into view; absent when it is not loaded. */
  onJumpToQuote: (() => void) | undefined;
};

export function Bubble({ message, me, showSender, onRetry, onDiscard, onReply, quoted, onJumpToQuote }: BubbleProps) {
  const mine = message.senderId === me;
  const tick = mine ? tickOf(message) : undefined;
  const mentionsMe = !mine && message.mentionsMe;
  return (
    <div className={`bubble-row ${mine ? 'mine' : 'theirs'}`}>
      <div
        className={`bubble ${message.status} ${mentionsMe ? 'mentions-me' : ''}`}
        data-testid="message"
        data-status={tick ?? 'received'}
        data-message-id={message.id}
        // Focus target of a quote's jump, so keyboard and screen reader users land on it too.
        tabIndex={-1}
        aria-label={mentionsMe ? `${message.senderId} mentioned you` : undefined}
        role={mentionsMe ? 'group' : undefined}
      >
        {showSender && (
          <span className="sender" style={{ color: `hsl(${hueOf(message.senderId)} 55% 40%)` }}>{message.senderId}</span>
        )}
        {message.replyTo && <ReplyQuote replyTo={message.replyTo} quoted={quoted} onJump={onJumpToQuote} />}
        <MessageBody message={message} me={me} />
        <span className="meta">
          {/* Only a stored message has the id a reply quotes. */}
          {message.id !== undefined && (
            <button type="button" className="link reply" onClick={onReply} aria-label={`Reply to ${message.senderId}`}>
              Reply
            </button>
          )}
          {clockOf(message.ts)}
          {tick && <Ticks status={tick} />}
        </span>
        {message.status === 'failed' && (
          <span className="failed-actions">
            <span>Not sent{message.error ? `: ${message.error.message}` : ''}.</span>
            <button className="link" onClick={onRetry}>Retry</button>
            <button className="link" onClick={onDiscard}>Delete</button>
          </span>
        )}
      </div>
    </div>
  );
}
