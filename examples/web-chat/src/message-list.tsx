import { useEffect, useLayoutEffect, useRef } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useBlocks, useChatStore, useSendMessage, useTimeline } from '@parley/client-sdk/react';
import { Bubble, type BubbleHandlers } from './message-bubble.js';
import { SystemLine } from './system-line.js';
import { UnreadPill } from './unread-pill.js';
import { useJump, type JumpTarget } from './use-jump.js';

/** Load the previous (or, in a window, the next) page when the reader is this close to an end. */
const NEAR_EDGE_PX = 160;

type MessageListProps = {
  id: string;
  me: string;
  group: boolean;
  /** The actions each message offers (reply, thread, react, edit, delete). */
  handlersFor: (message: MessageView) => BubbleHandlers;
  onOpenThread: (message: MessageView) => void;
  /** A message to show (a search result): loaded around, scrolled to and highlighted. */
  jump: JumpTarget | null;
};

export function MessageList({ id, me, group, handlersFor, onOpenThread, jump }: MessageListProps) {
  // The timeline: messages, and membership changes between them as system lines. After a jump
  // to a message far back it is a window around it until "Jump to latest" (or it reaches the newest).
  const { items, hasOlder, loadingOlder, loadOlder, window: around, hasNewer, loadNewer, jumpToLatest: closeWindow } = useTimeline(id, { pageSize: 30 });
  const messages = items.filter((item): item is MessageView => item.type === 'message');
  const { retry, discard } = useSendMessage(id);
  const { isBlocked } = useBlocks();
  const scroller = useRef<HTMLDivElement>(null);
  const toBottom = useRef(false);
  // What the list looked like before this render: to keep the reader's place when a page lands.
  const before = useRef({ first: undefined as string | undefined, last: undefined as string | undefined, height: 0, top: 0, atBottom: true, windowed: false });
  const { jumpTo, jumping, error: jumpError, clearError } = useJump(id, scroller, items);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const was = before.current;
    const first = items[0]?.key;
    const last = items.at(-1);
    if (toBottom.current) {
      // Back to the newest messages ("Jump to latest").
      toBottom.current = false;
      el.scrollTop = el.scrollHeight;
    } else if (was.first !== undefined && first !== was.first && last?.key === was.last) {
      // Older messages were added above: stay on the message the reader was looking at.
      el.scrollTop = was.top + (el.scrollHeight - was.height);
    } else if (!around && !was.windowed && last?.key !== was.last && (was.atBottom || (last?.type === 'message' && last.senderId === me))) {
      // A new line: follow it if the reader was at the end, or wrote it. (A window's newer
      // pages land below the reader, who stays where they are, also when they join the newest.)
      el.scrollTop = el.scrollHeight;
    }
    before.current = { first, last: last?.key, height: el.scrollHeight, top: el.scrollTop, atBottom: isAtBottom(el), windowed: around !== null };
  }, [items, me, around]);

  // A short conversation does not fill the screen, so no scroll would ever ask for more.
  useEffect(() => {
    const el = scroller.current;
    if (el && hasOlder && !loadingOlder && !jumping && el.scrollHeight <= el.clientHeight + NEAR_EDGE_PX) void loadOlder();
  }, [hasOlder, loadingOlder, loadOlder, items, jumping]);

  // A search result opened this conversation (or asked again): show that message.
  useEffect(() => {
    if (jump) jumpTo(jump.seq);
  }, [jump?.seq, jump?.at]);

  // The user's own new message is at the newest end: leave a window to see it go.
  const cached = useChatStore((s) => s.messages[id]);
  const lastCached = cached?.at(-1);
  useEffect(() => {
    if (around && lastCached?.status === 'pending' && lastCached.senderId === me) jumpToLatest();
  }, [lastCached?.key]);

  const jumpToLatest = () => {
    toBottom.current = true;
    closeWindow();
  };

  // A quoted message on screen is flashed at once; one further back is loaded around first.
  const jumpToQuote = (quotedId: string, seq: number | undefined) => {
    const target = scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(quotedId)}"]`);
    const targetSeq = target?.dataset.seq !== undefined ? Number(target.dataset.seq) : seq;
    if (targetSeq !== undefined) jumpTo(targetSeq);
  };
  const loaded = new Map(messages.map((m) => [m.id, m]));

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    before.current = { ...before.current, height: el.scrollHeight, top: el.scrollTop, atBottom: isAtBottom(el) };
    if (el.scrollTop < NEAR_EDGE_PX && hasOlder && !loadingOlder) void loadOlder();
    if (hasNewer && el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_EDGE_PX) void loadNewer();
  };

  return (
    <div className="timeline">
      <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages" data-window={around ? 'true' : undefined}>
        <div className="history-edge">
          {loadingOlder ? 'Loading earlier messages…' : hasOlder ? '' : messages.length > 0 ? 'This is the beginning of the conversation.' : 'Say hello!'}
        </div>
        {items.map((message, i) => {
          if (message.type === 'system') return <SystemLine key={message.key} item={message} group={group} />;
          const previous = items[i - 1];
          const quotedId = message.replyTo?.messageId;
          const quotedSeq = message.replyTo?.seq;
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
              onJumpToQuote={quotedId !== undefined && (quoted || quotedSeq !== undefined) ? () => jumpToQuote(quotedId, quotedSeq) : undefined}
              blocked={group && message.senderId !== me && isBlocked(message.senderId)}
            />
          );
        })}
      </div>
      <div className="timeline-overlay top">
        <UnreadPill id={id} scroller={scroller} renderKey={items} onJump={(seq) => jumpTo(seq, { exact: false })} />
      </div>
      <div className="timeline-overlay">
        {jumping && <span className="jump-note" role="status">Finding the message…</span>}
        {jumpError && (
          <p className="jump-note error" role="alert">
            {jumpError} <button type="button" className="ghost" onClick={clearError} aria-label="Dismiss">×</button>
          </p>
        )}
        {around && (
          <button type="button" className="jump-latest" data-testid="jump-latest" onClick={jumpToLatest}>
            Jump to latest ↓
          </button>
        )}
      </div>
    </div>
  );
}

function isAtBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
}
