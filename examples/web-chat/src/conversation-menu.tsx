import { useEffect, useRef, useState } from 'react';
import type { ConversationView } from '@parley/client-sdk';
import { useBlocks, useChatClient } from '@parley/client-sdk/react';
import { Icon } from './icons.js';
import { useNameOf } from './people.js';

const HOUR = 3_600_000;

type ConversationMenuProps = {
  conversation: ConversationView;
  /** The other person of a direct chat: the one Block names. */
  peer: string | undefined;
  /** A refusal (offline, the server said no), shown under the header. */
  onError: (message: string) => void;
};

/**
 * The header's "⋯" menu: mute (1 hour, 8 hours, until unmuted) or unmute, for all of the user's
 * devices; and in a direct chat, block or unblock the other person. Escape, a pick or a click
 * elsewhere closes it.
 */
export function ConversationMenu({ conversation, peer, onError }: ConversationMenuProps) {
  const chat = useChatClient();
  const nameOf = useNameOf();
  const { isBlocked, block, unblock } = useBlocks();
  const blocked = peer !== undefined && isBlocked(peer);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const outside = (event: PointerEvent) => !root.current?.contains(event.target as Node) && setOpen(false);
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const run = (action: () => Promise<unknown>) => {
    setOpen(false);
    action().catch((err: unknown) => onError(err instanceof Error ? err.message : String(err)));
  };
  const id = conversation.id;
  const item = (label: string, action: () => Promise<unknown>) => (
    <button type="button" role="menuitem" className="menu-item" onClick={() => run(action)}>{label}</button>
  );

  return (
    <div className="menu-anchor" ref={root} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" className="ghost icon-button" aria-label="Conversation options" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        <Icon name="more" />
      </button>
      {open && chat && (
        <div className="menu" role="menu" aria-label="Conversation options">
          {conversation.muted ? (
            item('Unmute', () => chat.unmute(id))
          ) : (
            <>
              {item('Mute for 1 hour', () => chat.mute(id, Date.now() + HOUR))}
              {item('Mute for 8 hours', () => chat.mute(id, Date.now() + 8 * HOUR))}
              {item('Mute until I unmute', () => chat.mute(id))}
            </>
          )}
          {peer !== undefined && (blocked ? item(`Unblock ${nameOf(peer)}`, () => unblock(peer)) : item(`Block ${nameOf(peer)}`, () => block(peer)))}
        </div>
      )}
    </div>
  );
}
