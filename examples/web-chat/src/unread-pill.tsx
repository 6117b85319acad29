import { useEffect, useRef, useState, type RefObject } from 'react';
import { useConversation } from '@parley/client-sdk/react';

/** The unread messages when the conversation opened: where they begin, and how many. */
type Unread = { firstSeq: number; count: number };

/**
 * "N unread ↑": while the first message the user had not read when they opened the conversation
 * is above the screen (or not loaded), a pill takes them there. The conversation is marked read
 * as it opens, so what was unread is remembered from the first look.
 */
export function UnreadPill({ id, scroller, renderKey, onJump }: { id: string; scroller: RefObject<HTMLElement | null>; renderKey: unknown; onJump: (seq: number) => void }) {
  const conversation = useConversation(id);
  const unread = useRef<Unread | null | undefined>(undefined);
  if (unread.current === undefined && conversation) {
    unread.current = conversation.unread > 0 ? { firstSeq: conversation.readSeq + 1, count: conversation.unread } : null;
  }
  const [above, setAbove] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    const list = scroller.current;
    const first = unread.current;
    if (!list || !first || done) return;
    const check = () => {
      const target = [...list.querySelectorAll<HTMLElement>('[data-seq]')].find((el) => Number(el.dataset.seq) >= first.firstSeq);
      // Seen once it reached the screen: the pill's work is done.
      if (target && target.getBoundingClientRect().top >= list.getBoundingClientRect().top) setDone(true);
      else setAbove(true);
    };
    check();
    list.addEventListener('scroll', check, { passive: true });
    return () => list.removeEventListener('scroll', check);
  }, [scroller, renderKey, done]);

  const first = unread.current;
  if (!first || done || !above) return null;
  return (
    <button
      type="button"
      className="unread-pill"
      data-testid="unread-pill"
      onClick={() => {
        setDone(true);
        onJump(first.firstSeq);
      }}
    >
      {first.count} unread ↑
    </button>
  );
}
