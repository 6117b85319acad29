import {
  ErrorCode,
  Limits,
  ParleyError,
  matchSearch,
  parseSearchQuery,
  searchSnippet,
  type SearchFrame,
  type SearchResultFrame,
  type ServerFrame,
} from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import type { ClientStorage } from '../storage/client-storage.js';
import type { SearchHitView, SearchOptions, SearchResults } from '../search-types.js';
import type { ChatState } from '../state/chat-state.js';
import { hasQueuedChange, hitMessageView, outboxHits, viewSearchText } from '../state/search-hits.js';
import { validFrame } from '../core/client-rules.js';
import { searchDevice } from './device-search.js';

/** Hits per page when the caller does not say. */
export const DEFAULT_SEARCH_LIMIT = 20;
/** A cursor of results found on this device: the hits to skip. Never sent to the server. */
const LOCAL_CURSOR = 'local:';

/** Failures that mean the server could not be asked: the device answers instead. */
const UNREACHABLE: ReadonlySet<number> = new Set([ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.UNAUTHORIZED, ErrorCode.UNSUPPORTED_PROTOCOL]);

/** Whether a failed search should be answered from the device. */
export function unreachable(err: unknown): boolean {
  return UNREACHABLE.has(ParleyError.from(err).code);
}

/** The SEARCH frame for a query and options, checked (BAD_FRAME) as the server would. */
export function searchFrame(query: string, options: SearchOptions): SearchFrame {
  const { conversationId, senderId, before, after, order, limit, cursor } = options;
  const local = cursor?.startsWith(LOCAL_CURSOR) === true;
  return validFrame({
    type: 'search', reqId: uuidv7(), query, limit: limit ?? DEFAULT_SEARCH_LIMIT,
    ...(conversationId !== undefined ? { conversationId } : {}),
    ...(senderId !== undefined ? { senderId } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(order !== undefined ? { order } : {}),
    ...(cursor !== undefined && !local ? { cursor } : {}),
  });
}

/** Where a local cursor continues (0 for none or a server cursor); BAD_FRAME for a malformed one. */
function localOffset(cursor: string | undefined): number | undefined {
  if (!cursor?.startsWith(LOCAL_CURSOR)) return undefined;
  const offset = Number(cursor.slice(LOCAL_CURSOR.length));
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ParleyError(ErrorCode.BAD_FRAME, 'cursor: not a cursor this client gave');
  return offset;
}

/** Searches this device only (offline, or a local cursor): `offline: true`. */
export async function searchHere(state: ChatState, storage: ClientStorage, frame: SearchFrame, offset = 0): Promise<SearchResults> {
  const { hits, more } = await searchDevice(state, storage, {
    terms: parseSearchQuery(frame.query), order: frame.order ?? 'newest', offset, limit: frame.limit ?? DEFAULT_SEARCH_LIMIT,
    ...(frame.conversationId !== undefined ? { conversationId: frame.conversationId } : {}),
    ...(frame.senderId !== undefined ? { senderId: frame.senderId } : {}),
    ...(frame.before !== undefined ? { before: frame.before } : {}),
    ...(frame.after !== undefined ? { after: frame.after } : {}),
  });
  return { hits, ...(more ? { cursor: `${LOCAL_CURSOR}${offset + hits.length}` } : {}), source: 'local', offline: true };
}

/**
 * The server's page merged with what only this device knows: each server hit as the client shows
 * the message (its own queued changes included: one it deleted is dropped, one it edited is
 * matched again by the text shown), then, on the first page, the user's messages still in the
 * outbox that match (first for `newest`, last for `relevance`), none twice.
 */
export function mergeServerHits(state: ChatState, frame: SearchFrame, reply: SearchResultFrame): SearchResults {
  const terms = parseSearchQuery(frame.query);
  const seen = new Set<string>();
  const clientMsgIds = new Set<string>();
  const server: SearchHitView[] = [];
  for (const hit of reply.hits) {
    const key = `${hit.conversationId}\n${hit.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    clientMsgIds.add(hit.message.clientMsgId);
    const view = hitMessageView(state, hit.message);
    if (!view || view.deleted) continue;
    if (hasQueuedChange(state, hit.message)) {
      const text = viewSearchText(view);
      const ranges = matchSearch(text, terms);
      if (!ranges) continue;
      server.push({ conversationId: hit.conversationId, seq: hit.seq, message: view, ...searchSnippet(text, ranges, Limits.maxSnippetLength), from: 'server' });
      continue;
    }
    server.push({ conversationId: hit.conversationId, seq: hit.seq, message: view, snippet: hit.snippet, highlights: hit.highlights, from: 'server' });
  }
  const mine = frame.cursor === undefined
    ? outboxHits(state, terms, frame).filter((h) => h.message.clientMsgId === undefined || !clientMsgIds.has(h.message.clientMsgId))
    : [];
  const hits = frame.order === 'relevance' ? [...server, ...mine] : [...mine, ...server];
  return { hits, ...(reply.cursor !== undefined ? { cursor: reply.cursor } : {}), source: mine.length > 0 ? 'both' : 'server', offline: false };
}

/** `chat.search` over a client's state, storage and requests. */
export function createSearch(deps: {
  getState(): ChatState;
  storage: ClientStorage;
  /** The cached state is loaded (the device search reads it). */
  ready(): Promise<void>;
  request(frame: SearchFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
}): (query: string, options?: SearchOptions) => Promise<SearchResults> {
  return async (query, options = {}) => {
    const frame = searchFrame(query, options);
    const offset = localOffset(options.cursor);
    await deps.ready();
    if (offset !== undefined) return searchHere(deps.getState(), deps.storage, frame, offset);
    // Not connected now: the device answers at once rather than after waiting for a connection.
    if (deps.getState().connection.status !== 'online') {
      if (options.cursor !== undefined) throw new ParleyError(ErrorCode.UNAVAILABLE, 'not connected: the next page of the server\'s results needs the server');
      return searchHere(deps.getState(), deps.storage, frame);
    }
    let reply: SearchResultFrame;
    try {
      reply = (await deps.request(frame, 'search.result')) as SearchResultFrame;
    } catch (err) {
      // A next page of the server's results cannot come from the device: it would repeat the first.
      if (!unreachable(err) || options.cursor !== undefined) throw ParleyError.from(err);
      return searchHere(deps.getState(), deps.storage, frame);
    }
    return mergeServerHits(deps.getState(), frame, reply);
  };
}
