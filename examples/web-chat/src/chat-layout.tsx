import { useEffect, useState } from 'react';
import type { SearchHitView } from '@parley/client-sdk';
import { useAwayWhenHidden, useChatClient, useConversations } from '@parley/client-sdk/react';
import { ConnectionBanner } from './connection-banner.js';
import { ConversationList } from './conversation-list.js';
import { ConversationScreen } from './conversation-screen.js';
import { NewChat } from './new-chat.js';
import { NotificationsToggle } from './notifications-toggle.js';
import { UserAvatar } from './avatar.js';
import { useNameOf } from './people.js';
import { conversationHash, conversationInHash } from './routes.js';
import { showingConversation } from './service-worker.js';
import { SearchPanel } from './search-panel.js';
import { useSearchBox } from './use-search-box.js';
import type { JumpTarget } from './use-jump.js';

/**
 * The open conversation lives in the URL hash, so a reload (or a shared link, or a click on a
 * notification) reopens it. The service worker hears of it, to keep quiet about it.
 */
function useOpenConversation(): [string | null, (id: string | null) => void] {
  const read = () => conversationInHash(window.location.hash);
  const [openId, setOpenId] = useState(read);
  useEffect(() => {
    const onHash = () => setOpenId(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    showingConversation(openId);
    return () => showingConversation(null);
  }, [openId]);
  const open = (id: string | null) => {
    window.location.hash = conversationHash(id);
    setOpenId(id);
  };
  return [openId, open];
}

export function ChatLayout({ userId, onSignOut }: { userId: string; onSignOut: () => void }) {
  const [openId, open] = useOpenConversation();
  const [composing, setComposing] = useState(false);
  const { conversations } = useConversations();
  const nameOf = useNameOf();
  const chat = useChatClient();
  const search = useSearchBox();
  // The message a search result asked to show: the conversation opens around it.
  const [jump, setJump] = useState<JumpTarget | null>(null);
  useAwayWhenHidden();
  // Muted conversations stay quiet: they do not count in the tab title.
  const unread = conversations.reduce((sum, c) => sum + (c.muted ? 0 : c.unread), 0);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parley chat` : 'Parley chat';
    // The app icon's badge (an installed app), which notifications set while the app is closed.
    if ('setAppBadge' in navigator) (unread > 0 ? navigator.setAppBadge(unread) : navigator.clearAppBadge()).catch(() => undefined);
  }, [unread]);

  const openHit = (hit: SearchHitView) => {
    open(hit.conversationId);
    if (hit.message.seq !== undefined) {
      setJump({ conversationId: hit.conversationId, seq: hit.message.seq, at: Date.now() });
    } else {
      // A message still in the outbox waits after the newest ones: show them.
      setJump(null);
      chat?.closeWindow(hit.conversationId);
    }
    // A narrow screen shows one pane: the conversation takes the place of the results.
    if (window.matchMedia('(max-width: 720px)').matches) search.close();
  };

  return (
    <div className={`layout ${openId ? 'has-open' : ''} ${search.active ? 'searching' : ''}`}>
      <aside className="sidebar">
        <header className="me">
          <UserAvatar userId={userId} />
          <strong className="grow" data-testid="me" title={userId}>{nameOf(userId)}</strong>
          <button className="ghost" onClick={onSignOut}>Sign out</button>
        </header>
        <button className="new-chat-button" onClick={() => setComposing(true)}>+ New chat</button>
        <NotificationsToggle />
        <SearchPanel search={search} me={userId} onOpen={openHit}>
          <ConversationList me={userId} openId={openId} onOpen={open} />
        </SearchPanel>
      </aside>
      <main className="main">
        <ConnectionBanner />
        {openId ? (
          <ConversationScreen
            key={openId}
            id={openId}
            me={userId}
            onBack={() => open(null)}
            jump={jump?.conversationId === openId ? jump : null}
            onSearchIn={() => search.searchIn(openId)}
          />
        ) : (
          <div className="empty">
            <p>Pick a conversation, or start one with <strong>+ New chat</strong>.</p>
          </div>
        )}
      </main>
      {composing && (
        <NewChat
          me={userId}
          onClose={() => setComposing(false)}
          onCreated={(id) => {
            setComposing(false);
            open(id);
          }}
        />
      )}
    </div>
  );
}
