import {
  ErrorCode,
  Limits,
  ParleyError,
  matchSearch,
  messageSearchText,
  parseSearchQuery,
  searchSnippet,
  searchTokenText,
  type LogEvent,
  type MessageEvent,
  type SearchHit,
  type SearchOrder,
} from '@parley/protocol';
import type { ServerContext } from './context.js';
import type { StoredMembership } from '../store/types.js';
import type { SearchDocument, SearchIndex, SearchIndexUpdate } from '../search/types.js';
import { createMemorySearchIndex } from '../search/memory-search-index.js';
import { foldMessages } from './message-pages.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';
import { knownEvent } from './known-events.js';

/** Message search (`createChatServer({ search })`; see docs/search.md). */
export interface SearchOptions {
  /**
   * Where search looks things up (default: the store's own index: FTS5 for SQLite, a token index
   * for MongoDB; an in-memory index for a store that has none). A dedicated engine plugs in here.
   */
  index?: SearchIndex;
  /** Searches one user may make on this node (default 5 a second, 20 at once). */
  rateLimit?: RateLimit;
  /**
   * How soon after a message is stored this node indexes it, in ms (default 500), once it has
   * answered its first search (before that it indexes nothing in the background, so a deployment
   * that never searches pays nothing per message). A search never waits for this: it first
   * indexes whatever its conversations hold that the index lacks.
   */
  indexDelayMs?: number;
}

/** A search as the socket, REST and the server API take it. */
export interface SearchRequest {
  query: string;
  conversationId?: string;
  senderId?: string;
  before?: number;
  after?: number;
  order?: SearchOrder;
  limit?: number;
  cursor?: string;
}

export interface SearchAnswer {
  hits: SearchHit[];
  cursor?: string;
}

export interface Search {
  readonly index: SearchIndex;
  /** One page of `userId`'s search. Throws NOT_FOUND for a conversation they are not in, RATE_LIMITED when they search too often. */
  search(userId: string, request: SearchRequest, options?: { rateLimited?: boolean }): Promise<SearchAnswer>;
  /** Brings the index up to date with these conversations' logs (what a search does first). */
  catchUp(conversations: ReadonlyArray<{ id: string; lastSeq: number }>): Promise<void>;
  /** Stops the background indexing. */
  close(): void;
}

/** Events read per step when the index catches up with a conversation. */
const CATCH_UP_PAGE = 500;
/** Conversations caught up at once. */
const CATCH_UP_PARALLEL = 4;
/** Pages asked of the index for one answer, when the check drops hits (a lagging external index). */
const MAX_ROUNDS = 4;

/**
 * Search on the server: the user's memberships decide where to look (a conversation they left is
 * never searched), the index finds candidates, and each candidate is read back from the log as it
 * is now: a deleted message is dropped, an edited one is matched and quoted by its current text
 * only, whatever the index holds. The index is fed from the log itself: once this node has
 * answered a search, it indexes what it stores shortly after (`indexDelayMs`), and a search first applies whatever its conversations
 * hold beyond the index's seq (written by another node, an older release, or before a restart), so
 * an answer reflects every message stored before it was asked.
 */
