import { foldIntoMessage, foldTarget, type LogEvent } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import { checkSendOrder } from './oracle-order.js';
import { editTarget, statusOf, type Device, type World } from './world.js';

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

/**
 * The log folded with the protocol's one rule: each top-level message as it is now (edits,
 * deletes, reactions applied in seq order), by seq. What every current device must show.
 */
export function foldLog(log: readonly LogEvent[]): Map<number, MessageEvent> {
  const messages = new Map<number, MessageEvent>();
  for (const event of log) {
    if (event.kind === 'message' && event.data.thread === undefined) {
      messages.set(event.seq, event);
      continue;
    }
    const target = foldTarget(event);
    const message = target && messages.get(target.seq);
    if (message) messages.set(message.seq, foldIntoMessage(message, event));
  }
  return messages;
}

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
export async function checkRun(
  store: ChatStore,
  world: Pick<World, 'devices' | 'conversations' | 'sent'> & Partial<Pick<World, 'changes'>>,
  concurrent: ConcurrentSend[] = [],
): Promise<Omit<ChaosReport, 'scenario' | 'seed' | 'notes'>> {
  const violations: string[] = [];
  const report = { sent: world.sent.length + concurrent.length, acked: 0, failed: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, violations };
  const stored = new Map<string, Map<string, MessageEvent>>();
  const sentText = new Map(world.sent.map((r) => [`${r.device.userId}\n${r.clientMsgId}`, r.text]));
  const deletedByUser = new Set((world.changes ?? []).filter((c) => c.kind === 'delete').map((c) => `${c.conversationId}\n${c.target}`));

  for (const [conversationId, members] of world.conversations) {
    const log = await readLog(store, conversationId);
    log.forEach((event, i) => {
      if (event.seq !== i + 1) violations.push(`${conversationId}: event ${i} has seq ${event.seq}, expected ${i + 1}`);
    });
    const folded = foldLog(log);
    violations.push(...checkChanges(conversationId, log, folded, sentText, world.changes ?? []));
    const messages = [...folded.values()];
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
      if (members.includes(device.userId)) checkDevice(device, conversationId, messages, report, sentText);
      else if (device.chat.getConversation(conversationId) || device.chat.getMessages(conversationId).length > 0) {
        violations.push(`${device.deviceId} is not a member of ${conversationId} but holds it`);
      }
    }
  }

  for (const record of world.sent) {
    const status = statusOf(record);
    if (status === 'failed') report.failed++;
    // The user deleted it before it was ever sent: the outbox dropped it, as asked.
    if (status === 'missing' && deletedByUser.has(`${record.conversationId}\n${record.text}`)) continue;
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
    } else if (event.state?.deleted) {
      // Deleted since (by its sender): its content is gone, as the erasure check demands.
    } else if ((!edited(event, record.text) && !sameJson(event.data.custom, record.custom)) || !sameJson(event.data.mentions, record.mentions)) {
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

/** A message's content and state as a view shows it, for comparing a view with the folded log. */
function shownState(m: { text?: string; custom?: unknown; deleted?: boolean; editedAt?: number; reactions?: readonly { key: string; userIds: readonly string[] }[] }) {
  return {
    text: m.text,
    custom: m.custom,
    deleted: m.deleted === true,
    editedAt: m.editedAt,
    reactions: (m.reactions ?? []).map((r) => [r.key, [...r.userIds].sort()]),
  };
}

function foldedState(m: MessageEvent) {
  return shownState({
    ...m.data,
    deleted: m.state?.deleted !== undefined,
    ...(m.state?.editedAt !== undefined ? { editedAt: m.state.editedAt } : {}),
    reactions: m.state?.reactions ?? [],
  });
}

/**
 * One member device against the folded log: every top-level message once, in seq order, each as
 * the log folds it (text, app data, edited mark, tombstone, reactions). A device on a previous
 * release cannot apply changes: it must hold every message not deleted, with the text it was
 * sent with or one of its edits, and may hold a deleted one as it first received it.
 */
function checkDevice(
  device: Device,
  conversationId: string,
  messages: MessageEvent[],
  report: { delivered: number; lost: number; duplicated: number; violations: string[] },
  sentText: ReadonlyMap<string, string>,
): void {
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
    if (!truth || truth.senderId !== message.senderId) {
      report.violations.push(`${device.deviceId} holds seq ${message.seq} of ${conversationId}, which is no stored message of ${message.senderId}`);
    } else if (device.previous) {
      const original = sentText.get(`${truth.senderId}\n${truth.clientMsgId}`);
      const ownText = message.text === original || message.text === truth.data.text || (message.text !== undefined && `[${editTarget(message.text)}]` === original);
      if (original !== undefined && !ownText) report.violations.push(`${device.deviceId} seq ${message.seq}: holds "${message.text}", sent "${original}"`);
    } else if (!sameJson(shownState(message), foldedState(truth))) {
      report.violations.push(`${device.deviceId} seq ${message.seq}: shows ${JSON.stringify(shownState(message))}, the log folds to ${JSON.stringify(foldedState(truth))}`);
    }
  }
  const missing = messages.filter((m) => !seen.has(m.seq) && !(device.previous && m.state?.deleted));
  if (missing.length > 0) {
    report.lost += missing.length;
    report.violations.push(`${device.deviceId} misses ${missing.length} of ${messages.length} messages of ${conversationId} (first: seq ${missing[0]!.seq})`);
  }
  const order = held.map((m) => m.seq ?? -1);
  if (order.some((seq, i) => i > 0 && seq <= order[i - 1]!)) report.violations.push(`${device.deviceId} shows ${conversationId} out of seq order`);
}

