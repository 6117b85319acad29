import {
  Limits,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type ConversationCursor,
  type ConversationSummary,
  type LogEvent,
  type ServerFrame,
} from '@parley/protocol';

/**
 * The edge between this server and a client of an older protocol version: handlers work in the
 * current version only, and this module is the one place that knows how older clients differ.
 * Outbound, a frame is rewritten into the connection's version (or left out when that version
 * has no form for it); inbound, an older frame is read as its current equivalent. When
 * `PROTOCOL_VERSION` is bumped, the version leaving the window loses its branch here and the one
 * being replaced gains one: what its clients cannot parse, and what they send that now means
 * something else.
 */

/** The version a connection will speak, or null when the client is older than this server speaks. */
export function negotiate(clientVersion: number): number | null {
  if (!Number.isInteger(clientVersion) || clientVersion < OLDEST_PROTOCOL_VERSION) return null;
  // A newer client is answered in this server's newest version: it talks down, or it says
  // plainly that the server must be upgraded.
  return Math.min(clientVersion, PROTOCOL_VERSION);
}

/** The versions below the current one that this server speaks (each gets its own rooms). */
export const OLDER_VERSIONS: readonly number[] = Array.from(
  { length: PROTOCOL_VERSION - OLDEST_PROTOCOL_VERSION },
  (_, i) => OLDEST_PROTOCOL_VERSION + i,
);

/** What the current protocol's log events look like, to tell a foreign event from a known one. */
const KNOWN_EVENTS: Readonly<Record<LogEvent['kind'], { data: readonly string[]; clientMsgId: boolean }>> = {
  message: { data: ['text'], clientMsgId: true },
  'conversation.created': { data: ['type', 'title', 'members'], clientMsgId: false },
  'members.added': { data: ['userIds'], clientMsgId: false },
  'members.removed': { data: ['userIds', 'ownerId'], clientMsgId: false },
};
const BASE_KEYS = new Set(['id', 'conversationId', 'seq', 'senderId', 'ts', 'kind', 'data', 'clientMsgId']);

/**
 * An event as a client of this release can parse it. A newer node sharing the store may have
 * written a kind this release does not know, or fields it does not know: unknown fields are
 * dropped, and an unknown kind becomes an empty `members.added`, which changes nothing on any
 * client and keeps the log contiguous (leaving the seq out would leave a hole no gap fill could
 * close). Known events come back as the same object.
 */
export function knownEvent(event: LogEvent): LogEvent {
  const shape = (KNOWN_EVENTS as Record<string, { data: readonly string[]; clientMsgId: boolean } | undefined>)[event.kind];
  const data = event.data as unknown as Record<string, unknown> | null;
  if (shape && data && typeof data === 'object') {
    const extraTop = Object.keys(event).some((k) => !BASE_KEYS.has(k) || (k === 'clientMsgId' && !shape.clientMsgId));
    const extraData = Object.keys(data).some((k) => !shape.data.includes(k));
    if (!extraTop && !extraData && (!shape.clientMsgId || 'clientMsgId' in event)) return event;
    if (event.kind === 'message' && typeof data['text'] === 'string' && 'clientMsgId' in event) {
      const { id, conversationId, seq, senderId, ts, clientMsgId } = event;
      return { id, conversationId, seq, senderId, ts, kind: 'message', clientMsgId, data: { text: data['text'] } };
    }
    if (event.kind !== 'message') {
      const picked = Object.fromEntries(shape.data.filter((k) => k in data).map((k) => [k, data[k]]));
      const { id, conversationId, seq, senderId, ts } = event;
      return { id, conversationId, seq, senderId, ts, kind: event.kind, data: picked } as LogEvent;
    }
  }
  const { id, conversationId, seq, senderId, ts } = event;
  return { id, conversationId, seq, senderId, ts, kind: 'members.added', data: { userIds: [] } };
}

const knownEvents = (events: LogEvent[]): LogEvent[] => {
  let changed = false;
  const out = events.map((e) => {
    const known = knownEvent(e);
    if (known !== e) changed = true;
    return known;
  });
  return changed ? out : events;
};

