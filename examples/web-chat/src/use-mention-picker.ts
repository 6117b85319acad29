import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { mentionCandidates, mentionQueryAt, mentionsIn } from './message-content.js';
import { useNameOf } from './people.js';

interface Options {
  /** Who can be mentioned: the conversation's other members. */
  members: readonly string[];
  draft: string;
  setDraft: (draft: string) => void;
  input: RefObject<HTMLTextAreaElement | null>;
}

/**
 * The `@` picker of a composer: open while the caret is in an `@query` that matches a member,
 * navigated with the arrows, picked with Enter or Tab (or a click), closed with Escape. Picked
 * users become the message's `mentions` as long as their `@name` stays in the text.
 */
export function useMentionPicker({ members, draft, setDraft, input }: Options) {
  const listId = useId();
  const nameOf = useNameOf();
  const [caret, setCaret] = useState(0);
  const [picked, setPicked] = useState<string[]>([]);
  const [active, setActive] = useState({ query: '', index: 0 });
  // The `@` the user closed the picker on: it stays closed there until they move to another.
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const caretAfterPick = useRef<number | null>(null);

  const at = mentionQueryAt(draft, caret);
  const candidates = at ? mentionCandidates(members, at.query, 8, nameOf) : [];
  const open = at !== null && at.start !== dismissedAt && candidates.length > 0;
  // A new query starts at its best match.
  const index = at && active.query === at.query ? Math.min(active.index, candidates.length - 1) : 0;

  // The caret goes after the inserted name, in the same frame as the new text.
  useLayoutEffect(() => {
    const el = input.current;
    if (el && caretAfterPick.current !== null) {
      el.setSelectionRange(caretAfterPick.current, caretAfterPick.current);
      caretAfterPick.current = null;
    }
  }, [draft, input]);

  const pick = (userId: string) => {
    if (!at) return;
    const insert = `@${userId} `;
    const next = draft.slice(0, at.start) + insert + draft.slice(caret).replace(/^\S*\s?/, '');
    caretAfterPick.current = at.start + insert.length;
    setCaret(at.start + insert.length);
    setPicked((ids) => (ids.includes(userId) ? ids : [...ids, userId]));
    setDraft(next);
    input.current?.focus();
  };

  /** Handles the picker's keys; returns true when the key was the picker's (the composer ignores it then). */
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open || !at) return false;
    const move = (by: number) => setActive({ query: at.query, index: (index + by + candidates.length) % candidates.length });
    if (event.key === 'ArrowDown') move(1);
    else if (event.key === 'ArrowUp') move(-1);
    else if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey) pick(candidates[index]!);
    else if (event.key === 'Escape') setDismissedAt(at.start);
    else return false;
    event.preventDefault();
    return true;
  };

  return {
    open,
    candidates,
    activeIndex: index,
    listId,
    optionId: (i: number) => `${listId}-option-${i}`,
    pick,
    onKeyDown,
    /** Call on every change and caret move of the textarea. */
    trackCaret: (el: HTMLTextAreaElement) => {
      setCaret(el.selectionStart);
      // Leaving the dismissed `@` forgets it: a new `@` there later opens the picker again.
      if (dismissedAt !== null && mentionQueryAt(el.value, el.selectionStart)?.start !== dismissedAt) setDismissedAt(null);
    },
    /** The mentions of `text` about to be sent. */
    mentionsFor: (text: string) => mentionsIn(text, picked),
    reset: () => {
      setPicked([]);
      setDismissedAt(null);
    },
  };
}

export type MentionPickerState = ReturnType<typeof useMentionPicker>;
