import type { LogEvent } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import { checkSendOrder } from './oracle-order.js';
import { statusOf, type Device, type World } from './world.js';

/** Same clientMsgId sent by raw connections at once; every answer must name one stored event. */
export interface ConcurrentSend {
  userId: string;
  conversationId: string;
  clientMsgId: string;
  /** Connections it was sent on: each must get an ACK. */
  connections: number;
  acks: Array<{ seq: number; eventId: string }>;
}

export interface ChaosReport {
  scenario: string;
  seed: number;
  /** `send` calls (SDK outbox entries plus raw concurrent ids). */
  sent: number;
  acked: number;
  /** Ended visibly failed (a definitive NACK), shown to the user. */
  failed: number;
  /** Messages held by member devices at the end (each device counted). */
  delivered: number;
  /** ACKed but missing from the store, or stored but missing on a member device. */
  lost: number;
  /** Stored twice, or held twice by a device. */
  duplicated: number;
  /** ACKed messages stored behind a message their device sent later (same conversation). */
  reordered: number;
  /** Everything the oracle found wrong, spelled out (empty when the run is clean). */
  violations: string[];
  notes: string[];
}

type MessageEvent = Extract<LogEvent, { kind: 'message' }>;

/** Reads a conversation's whole log from the store, page by page. */
export async function readLog(store: ChatStore, conversationId: string): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  for (;;) {
    const page = await store.readAfter(conversationId, events.length, 500);
    events.push(...page);
    if (page.length < 500) return events;
  }
}

/**
 * The chaos oracle. Checks, against the store (the truth):
 * seqs contiguous and unique; no (sender, clientMsgId) stored twice; every ACKed message stored
 * at its ACKed seq; every member device holds exactly the stored messages, once each, in seq
 * order (so all devices agree); no device of a non-member holds anything; every outbox entry
 * ended ACKed or visibly failed; each device's messages stored in the order it called send();
 * concurrent sends of one id all name the one stored event.
 */
export async function checkRun(store: ChatStore, world: Pick<World, 'devices' | 'conversations' | 'sent'>, concurrent: ConcurrentSend[] = []): Promise<Omit<ChaosReport, 'scenario' | 'seed' | 'notes'>> {
  const violations: string[] = [];
  const report = { sent: world.sent.length + concurrent.length, acked: 0, failed: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, violations };
  const stored = new Map<string, Map<string, MessageEvent>>();

  for (const [conversationId, members] of world.conversations) {
    const log = await readLog(store, conversationId);
    log.forEach((event, i) => {
      if (event.seq !== i + 1) violations.push(`${conversationId}: event ${i} has seq ${event.seq}, expected ${i + 1}`);
    });
    const messages = log.filter((e): e is MessageEvent => e.kind === 'message');
    const byKey = new Map<string, MessageEvent>();
    for (const message of messages) {
      const key = `${message.senderId}\n${message.clientMsgId}`;
      if (byKey.has(key)) {
        report.duplicated++;
        violations.push(`${conversationId}: ${message.clientMsgId} of ${message.senderId} stored twice (seq ${byKey.get(key)!.seq} and ${message.seq})`);
      }
      byKey.set(key, message);
    }
    stored.set(conversationId, byKey);
    for (const device of world.devices) {
      if (members.includes(device.userId)) checkDevice(device, conversationId, messages, report);
      else if (device.chat.getConversation(conversationId) || device.chat.getMessages(conversationId).length > 0) {
        violations.push(`${device.deviceId} is not a member of ${conversationId} but holds it`);
      }
    }
  }

  for (const record of world.sent) {
    const status = statusOf(record);
    if (status === 'failed') report.failed++;
    if (status === 'pending' || status === 'missing') violations.push(`${record.clientMsgId} (${record.text}) ended ${status}, neither ACKed nor failed`);
    if (status !== 'sent') continue;
    report.acked++;
    const view = record.device.chat.getMessages(record.conversationId).find((m) => m.clientMsgId === record.clientMsgId)!;
    const event = stored.get(record.conversationId)?.get(`${record.device.userId}\n${record.clientMsgId}`);
    if (!event) {
      report.lost++;
      violations.push(`${record.text}: ACKed as seq ${view.seq} but not in the store`);
    } else if (event.seq !== view.seq) {
      violations.push(`${record.text}: ACKed as seq ${view.seq}, stored as ${event.seq}`);
    } else if (!sameJson(event.data.custom, record.custom) || !sameJson(event.data.mentions, record.mentions)) {
      violations.push(`${record.text}: stored with custom ${JSON.stringify(event.data.custom)} and mentions ${JSON.stringify(event.data.mentions)}, sent ${JSON.stringify(record.custom)} and ${JSON.stringify(record.mentions)}`);
    }
  }

  const reorders = checkSendOrder(world.sent, stored);
  report.reordered = reorders.length;
  violations.push(...reorders);

  for (const send of concurrent) {
    const event = stored.get(send.conversationId)?.get(`${send.userId}\n${send.clientMsgId}`);
    if (send.acks.length > 0) report.acked++;
    if (send.acks.length !== send.connections) violations.push(`concurrent ${send.clientMsgId}: ${send.acks.length} ACKs for ${send.connections} sends`);
    if (!event) {
      if (send.acks.length > 0) report.lost++;
      violations.push(`concurrent ${send.clientMsgId}: ${send.acks.length} ACKs but not stored`);
      continue;
    }
    for (const ack of send.acks) {
      if (ack.seq !== event.seq || ack.eventId !== event.id) {
        violations.push(`concurrent ${send.clientMsgId}: ACKed as ${ack.seq}/${ack.eventId}, stored as ${event.seq}/${event.id}`);
      }
    }
  }
  return report;
}

