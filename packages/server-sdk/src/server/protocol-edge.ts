import { Limits, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, type ConversationCursor, type ServerFrame } from '@parley/protocol';
import { frameFor } from './protocol-forms.js';

export { formsOf, frameFor, type VersionForm } from './protocol-forms.js';
export { knownEvent } from './known-events.js';

/**
 * The edge between this server and a client of an older protocol version: handlers work in the
 * current version only, and this module is the one place that knows how older clients differ.
 * Outbound, a frame is rewritten into the connection's version (or left out when that version
 * has no form for it); inbound, an older frame is read as its current equivalent. When
 * `PROTOCOL_VERSION` is bumped, the version leaving the window loses its branch and the one
 * being replaced gains one: what its clients cannot parse (protocol-forms.ts), and what they send
 * that now means something else (here). Protocol 3's frames are all valid protocol-4 frames (a
 * SEND with text is a SEND with optional text), so only protocol 2 is read differently.
 */

/** Protocol 2 and older walked the conversation list without a cursor. */
const CURSORLESS_LIST_WALK = 2;

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

/** One connection's edge: its version, and what translating for it needs to remember. */
export interface ProtocolEdge {
  readonly version: number;
  /** An inbound frame as this server's handlers read it (before validation). */
  inbound(raw: unknown): unknown;
  /** An outbound frame in this connection's version; null: leave it out. */
  outbound(frame: ServerFrame): ServerFrame | null;
}

/** The edges that keep no state, one per version for all connections (each costs heap: W3 in bench/). */
const shared = new Map<number, ProtocolEdge>();

export function createProtocolEdge(version: number): ProtocolEdge {
  if (version > CURSORLESS_LIST_WALK) {
    let edge = shared.get(version);
    if (!edge) shared.set(version, (edge = { version, inbound: (raw) => raw, outbound: (frame) => frameFor(version, frame) }));
    return edge;
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
