import type { AckFrame, Change, ChangeTarget, HistoryResultFrame, LogEvent, NackFrame, ServerFrame } from '@parley/protocol';
import { nextId, type WireClient } from './wire-client.js';
import type { MessageEventOf } from './content.js';

/** Sends a CHANGE (also one the schema refuses) and resolves with its answer, an `ack` or a `nack`. */
export async function changeData(
  client: WireClient,
  conversationId: string,
  target: ChangeTarget | Record<string, unknown>,
  change: Change | Record<string, unknown>,
  options: { clientMsgId?: string; after?: string } = {},
): Promise<AckFrame | NackFrame> {
  const clientMsgId = options.clientMsgId ?? nextId('c-');
  // Only an answer to this sending counts (a repeated clientMsgId was answered before).
  const earlier = new Set(client.frames);
  client.send({ type: 'change', conversationId, clientMsgId, target, change, ...(options.after ? { after: options.after } : {}) } as Record<string, unknown>);
  return client.waitFor(
    (f: ServerFrame): f is AckFrame | NackFrame => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId && !earlier.has(f),
  );
}

/** Like `changeData`, but fails unless the change was acknowledged. */
export async function changeOk(client: WireClient, conversationId: string, messageId: string, change: Change, clientMsgId?: string): Promise<AckFrame> {
  const answer = await changeData(client, conversationId, { messageId }, change, clientMsgId ? { clientMsgId } : {});
  if (answer.type !== 'ack') throw new Error(`change refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** One page of history (the main timeline, or a thread). */
export function historyPage(
  client: WireClient,
  conversationId: string,
  options: { beforeSeq?: number; limit?: number; threadId?: string } = {},
): Promise<HistoryResultFrame> {
  return client.request<HistoryResultFrame>({ type: 'history', reqId: nextId('h-'), conversationId, ...options });
}

/** The messages of a history page, by seq. */
export const pageMessages = (page: { events: LogEvent[] }): MessageEventOf[] =>
  page.events.filter((e): e is MessageEventOf => e.kind === 'message');
