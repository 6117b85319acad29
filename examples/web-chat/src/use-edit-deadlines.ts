import { useEffect, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';

/** Timers past ~24.8 days overflow and fire at once; a far deadline is simply looked at again later. */
const MAX_WAIT_MS = 3_600_000;

/**
 * Re-renders the caller when the next of the user's edit deadlines (`editableUntil`) among
 * `messages` passes, so "Edit" (judged by `isEditable` at render) goes away by itself, without a
 * render every second.
 */
export function useEditDeadlines(messages: readonly MessageView[], me: string): void {
  const [, setTick] = useState(0);
  const now = Date.now();
  let next = Number.POSITIVE_INFINITY;
  for (const m of messages) {
    if (m.senderId === me && !m.deleted && m.editableUntil !== undefined && m.editableUntil >= now) next = Math.min(next, m.editableUntil);
  }
  useEffect(() => {
    if (!Number.isFinite(next)) return;
    // Past means later than the deadline (the server refuses once now > ts + window).
    const timer = setTimeout(() => setTick((t) => t + 1), Math.min(MAX_WAIT_MS, next - Date.now() + 1));
    return () => clearTimeout(timer);
  }, [next]);
}
