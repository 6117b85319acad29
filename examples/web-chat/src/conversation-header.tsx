import type { ConversationView } from '@parley/client-sdk';
import { useConnection, usePresence, useTyping, useUser } from '@parley/client-sdk/react';
import { Avatar } from './avatar.js';
import { ConversationMenu } from './conversation-menu.js';
import { Icon } from './icons.js';
import { lastSeenOf, othersIn, titleOf } from './names.js';
import { listOf, useNameOf } from './people.js';

type ConversationHeaderProps = {
  id: string;
  conversation: ConversationView | undefined;
  me: string;
  onBack: () => void;
  /** Opens the group's details (groups only). */
  onDetails: () => void;
  onError: (message: string) => void;
  /** Narrows the message search to this conversation and focuses it. */
  onSearch: () => void;
};

/** Who the chat is with (names, the group's picture), presence or who is typing, and its menus. */
export function ConversationHeader({ id, conversation, me, onBack, onDetails, onError, onSearch }: ConversationHeaderProps) {
  const nameOf = useNameOf();
  const others = conversation ? othersIn(conversation, me) : [];
  const group = conversation?.kind === 'group';
  const peer = conversation?.kind === 'direct' ? others[0] : undefined;
  const peerProfile = useUser(peer);
  const presence = usePresence(peer ? [peer] : []);
  const { typingUserIds } = useTyping(id);
  // Offline, the last presence heard is stale: show none rather than a wrong "online".
  const online = useConnection().status === 'online';
  const peerPresence = peer && online ? presence[peer] : undefined;

  let subtitle = group ? `${conversation.members.length} members: ${conversation.members.map(nameOf).join(', ')}` : '';
  if (peerPresence) subtitle = peerPresence.status === 'online' ? 'online' : peerPresence.status === 'away' ? 'away' : lastSeenOf(peerPresence.lastSeenAt);
  if (typingUserIds.length > 0) {
    subtitle = group ? `${listOf(typingUserIds.map(nameOf))} ${typingUserIds.length === 1 ? 'is' : 'are'} typing…` : 'typing…';
  }
  const title = conversation ? titleOf(conversation, me, nameOf) : '…';
  const image = group ? conversation.image : peerProfile?.image;

  return (
    <header className="conversation-header">
      <button className="ghost back" onClick={onBack} aria-label="Back to conversations">‹</button>
      <Avatar name={title} presence={peerPresence} group={group} image={image} />
      <span className="grow">
        <strong data-testid="title">{title}</strong>
        <span className={`subtitle ${typingUserIds.length > 0 ? 'typing' : ''}`} data-testid="subtitle">{subtitle}</span>
      </span>
      {conversation?.muted && (
        <span className="muted-icon" data-testid="header-muted" role="img" aria-label="Muted" title="Muted">
          <Icon name="muted" />
        </span>
      )}
      <button type="button" className="ghost icon-button" onClick={onSearch} aria-label="Search in this conversation" title="Search in this conversation">
        <Icon name="search" />
      </button>
      {group && <button type="button" className="ghost" onClick={onDetails}>Group details</button>}
      {conversation && <ConversationMenu conversation={conversation} peer={peer} onError={onError} />}
    </header>
  );
}
