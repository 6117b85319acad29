import { useEffect, useLayoutEffect, useRef } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useBlocks, useSendMessage, useTimeline } from '@parley/client-sdk/react';
import { Bubble, type BubbleHandlers } from './message-bubble.js';
import { SystemLine } from './system-line.js';

/** Load the previous page when the reader is this close to the top. */
const NEAR_TOP_PX = 160;

type MessageListProps = {
  id: string;
  me: string;
  group: boolean;
  /** The actions each message offers (reply, thread, react, edit, delete). */
  handlersFor: (message: MessageView) => BubbleHandlers;
  onOpenThread: (message: MessageView) => void;
};

export function MessageList({ id, me, group, handlersFor, onOpenThread }: MessageListProps) {
  // The timeline: messages, and membership changes between them as system lines.
  const { items, hasOlder, loadingOlder, loadOlder } = useTimeline(id, { pageSize: 30 });
  const messages = items.filter((item): item is MessageView => item.type === 'message');
  const { retry, discard } = useSendMessage(id);
  const { isBlocked } = useBlocks();
  const scroller = useRef<HTMLDivElement>(null);
  // What the list looked like before this render: to keep the reader's place when a page lands.
  const before = useRef({ first: undefined as string | undefined, last: undefined as string | undefined, height: 0, top: 0, atBottom: true });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const was = before.current;
    const first = items[0]?.key;
    const last = items.at(-1);
    if (was.first !== undefined && first !== was.first && last?.key === was.last) {
      // Older messages were added above: stay on the message the reader was looking at.
      el.scrollTop = was.top + (el.scrollHeight - was.height);
    } else if (last?.key !== was.last && (was.atBottom || (last?.type === 'message' && last.senderId === me))) {
      // A new line: follow it if the reader was at the end, or wrote it.
      el.scrollTop = el.scrollHeight;
    }
    before.current = { first, last: last?.key, height: el.scrollHeight, top: el.scrollTop, atBottom: isAtBottom(el) };
  }, [items, me]);

  // A short conversation does not fill the screen, so no scroll would ever ask for more.
  useEffect(() => {
    const el = scroller.current;
    if (el && hasOlder && !loadingOlder && el.scrollHeight <= el.clientHeight + NEAR_TOP_PX) void loadOlder();
  }, [hasOlder, loadingOlder, loadOlder, items]);

  // Brings a quoted message into view and onto the keyboard focus, with a brief flash to find it.
  const jumpTo = (messageId: string) => {
    const target = scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!target) return;
    target.scrollIntoView({ block: 'center' });
    target.focus({ preventScroll: true });
    target.classList.remove('flash');
    void target.offsetWidth; // restarts the animation when the same quote is clicked again
    target.classList.add('flash');
    target.addEventListener('animationend', () => target.classList.remove('flash'), { once: true });
  };
  const loaded = new Map(messages.map((m) => [m.id, m]));

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    before.current = { ...before.current, height: el.scrollHeight, top: el.scrollTop, atBottom: isAtBottom(el) };
    if (el.scrollTop < NEAR_TOP_PX && hasOlder && !loadingOlder) void loadOlder();
  };

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
      <div className="history-edge">
        {loadingOlder ? 'Loading earlier messages…' : hasOlder ? '' : messages.length > 0 ? 'This is the beginning of the conversation.' : 'Say hello!'}
      </div>
      {items.map((message, i) => {
        if (message.type === 'system') return <SystemLine key={message.key} item={message} group={group} />;
        const previous = items[i - 1];
        const quotedId = message.replyTo?.messageId;
        const quoted = quotedId !== undefined ? loaded.get(quotedId) : undefined;
        return (
          <Bubble
            key={message.key}
            message={message}
            me={me}
            showSender={group && message.senderId !== me && (previous?.type !== 'message' || previous.senderId !== message.senderId)}
            on={handlersFor(message)}
            onRetry={(clientMsgId) => void retry(clientMsgId)}
            onDiscard={(clientMsgId) => void discard(clientMsgId)}
            onOpenThread={() => onOpenThread(message)}
            quoted={quoted}
            onJumpToQuote={quotedId !== undefined && quoted ? () => jumpTo(quotedId) : undefined}
            blocked={group && message.senderId !== me && isBlocked(message.senderId)}
          />
        );
      })}
    </div>
  );
}

function isAtBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
}
