import type { MessageView } from './message-types.js';

/**
 * What `chat.search` narrows and orders by. Every field is optional.
 *
 * @example
 * await chat.search('invoice', { conversationId: id, after: Date.now() - 7 * 86_400_000, order: 'relevance' });
 */
export interface SearchOptions {
  /** Only this conversation (the server answers NOT_FOUND for one the user is not a member of). */
  readonly conversationId?: string;
  /** Only messages by this user. */
  readonly senderId?: string;
  /** Only messages sent before this time (epoch ms, exclusive). */
  readonly before?: number;
  /** Only messages sent after this time (epoch ms, exclusive). */
  readonly after?: number;
  /** `newest` first (the default), or best match first. */
  readonly order?: 'newest' | 'relevance';
  /** Hits per page: 1 to `Limits.maxSearchResults` (50); default 20. */
  readonly limit?: number;
  /**
   * The `cursor` of the previous page. A server cursor asks the server; a local one (`local:…`,
   * from a search answered on this device) pages the device's results, online or not.
   */
  readonly cursor?: string;
}

/**
 * One found message. `message` is the client's usual view of it (current text, reactions,
 * `deleted`, the user's own queued changes), `snippet` a piece of its text around the match
 * (at most `Limits.maxSnippetLength`, `…` where it was cut) and `highlights` the `[start, end)`
 * ranges of `snippet` that matched: render them as you like, the snippet is never HTML.
 *
 * @example
 * const parts = []; let at = 0;
 * for (const [a, b] of hit.highlights) { parts.push(hit.snippet.slice(at, a), <mark>{hit.snippet.slice(a, b)}</mark>); at = b; }
 * parts.push(hit.snippet.slice(at));
 */
export interface SearchHitView {
  readonly conversationId: string;
  /** The message's seq; 0 for one of the user's messages still in the outbox (none yet: find it by `message.key`). */
  readonly seq: number;
  readonly message: MessageView;
  readonly snippet: string;
  readonly highlights: ReadonlyArray<readonly [number, number]>;
  /** Who found it: the server, or this device (offline, or a message still in the outbox). */
  readonly from: 'server' | 'local';
}

/**
 * One page of `chat.search`. `source` says where the hits came from: `server` (online, and no
 * message of this device's outbox matched), `local` (this device only), `both` (the server's hits
 * plus the user's own messages still waiting in the outbox, which the server cannot know yet).
 * `offline: true` when the server could not be asked (not connected, or the request failed on the
 * network or timed out): the hits are what this device holds and may miss messages it never
 * loaded.
 *
 * @example
 * const page = await chat.search('lunch');
 * if (page.offline) banner('Offline: results from this device only');
 * const next = page.cursor ? await chat.search('lunch', { cursor: page.cursor }) : null;
 */
export interface SearchResults {
  /** No duplicates (one per conversation and seq), in the order asked. */
  readonly hits: readonly SearchHitView[];
  /** Asks for the next page (`search(query, { ...options, cursor })`); absent on the last page. */
  readonly cursor?: string;
  readonly source: 'server' | 'local' | 'both';
  readonly offline: boolean;
}

/**
 * What `chat.loadAround` did. `source: 'cache'` when the message was already in the conversation's
 * cached timeline (no request); `server` when a window was fetched. `window: true` when that window
 * is detached from the cached timeline: `getTimeline` shows the window (see `TimelineWindowView`)
 * until it joins the cached timeline (`loadNewer` pages reach it) or `closeWindow` goes back to
 * the newest messages.
 *
 * @example
 * const { window } = await chat.loadAround(hit.conversationId, hit.seq);
 * scrollTo(hit.seq); // getTimeline(id) holds it now
 */
export interface LoadAroundResult {
  readonly source: 'cache' | 'server';
  /** Whether `seq` is now held in the timeline shown (false: the server holds nothing there for this user, e.g. a change's seq). */
  readonly found: boolean;
  readonly window: boolean;
  /** Older timeline events exist than the oldest shown. */
  readonly hasOlder: boolean;
  /** Newer timeline events exist than the newest shown (only ever true in a window). */
  readonly hasNewer: boolean;
}

/**
 * A detached part of a conversation's timeline the user jumped to (`loadAround`), shown by
 * `getTimeline` instead of the newest messages: from `fromSeq` to `toSeq`, every timeline event in
 * between, with `hasOlder`/`hasNewer` saying whether the timeline goes on past either end. It
 * never enters the cache until it joins the cached timeline, so the cache stays gap-free. One per
 * conversation, the same in every tab of a browser (the tabs share one state).
 *
 * @example
 * const w = chat.getSnapshot().windows[id];
 * if (w?.hasNewer) showButton('Jump to latest', () => chat.closeWindow(id));
 */
export interface TimelineWindowView {
  readonly conversationId: string;
  /** The seq jumped to. */
  readonly aroundSeq: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}
