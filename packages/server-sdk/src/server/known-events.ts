import * as v from 'valibot';
import { LogEvent } from '@parley/protocol';
import type { StoredMessageData } from '../store/store-helpers.js';

/**
 * What the current protocol's log events look like, to tell a foreign event (written by a newer
 * node sharing the store) from a known one. Every `MessageData` field is listed: a message with
 * app data, mentions or a quote is known, and only fields a newer release added are dropped.
 */
const KNOWN_EVENTS: Readonly<Record<LogEvent['kind'], { data: readonly string[]; clientMsgId: boolean }>> = {
  message: { data: ['text', 'custom', 'attachments', 'mentions', 'replyTo', 'thread'], clientMsgId: true },
  'message.edited': { data: ['messageId', 'messageSeq', 'text', 'custom'], clientMsgId: true },
  'message.deleted': { data: ['messageId', 'messageSeq'], clientMsgId: true },
  'reaction.added': { data: ['messageId', 'messageSeq', 'key'], clientMsgId: true },
  'reaction.removed': { data: ['messageId', 'messageSeq', 'key'], clientMsgId: true },
  'conversation.created': { data: ['type', 'title', 'members'], clientMsgId: false },
  'members.added': { data: ['userIds'], clientMsgId: false },
  'members.removed': { data: ['userIds', 'ownerId', 'banned'], clientMsgId: false },
  'conversation.updated': { data: ['title', 'image', 'description', 'custom', 'slowModeMs'], clientMsgId: false },
  'members.role': { data: ['changes'], clientMsgId: false },
};
const BASE_KEYS = new Set(['id', 'conversationId', 'seq', 'senderId', 'ts', 'kind', 'data', 'clientMsgId', 'state']);

/**
 * The placeholder for a log entry a client has no form for: an empty `members.added` at its seq,
 * which changes nothing on any client and keeps the log contiguous (leaving the seq out would
 * leave a hole no gap fill could close).
 */
export function placeholder(event: LogEvent): LogEvent {
  const { id, conversationId, seq, senderId, ts } = event;
  return { id, conversationId, seq, senderId, ts, kind: 'members.added', data: { userIds: [] } };
}

/**
 * An event as a client of this release can parse it. A newer node sharing the store may have
 * written a kind this release does not know, or fields it does not know: unknown fields are
 * dropped, and an unknown kind (or a message left with neither text nor app data) becomes the
 * placeholder. Known events come back as the same object.
 */
export function knownEvent(stored: LogEvent): LogEvent {
  const event = withoutErasedMark(stored);
  const shape = (KNOWN_EVENTS as Record<string, { data: readonly string[]; clientMsgId: boolean } | undefined>)[event.kind];
  const data = event.data as unknown as Record<string, unknown> | null;
  if (!shape || !data || typeof data !== 'object') return placeholder(event);
  const extraTop = Object.keys(event).some((k) => !BASE_KEYS.has(k) || (k === 'clientMsgId' && !shape.clientMsgId));
  const extraData = Object.keys(data).some((k) => !shape.data.includes(k));
  if (!extraTop && !extraData && (!shape.clientMsgId || 'clientMsgId' in event)) return event;
  const picked = Object.fromEntries(shape.data.filter((k) => k in data).map((k) => [k, data[k]]));
  const reduced = reducedEvent(event, picked, shape.clientMsgId, extraData);
  // What is left must be a valid event of its kind (a newer release may have renamed a field
  // this release requires): otherwise it has no form here.
  return v.is(LogEvent, reduced) ? reduced : placeholder(event);
}

function reducedEvent(event: LogEvent, picked: Record<string, unknown>, withClientMsgId: boolean, extraData: boolean): LogEvent {
  const { id, conversationId, seq, senderId, ts } = event;
  if (!withClientMsgId) return { id, conversationId, seq, senderId, ts, kind: event.kind, data: picked } as LogEvent;
  if (!('clientMsgId' in event)) return placeholder(event);
  if (event.kind !== 'message') return { id, conversationId, seq, senderId, ts, kind: event.kind, clientMsgId: event.clientMsgId, data: picked } as LogEvent;
  // A message may have no content of its own (deleted, or its original erased after an edit):
  // kept, and the versions that cannot show one make it the placeholder (protocol-forms.ts). One
  // left without content only by dropping what a newer release added has nothing to show here.
  const hasContent = typeof picked['text'] === 'string' || (typeof picked['custom'] === 'object' && picked['custom'] !== null);
  if (extraData && !hasContent) return placeholder(event);
  const state = event.state !== undefined ? { state: event.state } : {};
  return { id, conversationId, seq, senderId, ts, kind: 'message', clientMsgId: event.clientMsgId, data: picked, ...state } as LogEvent;
}

/** `knownEvent` over a list: the same array when every event is known. */
export function knownEvents(events: LogEvent[]): LogEvent[] {
  let changed = false;
  const out = events.map((e) => {
    const known = knownEvent(e);
    if (known !== e) changed = true;
    return known;
  });
  return changed ? out : events;
}

/**
 * A message as clients get it: without the store's `erased` mark (store-helpers.ts
 * `StoredMessageData`), which only tells nodes of the previous release to show nothing.
 */
function withoutErasedMark(event: LogEvent): LogEvent {
  if (event.kind !== 'message' || !('erased' in event.data)) return event;
  const { erased: _erased, ...data } = event.data as StoredMessageData;
  return { ...event, data };
}
