import { useEffect, useState } from 'react';
import type { ConversationView, MessageView } from '@parley/client-sdk';
import { intervalOf } from './names.js';

/**
 * Slow mode as a member lives it: the group's interval, and after their message, the seconds
 * until the next one is allowed (the owner and admins are exempt). A message sent sooner is not
 * lost: the server answers RATE_LIMITED and the outbox sends it again when the wait is over, so
 * the composer stays open and the message shows as pending meanwhile.
 */
export function SlowModeNote({ conversation, messages, me }: { conversation: ConversationView | undefined; messages: readonly MessageView[]; me: string }) {
  const interval = conversation?.role === 'member' ? (conversation.slowModeMs ?? 0) : 0;
  const last = messages.findLast((m) => m.senderId === me && m.status !== 'failed');
  const nextAt = interval > 0 && last ? last.ts + interval : 0;
  const [now, setNow] = useState(Date.now);
  // Ticks once a second while a wait runs, to count it down.
  useEffect(() => {
    setNow(Date.now());
    if (nextAt <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= nextAt) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [nextAt]);

  if (interval === 0) return null;
  const left = Math.ceil((nextAt - now) / 1000);
  return (
    <p className="slow-mode" data-testid="slow-mode" role="status">
      Slow mode: {intervalOf(interval)}
      {left > 0 && <span data-testid="slow-mode-wait"> · next message in {left} s</span>}
    </p>
  );
}
