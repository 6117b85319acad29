import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { SearchHitView } from '@parley/client-sdk';
import { useConversations, useSearch } from '@parley/client-sdk/react';
import { HighlightedSnippet } from './highlighted-snippet.js';
import { titleOf, whenOf } from './names.js';
import { useNameOf } from './people.js';
import type { SearchBox } from './use-search-box.js';

type SearchPanelProps = {
  search: SearchBox;
  me: string;
  /** Opens the hit's conversation around it. */
  onOpen: (hit: SearchHitView) => void;
  /** What the sidebar shows when no search is going on (the conversation list). */
  children: ReactNode;
};

/**
 * The message search at the top of the sidebar: the field, and while it holds a query (or is
 * narrowed to a conversation) the results instead of the conversation list. The field keeps the
 * focus and points at the active result (`aria-activedescendant`): arrows choose, Enter opens,
 * Escape closes.
 */
export function SearchPanel({ search, me, onOpen, children }: SearchPanelProps) {
  const { conversations } = useConversations();
  const nameOf = useNameOf();
  const inputId = useId();
  const listId = useId();
  const scoped = search.scope !== null ? conversations.find((c) => c.id === search.scope) : undefined;
  const scopeTitle = scoped ? titleOf(scoped, me, nameOf) : 'this conversation';
  const found = useSearch(search.query, { ...(search.scope !== null ? { conversationId: search.scope } : {}), order: search.order });
  const hits = search.query.trim() === '' ? [] : found.results;
  const [active, setActive] = useState(-1);
  useEffect(() => setActive(-1), [search.query, search.scope, search.order]);
  const optionId = (i: number) => `${listId}-${i}`;

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (hits.length === 0) return;
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? Math.min(active + 1, hits.length - 1) : Math.max(active - 1, 0);
      setActive(next);
      document.getElementById(optionId(next))?.scrollIntoView({ block: 'nearest' });
    } else if (event.key === 'Enter') {
      const hit = hits[active] ?? (hits.length === 1 ? hits[0] : undefined);
      if (!hit) return;
      event.preventDefault();
      onOpen(hit);
    }
  };

  return (
    <div
      className="search"
      role="search"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !search.active) return;
        event.preventDefault();
        search.close();
      }}
    >
      <div className="search-field">
        <label htmlFor={inputId} className="sr-only">Search messages</label>
        <input
          id={inputId}
          ref={search.input}
          type="search"
          autoComplete="off"
          placeholder={search.scope !== null ? `Search in ${scopeTitle}` : 'Search messages (Ctrl+K)'}
          value={search.query}
          onChange={(e) => search.setQuery(e.target.value)}
          onKeyDown={onKeyDown}
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 && active < hits.length ? optionId(active) : undefined}
        />
        {search.active && (
          <button type="button" className="ghost" aria-label="Close search" title="Close search (Esc)" onClick={search.close}>×</button>
        )}
      </div>
      {search.scope !== null && (
        <p className="search-scope" data-testid="search-scope">
          <span className="grow">In {scopeTitle}</span>
          <button type="button" className="link" onClick={() => search.setScope(null)}>Search all chats</button>
        </p>
      )}
      {search.active ? (
        <div className="search-results">
          <div className="search-order" role="group" aria-label="Order of results">
            <button type="button" className="ghost" aria-pressed={search.order === 'newest'} onClick={() => search.setOrder('newest')}>Newest</button>
            <button type="button" className="ghost" aria-pressed={search.order === 'relevance'} onClick={() => search.setOrder('relevance')}>Best match</button>
          </div>
          {found.offline && hits.length + search.query.trim().length > 0 && (
            <p className="search-note offline" data-testid="search-offline">Offline — showing messages on this device</p>
          )}
          <SearchStatus query={search.query.trim()} status={found.status} count={hits.length} error={found.error} />
          <ul className="search-hits" role="listbox" id={listId} aria-label="Messages found">
            {hits.map((hit, i) => (
              <HitOption
                key={`${hit.conversationId}:${hit.seq}:${hit.message.key}`}
                id={optionId(i)}
                hit={hit}
                selected={i === active}
                title={titleOfHit(hit, conversations, me, nameOf)}
                sender={hit.message.senderId === me ? 'You' : nameOf(hit.message.senderId)}
                onOpen={() => onOpen(hit)}
              />
            ))}
          </ul>
          {found.hasMore && (
            <button type="button" className="ghost load-more" onClick={() => found.loadMore()} disabled={found.status === 'loading'}>
              Load more
            </button>
          )}
        </div>
      ) : (
        children
      )}
    </div>
  );
}

type Conversations = ReturnType<typeof useConversations>['conversations'];

function titleOfHit(hit: SearchHitView, conversations: Conversations, me: string, nameOf: (id: string) => string): string {
  const conversation = conversations.find((c) => c.id === hit.conversationId);
  return conversation ? titleOf(conversation, me, nameOf) : hit.conversationId;
}

/** What the search is doing, said to everyone (a live region): searching, nothing found, failed. */
function SearchStatus({ query, status, count, error }: { query: string; status: string; count: number; error?: Error | null | undefined }) {
  let text = '';
  if (query === '') text = 'Type to search.';
  else if (status === 'error') text = `Search failed: ${error?.message ?? 'try again'}`;
  else if (status === 'loading' && count === 0) text = 'Searching…';
  else if (status === 'done' && count === 0) text = `No messages match “${query}”.`;
  return (
    <p className={`search-note ${status === 'error' ? 'error' : ''}`} role={status === 'error' ? 'alert' : 'status'} data-testid="search-status">
      {text}
    </p>
  );
}

type HitOptionProps = { id: string; hit: SearchHitView; selected: boolean; title: string; sender: string; onOpen: () => void };

function HitOption({ id, hit, selected, title, sender, onOpen }: HitOptionProps) {
  const pending = hit.message.seq === undefined || hit.message.status === 'pending';
  return (
    <li id={id} role="option" aria-selected={selected} className={`search-hit ${selected ? 'active' : ''}`} data-testid="search-hit" onClick={onOpen}>
      <span className="row-top">
        <span className="row-title">{title}</span>
        <span className="row-time">{pending ? 'not sent yet' : whenOf(hit.message.ts)}</span>
      </span>
      <span className="hit-text">
        <span className="hit-sender">{sender}: </span>
        <HighlightedSnippet snippet={hit.snippet} highlights={hit.highlights} />
      </span>
    </li>
  );
}