/**
 * The changes against the store: no edit shows on a message it was not made for; a deleted
 * message's text (as sent, and every edit of it) is nowhere in the store; an edited message keeps
 * only its current text (the server erases the versions an edit replaced).
 */
function checkChanges(
  conversationId: string,
  log: readonly LogEvent[],
  folded: ReadonlyMap<number, MessageEvent>,
  sentText: ReadonlyMap<string, string>,
  changes: World['changes'],
): string[] {
  const problems: string[] = [];
  const everything = JSON.stringify(log);
  for (const message of folded.values()) {
    const original = sentText.get(`${message.senderId}\n${message.clientMsgId}`);
    if (original === undefined) continue;
    const text = message.data.text;
    const target = text === undefined ? null : editTarget(text);
    if (target !== null && `[${target}]` !== original) problems.push(`${conversationId} seq ${message.seq}: shows "${text}", an edit of another message (it was sent as "${original}")`);
    const versions = [original, ...changes.filter((c) => c.conversationId === conversationId && c.target === original && c.text).map((c) => c.text!)];
    const gone = message.state?.deleted ? versions : message.state?.editedAt !== undefined ? versions.filter((v) => v !== text) : [];
    for (const version of gone) {
      if (everything.includes(version)) problems.push(`${conversationId} seq ${message.seq}: "${version}" is still in the store after ${message.state?.deleted ? 'the delete' : 'a later edit'}`);
    }
  }
  return problems;
}

/** True once every member device shows every stored message of every conversation as the log folds it. */
export async function converged(store: ChatStore, world: World): Promise<boolean> {
  const sentText = new Map(world.sent.map((r) => [`${r.device.userId}\n${r.clientMsgId}`, r.text]));
  for (const conversationId of world.conversations.keys()) {
    const messages = [...foldLog(await readLog(store, conversationId)).values()];
    for (const device of world.membersOf(conversationId)) {
      const scratch = { delivered: 0, lost: 0, duplicated: 0, violations: [] as string[] };
      checkDevice(device, conversationId, messages, scratch, sentText);
      if (scratch.violations.length > 0) return false;
    }
  }
  return true;
}

/**
 * Whether the user edited the message: by an edit event, or while it was still queued (the edit
 * then changed the send itself, which went out with the new content). An edit replaces the app
 * data too, so only an unedited message must carry what was sent.
 */
function edited(message: MessageEvent, sentText: string): boolean {
  return message.state?.editedAt !== undefined || (message.data.text !== undefined && message.data.text !== sentText);
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
