import type { AckFrame, LogEvent, NackFrame, ServerFrame } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import { nextId, type WireClient } from './wire-client.js';

export type MessageEventOf = Extract<LogEvent, { kind: 'message' }>;

/**
 * Sends a SEND with any `data` (also data the schema refuses) and resolves with its answer, an
 * `ack` or a `nack`.
 */
export async function sendData(
  client: WireClient,
  conversationId: string,
  data: unknown,
  clientMsgId = nextId('m-'),
): Promise<AckFrame | NackFrame> {
  client.send({ type: 'send', conversationId, clientMsgId, data } as Record<string, unknown>);
  const answer = await client.waitFor(
    (f: ServerFrame): f is AckFrame | NackFrame => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId,
  );
  return answer;
}

/** Like `sendData`, but fails unless the message was stored. */
export async function sendOk(client: WireClient, conversationId: string, data: unknown, clientMsgId?: string): Promise<AckFrame> {
  const answer = await sendData(client, conversationId, data, clientMsgId);
  if (answer.type !== 'ack') throw new Error(`send refused: ${JSON.stringify(answer)}`);
  return answer;
}

/** The messages of a conversation as the store holds them, in seq order. */
export async function storedMessages(store: ChatStore, conversationId: string): Promise<MessageEventOf[]> {
  const events = await store.readAfter(conversationId, 0, 10_000);
  return events.filter((e): e is MessageEventOf => e.kind === 'message');
}

/** The live `message` event a client received with this seq. */
export function liveMessage(client: WireClient, conversationId: string, seq: number): Promise<MessageEventOf> {
  return client
    .waitFor((f) => f.type === 'event' && f.event.conversationId === conversationId && f.event.seq === seq)
    .then((f) => (f as Extract<ServerFrame, { type: 'event' }>).event as MessageEventOf);
}
