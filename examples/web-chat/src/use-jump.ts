import { useCallback, useLayoutEffect, useState, type RefObject } from 'react';
import { useChatClient } from '@parley/client-sdk/react';

/** A message to bring into view: a search result, a quoted message, the first unread. */
export interface JumpTarget {
  conversationId: string;
  seq: number;
  /** Tells one request from the next: the same result clicked twice jumps twice. */
  at: number;
}

/** A jump under way; `exact: false` may land on the next message shown (the seq was a system line or a thread reply). */
type Pending = { seq: number; loaded: boolean; exact: boolean };

/**
 * Brings the message at a seq into view, loading the history around it first when it is not on
 * screen (`chat.loadAround`: from the cache when it holds it, else from the server, without
 * breaking the cache's gap-free range). The message is scrolled to the middle, focused (keyboard
 * and screen readers land on it) and flashes once.
 */
export function useJump(conversationId: string, scroller: RefObject<HTMLElement | null>, renderKey: unknown) {
  const chat = useChatClient();
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reveal = useCallback(
    (seq: number, exact: boolean): boolean => {
      const list = scroller.current;
      if (!list) return false;
      let target = list.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
      if (!target && !exact) {
        target = [...list.querySelectorAll<HTMLElement>('[data-seq]')].find((el) => Number(el.dataset.seq) >= seq) ?? null;
      }
      if (!target) return false;
      flash(target);
      return true;
    },
    [scroller],
  );

  /** `exact`: the seq is a message's (a search hit, a quote); otherwise the first message from it on. */
  const jumpTo = useCallback(
    (seq: number, { exact = true }: { exact?: boolean } = {}) => {
      setError(null);
      if (reveal(seq, true)) return setPending(null);
      if (!chat) return;
      setPending({ seq, loaded: false, exact });
      chat.loadAround(conversationId, seq).then(
        () => setPending((p) => (p?.seq === seq ? { ...p, loaded: true } : p)),
        (err: unknown) => {
          setPending((p) => (p?.seq === seq ? null : p));
          setError(`Could not load that message: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    },
    [chat, conversationId, reveal],
  );

  // The window lands a render later: reveal the message once it is on screen.
  useLayoutEffect(() => {
    if (!pending) return;
    if (reveal(pending.seq, true)) return setPending(null);
    if (!pending.loaded) return;
    setPending(null);
    // Loaded, and still not in the timeline: a reply in a thread, or gone since.
    if (!reveal(pending.seq, pending.exact)) setError('That message is not in the timeline (a reply in a thread, or deleted).');
  }, [pending, renderKey, reveal]);

  return { jumpTo, jumping: pending !== null, error, clearError: () => setError(null) };
}

/** Scrolls the element to the middle, focuses it and flashes it (once per jump, also to the same message). */
export function flash(target: HTMLElement): void {
  target.scrollIntoView({ block: 'center' });
  target.focus({ preventScroll: true });
  target.classList.remove('flash');
  void target.offsetWidth; // restarts the animation when the same message is jumped to again
  target.classList.add('flash');
  target.addEventListener('animationend', () => target.classList.remove('flash'), { once: true });
}
