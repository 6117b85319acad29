import { useCallback, useRef } from 'react';
import type { TimelineItem, TimelineWindowView } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';
import { useMessages, type MessagesState } from './use-messages.js';

const NO_ITEMS: readonly TimelineItem[] = Object.freeze([]);

export interface TimelineState extends Omit<MessagesState, 'messages'> {
  /**
   * Messages and membership lines (`type: 'system'`: created, added, removed, left, ownership
   * passed on) by seq, then the user's own pending and failed messages. While a window is open
   * (`chat.loadAround`), the window's messages and lines instead.
   */
  readonly items: readonly TimelineItem[];
  /** The window the user jumped to, or null when the timeline shows the newest messages. */
  readonly window: TimelineWindowView | null;
  /** Newer events exist than the newest shown (only in a window): scrolling down calls `loadNewer`. */
  readonly hasNewer: boolean;
  /** Pages the window forward; it joins the newest messages once it reaches them. */
  loadNewer(): Promise<void>;
  /** Closes the window: the newest messages show again. */
  jumpToLatest(): void;
}

/**
 * One conversation's timeline as a chat screen draws it: `useMessages` with the membership
 * changes between the messages (`chat.getTimeline`), the same paging back through history, and
 * the window a jump opened (`chat.loadAround`) with paging forward and back to the latest.
 *
 * @example
 * const { items, hasOlder, loadOlder, window, hasNewer, loadNewer, jumpToLatest } = useTimeline(conversationId);
 * items.map((item) => (item.type === 'system' ? <SystemLine key={item.key} item={item} /> : <Bubble key={item.key} message={item} />));
 * {window && <button onClick={jumpToLatest}>Jump to latest</button>}
 */
export function useTimeline(conversationId: string | null | undefined, options: { pageSize?: number } = {}): TimelineState {
  const client = useChatClient();
  // Paging, watching and errors are the messages' own: the timeline only adds the lines between them.
  const { messages: _messages, ...paging } = useMessages(conversationId, options);
  const items = useChatStore((_s, chat) => (chat && conversationId ? chat.getTimeline(conversationId) : NO_ITEMS));
  const window = useChatStore((s) => (conversationId ? s.windows[conversationId] : undefined)) ?? null;
  const newer = useRef<Promise<void> | null>(null);
  const { pageSize } = options;
  const loadNewer = useCallback(async () => {
    if (!client || !conversationId) return;
    if (newer.current) return newer.current;
    const done = client.loadNewer(conversationId, pageSize).then(() => undefined, () => undefined).finally(() => {
      newer.current = null;
    });
    newer.current = done;
    return done;
  }, [client, conversationId, pageSize]);
  const jumpToLatest = useCallback(() => {
    if (client && conversationId) client.closeWindow(conversationId);
  }, [client, conversationId]);
  return { ...paging, hasOlder: window ? window.hasOlder : paging.hasOlder, items, window, hasNewer: window?.hasNewer ?? false, loadNewer, jumpToLatest };
}
