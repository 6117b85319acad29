import { useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useConnection, useConversation, useMarkRead, useMessageActions, useMessages, usePresence, useTyping } from '@parley/client-sdk/react';
import { Avatar } from './avatar.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';
import { ThreadPanel } from './thread-panel.js';
import { ConfirmDelete } from './confirm-delete.js';
import { handlersFor } from './bubble-handlers.js';
import { lastEditable } from './message-rules.js';
import { useEditDeadlines } from './use-edit-deadlines.js';
import { lastSeenOf, othersIn, titleOf } from './names.js';

export function ConversationScreen({ id, me, onBack }: { id: string; me: string; onBack: () => void }) {
  const conversation = useConversation(id);
  const others = conversation ? othersIn(conversation, me) : [];
  const presence = usePresence(conversation?.kind === 'direct' ? others : []);
  const { typingUserIds } = useTyping(id);
  const { messages } = useMessages(id);
  const actions = useMessageActions(id);
  // Edit and ↑ follow the server's edit window: this screen re-renders as a deadline passes.
  useEditDeadlines(messages, me);
  useMarkRead(id);
  const [replyingTo, setReplyingTo] = useState<MessageView | null>(null);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const [deleting, setDeleting] = useState<MessageView | null>(null);
  const [threadRootId, setThreadRootId] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const group = conversation?.kind === 'group';
  const groupOwner = group && conversation.ownerId === me;

  // Replying and editing share the composer: choosing one drops the other.
  const reply = (message: MessageView) => {
    setEditing(null);
    setReplyingTo(message);
    // Straight to writing the reply, for the mouse and the keyboard alike.
    input.current?.focus();
  };
  const edit = (message: MessageView) => {
    setReplyingTo(null);
    setEditing(message);
  };
  const closeThread = () => {
    setThreadRootId(null);
    input.current?.focus();
  };
  const common = { me, groupOwner, actions, askDelete: setDeleting };
  // The root as the timeline shows it now: its reply count and edits follow live.
  const threadRoot = threadRootId !== null ? messages.find((m) => m.id === threadRootId) : undefined;

  const peer = conversation?.kind === 'direct' ? others[0] : undefined;
  // Offline, the last presence heard is stale: show none rather than a wrong "online".
  const online = useConnection().status === 'online';
  const peerPresence = peer && online ? presence[peer] : undefined;
  let subtitle = group ? `${conversation.members.length} members: ${conversation.members.join(', ')}` : '';
  if (peerPresence) subtitle = peerPresence.status === 'online' ? 'online' : peerPresence.status === 'away' ? 'away' : lastSeenOf(peerPresence.lastSeenAt);
  if (typingUserIds.length > 0) {
    subtitle = conversation?.kind === 'direct' ? 'typing…' : `${typingUserIds.join(', ')} ${typingUserIds.length === 1 ? 'is' : 'are'} typing…`;
  }
  const title = conversation ? titleOf(conversation, me) : '…';

  return (
    <div className={`conversation-area ${threadRoot ? 'has-thread' : ''}`}>
      <section className="conversation" aria-label={title}>
        <header className="conversation-header">
          <button className="ghost back" onClick={onBack} aria-label="Back to conversations">‹</button>
          <Avatar name={title} presence={peerPresence} group={group} />
          <span className="grow">
            <strong data-testid="title">{title}</strong>
            <span className={`subtitle ${typingUserIds.length > 0 ? 'typing' : ''}`} data-testid="subtitle">{subtitle}</span>
          </span>
        </header>
        <MessageList
          id={id}
          me={me}
          group={group}
          handlersFor={(m) => handlersFor(m, { ...common, reply, openThread: (root) => setThreadRootId(root.id ?? null), edit })}
          onOpenThread={(root) => setThreadRootId(root.id ?? null)}
        />
        {actions.error && (
          <p className="action-error" role="alert">
            <span className="grow">{actions.error.message}</span>
            <button type="button" className="ghost" onClick={actions.clearError} aria-label="Dismiss">×</button>
          </p>
        )}
        <Composer
          id={id}
          members={others}
          replyingTo={replyingTo}
          onCancelReply={() => setReplyingTo(null)}
          editing={editing}
          onEdit={edit}
          onStopEditing={() => setEditing(null)}
          lastOwn={lastEditable(messages, me)}
          input={input}
        />
      </section>
      {threadRoot && (
        <ThreadPanel
          key={threadRoot.id}
          conversationId={id}
          root={threadRoot}
          me={me}
          members={others}
          group={group}
          handlersFor={(m, editInThread) => handlersFor(m, { ...common, edit: editInThread })}
          onClose={closeThread}
        />
      )}
      {deleting && (
        <ConfirmDelete
          message={deleting}
          me={me}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const message = deleting;
            setDeleting(null);
            if (editing?.key === message.key) setEditing(null);
            if (replyingTo?.key === message.key) setReplyingTo(null);
            void actions.remove(message).catch(() => undefined);
          }}
        />
      )}
    </div>
  );
}