/** One member device against the stored messages: exactly these, once each, same seqs and texts. */
function checkDevice(device: Device, conversationId: string, messages: MessageEvent[], report: { delivered: number; lost: number; duplicated: number; violations: string[] }): void {
  const held = device.chat.getMessages(conversationId).filter((m) => m.status === 'sent');
  report.delivered += held.length;
  const seen = new Set<number>();
  for (const message of held) {
    if (message.seq === undefined) continue;
    if (seen.has(message.seq)) {
      report.duplicated++;
      report.violations.push(`${device.deviceId} holds seq ${message.seq} of ${conversationId} twice`);
    }
    seen.add(message.seq);
  }
  const bySeq = new Map(messages.map((m) => [m.seq, m]));
  for (const message of held) {
    const truth = message.seq === undefined ? undefined : bySeq.get(message.seq);
    if (!truth) report.violations.push(`${device.deviceId} holds seq ${message.seq} of ${conversationId}, which is no stored message`);
    else if (truth.data.text !== message.text || truth.senderId !== message.senderId) {
      report.violations.push(`${device.deviceId} seq ${message.seq}: holds "${message.text}", stored "${truth.data.text}"`);
    } else if (!device.previous && (!sameJson(truth.data.custom, message.custom) || !sameJson(truth.data.mentions, message.mentions))) {
      report.violations.push(`${device.deviceId} seq ${message.seq}: holds other app data or mentions than stored`);
    }
  }
  const missing = messages.filter((m) => !seen.has(m.seq));
  if (missing.length > 0) {
    report.lost += missing.length;
    report.violations.push(`${device.deviceId} misses ${missing.length} of ${messages.length} messages of ${conversationId} (first: seq ${missing[0]!.seq})`);
  }
  const order = held.map((m) => m.seq ?? -1);
  if (order.some((seq, i) => i > 0 && seq <= order[i - 1]!)) report.violations.push(`${device.deviceId} shows ${conversationId} out of seq order`);
}

/** True once every member device holds every stored message of every conversation. */
export async function converged(store: ChatStore, world: World): Promise<boolean> {
  for (const conversationId of world.conversations.keys()) {
    const log = await readLog(store, conversationId);
    const count = log.filter((e) => e.kind === 'message').length;
    for (const device of world.membersOf(conversationId)) {
      if (device.chat.getMessages(conversationId).filter((m) => m.status === 'sent').length !== count) return false;
    }
  }
  return true;
}

/** Equal as JSON (what every store gives back), whatever the key order; both absent included. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
