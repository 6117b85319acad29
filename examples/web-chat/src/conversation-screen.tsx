import { useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useConnection, useConversation, useMarkRead, usePresence, useTyping } from '@parley/client-sdk/react';
import { Avatar } from './avatar.js';
import { Composer } from './composer.js';
import { MessageList } from './message-list.js';
import { lastSeenOf, othersIn, titleOf } from './names.js';

export function ConversationScreen({ id, me, onBack }: { id: string; me: string; onBack: () => void }) {
  const conversation = useConversation(id);
  const others = conversation ? othersIn(conversation, me) : [];
  const presence = usePresence(conversation?.kind === 'direct' ? others : []);
  const { typingUserIds } = useTyping(id);
  useMarkRead(id);
  const [replyingTo, setReplyingTo] = useState<MessageView | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const reply = (message: MessageView) => {
    setReplyingTo(message);
    // Straight to writing the reply, for the mouse and the keyboard alike.
    input.current?.focus();
  };

  const peer = conversation?.kind === 'direct' ? others[0] : undefined;
  // Offline, the last presence heard is stale: show none rather than a wrong "online".
  const online = useConnection().status === 'online';
  const peerPresence = peer && online ? presence[peer] : undefined;
  let subtitle = conversation?.kind === 'group' ? `${conversation.members.length} members: ${conversation.members.join(', ')}` : '';
  if (peerPresence) subtitle = peerPresence.status === 'online' ? 'online' : peerPresence.status === 'away' ? 'away' : lastSeenOf(peerPresence.lastSeenAt);
  if (typingUserIds.length > 0) {
    subtitle = conversation?.kind === 'direct' ? 'typing…' : `${typingUserIds.join(', ')} ${typingUserIds.length === 1 ? 'is' : 'are'} typing…`;
  }
  const title = conversation ? titleOf(conversation, me) : '…';

  return (
    <section className="conversation" aria-label={title}>
      <header className="conversation-header">
        <button className="ghost back" onClick={onBack} aria-label="Back to conversations">‹</button>
        <Avatar name={title} presence={peerPresence} group={conversation?.kind === 'group'} />
        <span className="grow">
          <strong data-testid="title">{title}</strong>
          <span className={`subtitle ${typingUserIds.length > 0 ? 'typing' : ''}`} data-testid="subtitle">{subtitle}</span>
        </span>
      </header>
      <MessageList id={id} me={me} group={conversation?.kind === 'group'} onReply={reply} />
      <Composer id={id} members={others} replyingTo={replyingTo} onCancelReply={() => setReplyingTo(null)} input={input} />
    </section>
  );
}
