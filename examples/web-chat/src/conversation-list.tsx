import type { ConversationView } from '@parley/client-sdk';
import { useConversations, useMessages, usePresence, useTyping, useUser } from '@parley/client-sdk/react';
import { Avatar } from './avatar.js';
import { Icon } from './icons.js';
import { othersIn, titleOf, whenOf } from './names.js';
import { previewOf } from './message-content.js';
import { useNameOf } from './people.js';

export function ConversationList({ me, openId, onOpen }: { me: string; openId: string | null; onOpen: (id: string) => void }) {
  const { conversations } = useConversations();
  // Only the people in direct chats get a presence dot; groups would follow everyone.
  const peers = conversations.filter((c) => c.kind === 'direct').flatMap((c) => othersIn(c, me));
  const presence = usePresence(peers);
  if (conversations.length === 0) {
    return <p className="muted list-empty">No conversations yet.</p>;
  }
  return (
    <nav className="conversations" aria-label="Conversations">
      {conversations.map((conversation) => {
        const peer = conversation.kind === 'direct' ? othersIn(conversation, me)[0] : undefined;
        return (
          <Row
            key={conversation.id}
            conversation={conversation}
            me={me}
            active={conversation.id === openId}
            presence={peer ? presence[peer] : undefined}
            onOpen={() => onOpen(conversation.id)}
          />
        );
      })}
    </nav>
  );
}

type RowProps = {
  conversation: ConversationView;
  me: string;
  active: boolean;
  presence: ReturnType<typeof usePresence>[string];
  onOpen: () => void;
};

function Row({ conversation, me, active, presence, onOpen }: RowProps) {
  const { messages } = useMessages(conversation.id);
  const { typingUserIds } = useTyping(conversation.id);
  const nameOf = useNameOf();
  const last = messages.at(-1);
  const title = titleOf(conversation, me, nameOf);
  const peer = useUser(conversation.kind === 'direct' ? othersIn(conversation, me)[0] : undefined);
  const preview = typingUserIds.length > 0
    ? 'typing…'
    : last ? `${last.senderId === me ? 'You: ' : conversation.kind === 'group' ? `${nameOf(last.senderId)}: ` : ''}${previewOf(last)}` : 'No messages yet';
  return (
    <button
      className={`row ${active ? 'active' : ''} ${conversation.unread > 0 ? 'unread' : ''} ${conversation.muted ? 'is-muted' : ''}`}
      onClick={onOpen}
      data-testid="conversation"
      aria-current={active ? 'true' : undefined}
    >
      <Avatar name={title} presence={presence} group={conversation.kind === 'group'} image={conversation.image ?? peer?.image} />
      <span className="row-text">
        <span className="row-top">
          <span className="row-title">{title}</span>
          {conversation.muted && (
            // Muted: no highlight, and it stays out of the tab title's count (chat-layout.tsx).
            <span className="muted-icon" data-testid="muted" role="img" aria-label="Muted" title="Muted">
              <Icon name="muted" />
            </span>
          )}
          <span className="row-time">{last ? whenOf(last.ts) : ''}</span>
        </span>
        <span className="row-bottom">
          <span className={`row-preview ${typingUserIds.length > 0 ? 'typing' : ''}`}>{preview}</span>
          {conversation.unreadMentions > 0 && (
            // Apart from the count: being named asks for an answer more than a busy group does.
            <span
              className="badge mention-badge"
              data-testid="mentions"
              aria-label={`${conversation.unreadMentions} unread ${conversation.unreadMentions === 1 ? 'mention' : 'mentions'}`}
              title="You were mentioned"
            >
              @
            </span>
          )}
          {conversation.unread > 0 && (
            <span className="badge" data-testid="unread" aria-label={`${conversation.unread} unread`}>
              {conversation.unread}
            </span>
          )}
        </span>
      </span>
    </button>
  );
}
