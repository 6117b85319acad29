import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SearchHitView, SearchOptions } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

const NO_HITS: readonly SearchHitView[] = Object.freeze([]);

export interface SearchState {
  /** The hits of every page loaded so far, in order, none twice. */
  readonly results: readonly SearchHitView[];
  /** `idle`: no query; `loading`: a page is on its way (or the query is settling); `done`; `error`. */
  readonly status: 'idle' | 'loading' | 'done' | 'error';
  /** Where the hits came from (see `SearchResults.source`); `server` until an answer says. */
  readonly source: 'server' | 'local' | 'both';
  /** The server could not be asked: the hits are what this device holds. */
  readonly offline: boolean;
  readonly error?: Error;
  /** A next page exists: `loadMore()` appends it. */
  readonly hasMore: boolean;
  /** Appends the next page; a no-op while one is loading or none is left. */
  loadMore(): void;
}

interface Answer {
  readonly key: string;
  readonly results: readonly SearchHitView[];
  readonly status: 'loading' | 'done' | 'error';
  readonly source: 'server' | 'local' | 'both';
  readonly offline: boolean;
  readonly cursor?: string;
  readonly error?: Error;
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/**
 * Message search as a search box shows it: `chat.search` for `query` (trimmed; empty is `idle`),
 * debounced here (`debounceMs`, default 250: type freely, one request when typing pauses), the
 * answer for the latest query only, and `loadMore()` for the next page. Offline it shows what the
 * device holds, with `offline: true`, and searches again when the connection comes back (and
 * when it goes).
 *
 * @example
 * const [query, setQuery] = useState('');
 * const { results, status, offline, hasMore, loadMore } = useSearch(query, { order: 'relevance' });
 * {offline && <p>Offline: results from this device</p>}
 * {results.map((h) => <Hit key={`${h.conversationId}:${h.seq}:${h.message.key}`} hit={h} onClick={() => chat.loadAround(h.conversationId, h.seq)} />)}
 * {hasMore && <button onClick={loadMore}>More</button>}
 */
export function useSearch(query: string, options: Omit<SearchOptions, 'cursor'> & { debounceMs?: number } = {}): SearchState {
  const client = useChatClient();
  const { debounceMs = 250, conversationId, senderId, before, after, order, limit } = options;
  const trimmed = query.trim();
  const asked = useMemo<SearchOptions>(() => ({
    ...(conversationId !== undefined ? { conversationId } : {}),
    ...(senderId !== undefined ? { senderId } : {}),
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(order !== undefined ? { order } : {}),
    ...(limit !== undefined ? { limit } : {}),
  }), [conversationId, senderId, before, after, order, limit]);
  // Searched again when the connection comes or goes: online answers replace offline ones.
  const online = useChatStore((s) => s.connection.status === 'online');
  const key = JSON.stringify([trimmed, asked, online]);
  const [answer, setAnswer] = useState<Answer | null>(null);
  /** The key the latest request was for: an older answer arriving late is dropped. */
  const latest = useRef(key);
  latest.current = key;
  const loadingMore = useRef(false);

  useEffect(() => {
    if (!client || trimmed === '') return;
    let current = true;
    const timer = setTimeout(() => {
      client.search(trimmed, asked).then(
        (page) => current && setAnswer({ key, results: page.hits, status: 'done', source: page.source, offline: page.offline, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) }),
        (err: unknown) => current && setAnswer({ key, results: NO_HITS, status: 'error', source: 'server', offline: false, error: asError(err) }),
      );
    }, debounceMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, key, trimmed, asked, debounceMs]);

  const loadMore = useCallback(() => {
    if (!client || !answer || answer.key !== key || answer.cursor === undefined || loadingMore.current) return;
    loadingMore.current = true;
    const shown = answer;
    setAnswer({ ...shown, status: 'loading' });
    client.search(trimmed, { ...asked, cursor: shown.cursor! }).then(
      (page) => {
        if (latest.current !== shown.key) return;
        const seen = new Set(shown.results.map((h) => `${h.conversationId}:${h.seq}:${h.message.key}`));
        const fresh = page.hits.filter((h) => !seen.has(`${h.conversationId}:${h.seq}:${h.message.key}`));
        const { cursor: _done, ...rest } = shown;
        setAnswer({ ...rest, results: [...shown.results, ...fresh], status: 'done', offline: page.offline, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) });
      },
      (err: unknown) => {
        if (latest.current === shown.key) setAnswer({ ...shown, status: 'error', error: asError(err) });
      },
    ).finally(() => {
      loadingMore.current = false;
    });
  }, [client, answer, key, trimmed, asked]);

  return useMemo((): SearchState => {
    if (trimmed === '' || !client) return { results: NO_HITS, status: 'idle', source: 'server', offline: false, hasMore: false, loadMore };
    if (!answer || answer.key !== key) return { results: NO_HITS, status: 'loading', source: 'server', offline: false, hasMore: false, loadMore };
    return {
      results: answer.results, status: answer.status, source: answer.source, offline: answer.offline,
      ...(answer.error ? { error: answer.error } : {}), hasMore: answer.cursor !== undefined, loadMore,
    };
  }, [trimmed, client, answer, key, loadMore]);
}