/** Protocol 2 had no group owner. */
function summaryV2(summary: ConversationSummary): ConversationSummary {
  if (summary.ownerId === undefined) return summary;
  const { ownerId: _owner, ...rest } = summary;
  return rest;
}

function eventV2(event: LogEvent): LogEvent {
  if (event.kind !== 'members.removed' || event.data.ownerId === undefined) return event;
  return { ...event, data: { userIds: event.data.userIds } };
}

const mapped = <T>(items: T[], map: (item: T) => T): T[] => {
  const out = items.map(map);
  return out.some((item, i) => item !== items[i]) ? out : items;
};

/** A frame in protocol 2: no owners, no list paging cursor, the resync reasons it knew. */
function frameV2(frame: ServerFrame): ServerFrame | null {
  switch (frame.type) {
    case 'event': {
      const event = eventV2(frame.event);
      return event === frame.event ? frame : { ...frame, event };
    }
    case 'conversation': {
      const conversation = summaryV2(frame.conversation);
      return conversation === frame.conversation ? frame : { ...frame, conversation };
    }
    case 'sync.result': {
      const { next: _next, ...rest } = frame;
      return { ...rest, conversations: mapped(frame.conversations, summaryV2), events: mapped(frame.events, eventV2) };
    }
    case 'history.result':
      return { ...frame, events: mapped(frame.events, eventV2) };
    case 'resync':
      return frame.reason === 'push-failed' ? { type: 'resync', reason: 'bus-recovered' } : frame;
    // Answers a `watch` with a reqId, which protocol 2 never sent.
    case 'watch.result':
      return null;
    default:
      return frame;
  }
}

/**
 * The frame as a client speaking `version` can parse it, or null when that version has no form
 * for it. The same object when nothing changes (the common case: callers compare by identity).
 */
export function frameFor(version: number, frame: ServerFrame): ServerFrame | null {
  let out: ServerFrame = frame;
  // Events a newer node wrote to the shared store reach every client in a form it knows.
  if (out.type === 'event') {
    const event = knownEvent(out.event);
    if (event !== out.event) out = { ...out, event };
  } else if (out.type === 'sync.result' || out.type === 'history.result') {
    const events = knownEvents(out.events);
    if (events !== out.events) out = { ...out, events };
  }
  return version >= PROTOCOL_VERSION ? out : frameV2(out);
}

/** One connection's edge: its version, and what translating for it needs to remember. */
export interface ProtocolEdge {
  readonly version: number;
  /** An inbound frame as this server's handlers read it (before validation). */
  inbound(raw: unknown): unknown;
  /** An outbound frame in this connection's version; null: leave it out. */
  outbound(frame: ServerFrame): ServerFrame | null;
}

export function createProtocolEdge(version: number): ProtocolEdge {
  if (version >= PROTOCOL_VERSION) {
    return { version, inbound: (raw) => raw, outbound: (frame) => frameFor(version, frame) };
  }
  // Protocol 2 walked the conversation list without a cursor: it repeats `sync` without `after`
  // while `hasMore`. The connection remembers where the walk stood, so each page moves on.
  let walk: ConversationCursor | undefined;
  const walking = new Set<string>();
  return {
    version,
    inbound(raw) {
      if (!isRecord(raw) || raw['type'] !== 'sync' || raw['only'] === true || 'after' in raw) return raw;
      if (typeof raw['reqId'] === 'string' && walking.size < 16) walking.add(raw['reqId']);
      const cursors = raw['cursors'];
      const upgraded: Record<string, unknown> = { ...raw, ...(walk ? { after: walk } : {}) };
      // Protocol 2 allowed up to 1000 cursors in one sync; the rest are served by the walk.
      if (Array.isArray(cursors) && cursors.length > Limits.maxCursorsPerSync) {
        upgraded['cursors'] = cursors.slice(0, Limits.maxCursorsPerSync);
      }
      return upgraded;
    },
    outbound(frame) {
      if (frame.type === 'sync.result' && walking.delete(frame.reqId)) walk = frame.hasMore ? frame.next : undefined;
      else if (frame.type === 'error' && frame.reqId !== undefined) walking.delete(frame.reqId);
      return frameFor(version, frame);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
