import { existsSync, readFileSync } from 'node:fs';
import type { LogEvent } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';

/** The member of every group who has no device: away for the whole run, so every message concerns them. */
export const AWAY = 'away';

export interface NotificationsReport {
  violations: string[];
  /** Notifications the server's hook got, repeats included (at least once). */
  sent: number;
  /** Conversations whose last message from others a notification to the away user covers. */
  covered: number;
}

/**
 * The promise about notifications, after SIGKILLs: the queue drained (checked by the runner), and
 * for every conversation of the away user, a notification was sent whose seq reaches the last
 * message someone else wrote there (collapsed notifications name their newest message): a crash
 * between a message's ACK and its notification loses nothing.
 */
export async function checkNotifications(
  store: ChatStore,
  logs: ReadonlyMap<string, readonly LogEvent[]>,
  conversations: ReadonlyMap<string, readonly string[]>,
  away: string,
  file: string,
): Promise<NotificationsReport> {
  const violations: string[] = [];
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const sent = lines.map((line) => JSON.parse(line) as { userId: string; conversationId: string; seq: number });
  const pending = await store.listNotifications({ limit: 100 });
  if (pending.length > 0) violations.push(`${pending.length} notifications still queued after the settle time`);
  let covered = 0;
  for (const [conversationId, members] of conversations) {
    if (!members.includes(away)) continue;
    const log = logs.get(conversationId) ?? [];
    const last = log.filter((e) => e.kind === 'message' && e.senderId !== away).at(-1);
    if (!last) continue;
    const reached = sent.filter((n) => n.userId === away && n.conversationId === conversationId).reduce((max, n) => Math.max(max, n.seq), 0);
    if (reached < last.seq) violations.push(`${conversationId}: the last message (#${last.seq}) was never notified to ${away} (notifications reach #${reached})`);
    else covered++;
  }
  return { violations, sent: sent.length, covered };
}
