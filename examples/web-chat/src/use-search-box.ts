import { useEffect, useRef, useState } from 'react';

export type SearchOrder = 'newest' | 'relevance';

export interface SearchBox {
  input: React.RefObject<HTMLInputElement | null>;
  query: string;
  setQuery(query: string): void;
  /** The conversation the search is narrowed to ("search in this conversation"), or null: all. */
  scope: string | null;
  setScope(conversationId: string | null): void;
  order: SearchOrder;
  setOrder(order: SearchOrder): void;
  /** Whether results show instead of the conversation list. */
  active: boolean;
  /** Puts the keyboard in the search field, remembering where it was to give it back on close. */
  focus(): void;
  /** Searches in one conversation: narrows the search and focuses the field. */
  searchIn(conversationId: string): void;
  /** Clears the search and gives the focus back to where it was before. */
  close(): void;
}

/** A key press meant for what has the focus (typing), not a shortcut. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The sidebar's message search: its query, scope and order, and its keyboard shortcuts
 * (Ctrl+K or ⌘K anywhere, `/` when not typing) that focus the field.
 */
export function useSearchBox(): SearchBox {
  const input = useRef<HTMLInputElement | null>(null);
  const [query, setQuery] = useState('');
  const [scope, setScope] = useState<string | null>(null);
  const [order, setOrder] = useState<SearchOrder>('newest');
  const returnTo = useRef<HTMLElement | null>(null);

  const focus = () => {
    const field = input.current;
    if (!field) return;
    if (document.activeElement !== field && document.activeElement instanceof HTMLElement) returnTo.current = document.activeElement;
    field.focus();
    field.select();
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const ctrlK = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k';
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
      if (!ctrlK && !slash) return;
      event.preventDefault();
      focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return {
    input,
    query,
    setQuery,
    scope,
    setScope,
    order,
    setOrder,
    active: query.trim() !== '' || scope !== null,
    focus,
    searchIn(conversationId) {
      setScope(conversationId);
      focus();
    },
    close() {
      setQuery('');
      setScope(null);
      const back = returnTo.current;
      returnTo.current = null;
      if (back?.isConnected) back.focus();
      else input.current?.blur();
    },
  };
}