export function createSearch(ctx: ServerContext, options: SearchOptions = {}): Search {
  const index = options.index ?? ctx.store.searchIndex ?? createMemorySearchIndex();
  const limiter = new RateLimiter(options.rateLimit ?? { perSecond: 5, burst: 20 });
  const running = new Map<string, Promise<void>>();
  const dirty = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Applies one conversation's log from the index's seq up to `lastSeq`; one run per conversation at a time. */
  async function indexConversation(conversationId: string, lastSeq: number): Promise<void> {
    for (;;) {
      const current = running.get(conversationId);
      if (!current) break;
      await current.catch(() => undefined);
    }
    const run = (async () => {
      let from = (await index.indexedSeqs([conversationId])).get(conversationId) ?? 0;
      while (from < lastSeq) {
        const events = await ctx.store.readAfter(conversationId, from, CATCH_UP_PAGE);
        if (events.length === 0) break;
        await index.apply(await updateFor(conversationId, events));
        from = events[events.length - 1]!.seq;
      }
    })();
    running.set(conversationId, run);
    try {
      await run;
    } finally {
      running.delete(conversationId);
    }
  }

  /** What a stretch of the log does to the conversation's searchable messages. */
  async function updateFor(conversationId: string, events: readonly LogEvent[]): Promise<SearchIndexUpdate> {
    const messages = new Map<number, MessageEvent>();
    const upserts = new Map<number, SearchDocument>();
    const removals = new Map<number, number>();
    const document = (message: MessageEvent, text: string, version: number) => {
      const tokens = searchTokenText(text);
      if (tokens) {
        upserts.set(message.seq, { conversationId, seq: message.seq, ts: message.ts, senderId: message.senderId, tokens, version });
        removals.delete(message.seq);
      } else {
        upserts.delete(message.seq);
        removals.set(message.seq, version);
      }
    };
    for (const event of events) {
      if (event.kind === 'message') {
        messages.set(event.seq, event);
        // An original erased by a later edit has no text: the edit brings it.
        const text = messageSearchText(event.data);
        if (text) document(event, text, event.seq);
      } else if (event.kind === 'message.edited') {
        const target = messages.get(event.data.messageSeq) ?? (await readMessage(conversationId, event.data.messageSeq));
        if (!target) continue;
        messages.set(target.seq, target);
        document(target, messageSearchText({ ...(event.data.text !== undefined ? { text: event.data.text } : {}), ...(target.data.attachments ? { attachments: target.data.attachments } : {}) }), event.seq);
      } else if (event.kind === 'message.deleted') {
        upserts.delete(event.data.messageSeq);
        removals.set(event.data.messageSeq, event.seq);
      }
    }
    return {
      conversationId,
      upserts: [...upserts.values()],
      removals: [...removals].map(([seq, version]) => ({ seq, version })),
      throughSeq: events[events.length - 1]!.seq,
    };
  }

  async function readMessage(conversationId: string, seq: number): Promise<MessageEvent | null> {
    const [event] = await ctx.store.readAfter(conversationId, seq - 1, 1);
    return event?.kind === 'message' && event.seq === seq ? event : null;
  }

  async function catchUp(conversations: ReadonlyArray<{ id: string; lastSeq: number }>): Promise<void> {
    if (conversations.length === 0) return;
    const indexed = await index.indexedSeqs(conversations.map(({ id }) => id));
    const behind = conversations.filter(({ id, lastSeq }) => (indexed.get(id) ?? 0) < lastSeq);
    for (let i = 0; i < behind.length; i += CATCH_UP_PARALLEL) {
      await Promise.all(behind.slice(i, i + CATCH_UP_PARALLEL).map(({ id, lastSeq }) => indexConversation(id, lastSeq)));
    }
  }

  /** The conversations a search looks in, with their seq when it was asked. */
  async function scope(userId: string, conversationId: string | undefined): Promise<Array<{ id: string; lastSeq: number }>> {
    if (conversationId !== undefined) {
      const [conversation, member] = await Promise.all([ctx.store.getConversation(conversationId), ctx.store.getMember(conversationId, userId)]);
      if (!conversation || !member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
      return [{ id: conversation.id, lastSeq: conversation.lastSeq }];
    }
    const out: Array<{ id: string; lastSeq: number }> = [];
    let after: { lastActivityAt: number; conversationId: string } | undefined;
    for (;;) {
      const page: StoredMembership[] = await ctx.store.listMemberships(userId, { limit: 500, ...(after ? { after } : {}) });
      for (const { conversation } of page) out.push({ id: conversation.id, lastSeq: conversation.lastSeq });
      if (page.length < 500) return out;
      const last = page[page.length - 1]!.conversation;
      after = { lastActivityAt: last.lastActivityAt, conversationId: last.id };
    }
  }

  /** Reads candidates back as they are now; keeps those that still match, with their snippets. */
  async function verify(
    hits: ReadonlyArray<{ conversationId: string; seq: number }>,
    lastSeqs: ReadonlyMap<string, number>,
    request: SearchRequest,
    terms: ReturnType<typeof parseSearchQuery>,
  ): Promise<SearchHit[]> {
    const byConversation = new Map<string, number[]>();
    for (const { conversationId, seq } of hits) {
      if (!lastSeqs.has(conversationId)) continue;
      byConversation.set(conversationId, [...(byConversation.get(conversationId) ?? []), seq]);
    }
    const found = new Map<string, MessageEvent>();
    await Promise.all(
      [...byConversation].map(async ([conversationId, seqs]) => {
        const events = (await Promise.all(seqs.map((seq) => readMessage(conversationId, seq)))).filter((e): e is MessageEvent => e !== null);
        const folded = await foldMessages(ctx.store, ctx.logger, conversationId, events, lastSeqs.get(conversationId)!);
        for (const event of folded) if (event.kind === 'message') found.set(`${conversationId}\u0000${event.seq}`, event);
      }),
    );
    const out: SearchHit[] = [];
    for (const { conversationId, seq } of hits) {
      const message = found.get(`${conversationId}\u0000${seq}`);
      if (!message || message.state?.deleted) continue;
      if (request.senderId !== undefined && message.senderId !== request.senderId) continue;
      if ((request.before !== undefined && message.ts >= request.before) || (request.after !== undefined && message.ts <= request.after)) continue;
      const text = messageSearchText(message.data);
      const ranges = matchSearch(text, terms);
      if (!ranges) continue;
      const { snippet, highlights } = searchSnippet(text, ranges, Limits.maxSnippetLength);
      out.push({ conversationId, seq, message: knownEvent(message) as MessageEvent, snippet, highlights });
    }
    return out;
  }

  async function search(userId: string, request: SearchRequest, { rateLimited = true } = {}): Promise<SearchAnswer> {
    follow();
    if (rateLimited && !limiter.take(userId)) throw new ParleyError(ErrorCode.RATE_LIMITED, 'too many searches: wait a moment');
    if (request.query.length > ctx.limits.maxSearchQueryLength) {
      throw new ParleyError(ErrorCode.BAD_FRAME, `query longer than ${ctx.limits.maxSearchQueryLength} characters`);
    }
    const limit = Math.min(request.limit ?? 20, ctx.limits.maxSearchResults);
    const conversations = await scope(userId, request.conversationId);
    const terms = parseSearchQuery(request.query);
    // Nothing searchable (only punctuation or emoji) finds nothing; a user in no conversation neither.
    if (terms.length === 0 || conversations.length === 0) return { hits: [] };
    await catchUp(conversations);
    const lastSeqs = new Map(conversations.map(({ id, lastSeq }) => [id, lastSeq]));
    const hits: SearchHit[] = [];
    let cursor = request.cursor;
    for (let round = 0; round < MAX_ROUNDS && hits.length < limit; round++) {
      const page = await index.query({
        conversationIds: conversations.map(({ id }) => id),
        terms,
        ...(request.senderId !== undefined ? { senderId: request.senderId } : {}),
        ...(request.before !== undefined ? { before: request.before } : {}),
        ...(request.after !== undefined ? { after: request.after } : {}),
        order: request.order ?? 'newest',
        limit: limit - hits.length,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      hits.push(...(await verify(page.hits, lastSeqs, request, terms)));
      cursor = page.cursor;
      if (cursor === undefined) break;
    }
    return { hits, ...(cursor !== undefined ? { cursor } : {}) };
  }

  function schedule(): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      const batch = [...dirty].map(([id, lastSeq]) => ({ id, lastSeq }));
      dirty.clear();
      catchUp(batch).catch((err: unknown) => {
        // A search catches up itself; the background run only saves it the work.
        ctx.logger.warn('search indexing failed; searches will catch up', { err });
      });
    }, options.indexDelayMs ?? 500);
    timer.unref();
  }

  /**
   * Background indexing starts with this node's first search: a deployment whose users never
   * search pays nothing per message (W1 in bench/: about 10% of a send's CPU with the memory
   * store). Until then, and for what other nodes store, a search catches up first (above).
   */
  let unsubscribe: (() => void) | undefined;
  function follow(): void {
    if (unsubscribe || closed) return;
    unsubscribe = ctx.storedEvents.on((event) => {
      if (event.kind !== 'message' && event.kind !== 'message.edited' && event.kind !== 'message.deleted') return;
      dirty.set(event.conversationId, Math.max(dirty.get(event.conversationId) ?? 0, event.seq));
      schedule();
    });
  }

  return {
    index,
    search,
    catchUp,
    close() {
      closed = true;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
