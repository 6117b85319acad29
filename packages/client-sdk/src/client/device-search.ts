import { foldIntoMessage, foldTarget, isChange, matchSearch, messageSearchText, searchScore, type LogEvent, type MessageEvent, type SearchTerm } from '@parley/protocol';
import type { ClientStorage } from '../storage/client-storage.js';
import type { SearchHitView } from '../search-types.js';
import type { ChatState } from '../state/chat-state.js';
import type { ConversationState } from '../state/conversation-state.js';
import { hasQueuedChange, hitMessageView, localHit, outboxHits, passes, viewSearchText, type SearchFilter } from '../state/search-hits.js';

/** Events read from storage at a time, per conversation. */
export const DEVICE_SEARCH_PAGE = 200;

interface Candidate {
  readonly conversationId: string;
  readonly seq: number;
  readonly ts: number;
  readonly score: number;
  /** A held message, folded: its view is built only if it makes the final page. */
  readonly message?: MessageEvent;
  readonly hit?: SearchHitView;
}

export interface DeviceSearch extends SearchFilter {
  readonly terms: readonly SearchTerm[];
  readonly order: 'newest' | 'relevance';
  /** Hits skipped (the pages before this one) and hits wanted. */
  readonly offset: number;
  readonly limit: number;
}

const newest = (a: Candidate, b: Candidate) => b.ts - a.ts || (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0) || b.seq - a.seq;

/** The best `size` candidates seen so far, in order: memory stays bounded whatever the cache holds. */
function topList(size: number, compare: (a: Candidate, b: Candidate) => number) {
  const list: Candidate[] = [];
  return {
    list,
    add(candidate: Candidate) {
      if (list.length >= size && compare(candidate, list[list.length - 1]!) >= 0) return;
      let at = list.length;
      while (at > 0 && compare(candidate, list[at - 1]!) < 0) at -= 1;
      list.splice(at, 0, candidate);
      if (list.length > size) list.pop();
    },
  };
}

/**
 * Searches what this device holds, by the server's rule (`matchSearch`): the cached messages of
 * every conversation the client still holds (one the user left is dropped from the cache, and is
 * not searched) and the user's messages waiting in the outbox. Current text only (changes held
 * are folded in, and the user's queued changes), deleted never.
 *
 * Bounded: each conversation's cache is read from storage newest first, `DEVICE_SEARCH_PAGE`
 * events at a time, with the events in memory taking precedence (they may not be written yet);
 * what is kept meanwhile is the best `offset + limit + 1` hits, the seqs of the messages seen in
 * the conversation being read and the changes met (which fold into older messages read later).
 */
export async function searchDevice(state: ChatState, storage: ClientStorage, search: DeviceSearch): Promise<{ hits: SearchHitView[]; more: boolean }> {
  const compare = search.order === 'relevance' ? (a: Candidate, b: Candidate) => b.score - a.score || newest(a, b) : newest;
  const top = topList(search.offset + search.limit + 1, compare);
  const { terms } = search;

  for (const hit of outboxHits(state, terms, search)) {
    top.add({ conversationId: hit.conversationId, seq: 0, ts: hit.message.ts, score: searchScore(viewSearchText(hit.message), terms), hit });
  }
  if (terms.length > 0) {
    for (const conv of state.conversations.values()) {
      if (!conv.summary || (search.conversationId !== undefined && conv.id !== search.conversationId)) continue;
      // A conversation the user is no longer in (its full member list says so) is not searched.
      const { members, memberCount } = conv.summary;
      if (members.length === memberCount && state.userId !== null && !members.includes(state.userId)) continue;
      await searchConversation(state, conv, storage, search, top.add);
    }
  }
  const page = top.list.slice(search.offset, search.offset + search.limit);
  const hits: SearchHitView[] = [];
  for (const candidate of page) {
    const hit = candidate.hit ?? (candidate.message && viewHit(state, candidate.message, terms));
    if (hit) hits.push(hit);
  }
  return { hits, more: top.list.length > search.offset + search.limit };
}

function viewHit(state: ChatState, message: MessageEvent, terms: readonly SearchTerm[]): SearchHitView | null {
  const view = hitMessageView(state, message);
  return view ? localHit(view, message.seq, terms) : null;
}

async function searchConversation(
  state: ChatState,
  conv: ConversationState,
  storage: ClientStorage,
  search: DeviceSearch,
  add: (candidate: Candidate) => void,
): Promise<void> {
  const memory = new Map(conv.events.map((e) => [e.seq, e]));
  /** Changes by the message they fold into, each once (memory and storage both hold most). */
  const changes = new Map<string, LogEvent[]>();
  const changeSeqs = new Set<number>();
  const seen = new Set<number>();
  const takeChange = (event: LogEvent) => {
    const target = foldTarget(event);
    if (!target || changeSeqs.has(event.seq)) return;
    changeSeqs.add(event.seq);
    const list = changes.get(target.messageId);
    if (list) list.push(event);
    else changes.set(target.messageId, [event]);
  };
  // Read newest first, a change comes before the older message it changes; those in memory are all known now.
  for (const event of conv.events) if (isChange(event)) takeChange(event);

  const consider = (stored: LogEvent) => {
    const event = memory.get(stored.seq) ?? stored;
    if (isChange(event)) return takeChange(event);
    if (event.kind !== 'message' || seen.has(event.seq)) return;
    seen.add(event.seq);
    if (!passes(search, conv.id, event.senderId, event.ts)) return;
    const folded = (changes.get(event.id) ?? []).sort((a, b) => a.seq - b.seq).reduce(foldIntoMessage, event);
    if (folded.state?.deleted) return;
    // The user's own queued edit or delete of it: matched as shown.
    if (hasQueuedChange(state, folded)) {
      const view = hitMessageView(state, folded);
      const hit = view && localHit(view, folded.seq, search.terms);
      if (hit) add({ conversationId: conv.id, seq: folded.seq, ts: folded.ts, score: searchScore(viewSearchText(view), search.terms), hit });
      return;
    }
    const text = messageSearchText(folded.data);
    if (!matchSearch(text, search.terms)) return;
    add({ conversationId: conv.id, seq: folded.seq, ts: folded.ts, score: searchScore(text, search.terms), message: folded });
  };

  let beforeSeq: number | undefined;
  for (;;) {
    const page = await storage.events.list(conv.id, { ...(beforeSeq !== undefined ? { beforeSeq } : {}), limit: DEVICE_SEARCH_PAGE });
    for (let i = page.length - 1; i >= 0; i -= 1) consider(page[i]!);
    if (page.length < DEVICE_SEARCH_PAGE || page[0] === undefined) break;
    beforeSeq = page[0].seq;
  }
  // Held in memory and not written yet (or evicted from storage): newest first too.
  for (let i = conv.events.length - 1; i >= 0; i -= 1) consider(conv.events[i]!);
}
