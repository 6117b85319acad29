import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useSendMessage, useThread } from '@parley/client-sdk/react';
import { Bubble, type BubbleHandlers } from './message-bubble.js';
import { Composer } from './composer.js';
import { lastEditable } from './message-rules.js';
import { useEditDeadlines } from './use-edit-deadlines.js';
import { useComposerFiles } from './use-composer-files.js';
import { DropOverlay } from './drop-zone.js';

type ThreadPanelProps = {
  conversationId: string;
  /** The thread's root as the timeline shows it now (its reply count, reactions, edits). */
  root: MessageView;
  me: string;
  members: readonly string[];
  group: boolean;
  /** The actions of a message in the thread; `edit` is this panel's own composer. */
  handlersFor: (message: MessageView, edit: (message: MessageView) => void) => BubbleHandlers;
  onClose: () => void;
};

/**
 * A thread beside the timeline: its root, the replies (older ones on demand) and a composer of
 * its own that replies in the thread. Escape in the panel, or ×, closes it.
 */
export function ThreadPanel({ conversationId, root, me, members, group, handlersFor, onClose }: ThreadPanelProps) {
  const rootId = root.id!;
  // The newest page of replies loads as the thread opens; pushed replies show by themselves.
  const { replies, hasOlder, loadingOlder, error, loadOlder } = useThread(conversationId, rootId, { pageSize: 30 });
  const { retry, discard } = useSendMessage(conversationId);
  useEditDeadlines(replies, me);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const lastKey = useRef<string | undefined>(undefined);
  const { files, takesFiles, drop } = useComposerFiles(input);

  // Straight to writing a reply when the thread opens.
  useEffect(() => input.current?.focus(), [rootId]);
  // A new reply (the user's own, or one pushed) scrolls into view.
  useLayoutEffect(() => {
    const last = replies.at(-1)?.key;
    if (last !== lastKey.current && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
    lastKey.current = last;
  }, [replies]);

  const bubble = (message: MessageView, showSender: boolean) => (
    <Bubble
      key={message.key}
      message={message}
      me={me}
      showSender={showSender}
      on={handlersFor(message, setEditing)}
      onRetry={(clientMsgId) => void retry(clientMsgId)}
      onDiscard={(clientMsgId) => void discard(clientMsgId)}
    />
  );
  const count = `${root.replyCount} ${root.replyCount === 1 ? 'reply' : 'replies'}`;

  return (
    <aside
      className="thread-panel"
      aria-label="Thread"
      data-testid="thread"
      onKeyDown={(e) => {
        // The composer's Escape (cancel an edit, close the picker) comes first.
        if (e.key === 'Escape' && !e.defaultPrevented) onClose();
      }}
      {...drop.handlers}
    >
      <header className="thread-header">
        <strong className="grow">Thread</strong>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close thread" title="Close thread (Esc)">×</button>
      </header>
      <div className="messages thread-messages" ref={scroller} data-testid="thread-messages">
        <div className="thread-root" data-testid="thread-root">{bubble(root, root.senderId !== me)}</div>
        <div className="thread-divider" data-testid="thread-count">{root.replyCount > 0 ? count : 'No replies yet'}</div>
        {hasOlder && !loadingOlder && !error && (
          <button type="button" className="link load-earlier" onClick={() => void loadOlder()}>Load earlier replies</button>
        )}
        {loadingOlder && <div className="history-edge">Loading replies…</div>}
        {error && (
          <p className="error" role="alert">
            Couldn't load the replies. <button type="button" className="link" onClick={() => void loadOlder()}>Try again</button>
          </p>
        )}
        <div className="thread-replies" data-testid="thread-replies">
          {replies.map((reply, i) => bubble(reply, group && reply.senderId !== me && replies[i - 1]?.senderId !== reply.senderId))}
        </div>
      </div>
      <Composer
        id={conversationId}
        members={members}
        threadId={rootId}
        label="Reply in this thread"
        editing={editing}
        onEdit={setEditing}
        onStopEditing={() => setEditing(null)}
        lastOwn={lastEditable(replies, me)}
        input={input}
        files={files}
        takesFiles={takesFiles}
      />
      {drop.over && <DropOverlay />}
    </aside>
  );
}
