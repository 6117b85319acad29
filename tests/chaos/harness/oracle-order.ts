import type { LogEvent } from '@parley/protocol';
import { statusOf, type SentRecord } from './world.js';

type MessageEvent = Extract<LogEvent, { kind: 'message' }>;

/**
 * Per device and conversation, the stored seqs of its ACKed messages must rise in the order
 * `send()` was called: a retryable refusal (rate limit, store blip) of message k must never let
 * k+1 be stored first. Visibly failed messages are left out (the user saw them fail); pending or
 * missing ones are reported elsewhere. Returns one violation per message stored behind a later one
 * (a refused message stored after the five its device sent next counts once).
 */
export function checkSendOrder(sent: readonly SentRecord[], stored: ReadonlyMap<string, ReadonlyMap<string, MessageEvent>>): string[] {
  const streams = new Map<string, Array<{ record: SentRecord; seq: number }>>();
  for (const record of sent) {
    if (statusOf(record) !== 'sent') continue;
    const event = stored.get(record.conversationId)?.get(`${record.device.userId}\n${record.clientMsgId}`);
    if (!event) continue;
    const key = `${record.device.deviceId}\n${record.conversationId}`;
    streams.set(key, [...(streams.get(key) ?? []), { record, seq: event.seq }]);
  }
  const violations: string[] = [];
  for (const stream of streams.values()) {
    stream.sort((a, b) => a.record.callIndex - b.record.callIndex);
    // From the last call back: a message is reordered when one its device sent later has a lower seq.
    let earliest = stream[stream.length - 1]!;
    for (const item of stream.slice(0, -1).reverse()) {
      if (item.seq > earliest.seq) {
        violations.push(
          `${item.record.text} stored as seq ${item.seq} of ${item.record.conversationId}, after ${earliest.record.text} (sent later) at seq ${earliest.seq}`,
        );
      } else earliest = item;
    }
  }
  return violations;
}
