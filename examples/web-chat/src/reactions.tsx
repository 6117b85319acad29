import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';
import type { MessageView, ReactionView } from '@parley/client-sdk';
import { listOf, useNameOf } from './people.js';

/** The quick set the picker offers; keys already on a message are offered too. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/** "alice, bob and you": who reacted, for the chip's tooltip and its screen-reader name. */
function whoOf(reaction: ReactionView, me: string, nameOf: (userId: string) => string): string {
  return listOf(reaction.userIds.map((id) => (id === me ? 'you' : nameOf(id))));
}

/** The chips under a message: each key with its count, pressed when it is the user's; a click toggles. */
export function ReactionChips({ message, me, onToggle }: { message: MessageView; me: string; onToggle: (key: string) => void }) {
  const nameOf = useNameOf();
  if (message.reactions.length === 0) return null;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {message.reactions.map((reaction) => {
        const who = whoOf(reaction, me, nameOf);
        return (
          <button
            key={reaction.key}
            type="button"
            className={`chip ${reaction.mine ? 'mine' : ''}`}
            data-testid="reaction"
            aria-pressed={reaction.mine}
            aria-label={`${reaction.key} ${reaction.count}: ${who}`}
            title={`${who} reacted with ${reaction.key}`}
            onClick={() => onToggle(reaction.key)}
          >
            <span aria-hidden="true">{reaction.key}</span>
            <span className="chip-count" aria-hidden="true">{reaction.count}</span>
          </button>
        );
      })}
    </div>
  );
}

type PickerProps = {
  message: MessageView;
  onPick: (key: string) => void;
  /** `returnFocus`: the picker was closed from the keyboard, so the focus goes back to its button. */
  onClose: (returnFocus: boolean) => void;
  /** The button that opened it: a press there toggles the picker, so it is not "outside". */
  anchor: RefObject<HTMLElement | null>;
};

/**
 * A row of reactions to pick from. It takes the focus when it opens; ←/→ move between the
 * choices, Escape closes, and so does a click anywhere else or moving the focus out.
 */
export function ReactionPicker({ message, onPick, onClose, anchor }: PickerProps) {
  const ref = useRef<HTMLDivElement>(null);
  const keys = [...new Set([...QUICK_REACTIONS, ...message.reactions.map((r) => r.key)])];
  const mine = new Set(message.reactions.filter((r) => r.mine).map((r) => r.key));
  // The latest onClose, read by the listener set up once: re-renders must not move the focus back.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });

  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
    const outside = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!ref.current?.contains(target) && !anchor.current?.contains(target)) close.current(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [anchor]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(ref.current?.querySelectorAll('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === 'Escape') onClose(true);
    else if (event.key === 'ArrowRight') buttons[(at + 1) % buttons.length]?.focus();
    else if (event.key === 'ArrowLeft') buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
    else return;
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <div
      className="reaction-picker"
      role="group"
      aria-label="Pick a reaction"
      ref={ref}
      onKeyDown={onKeyDown}
      // Tabbing away closes it too (a press elsewhere is the pointerdown listener's).
      onBlur={(event) => {
        const next = event.relatedTarget;
        if (next && !event.currentTarget.contains(next) && next !== anchor.current) onClose(false);
      }}
    >
      {keys.map((key) => (
        <button
          key={key}
          type="button"
          className={mine.has(key) ? 'mine' : ''}
          aria-pressed={mine.has(key)}
          aria-label={mine.has(key) ? `Remove ${key}` : `React with ${key}`}
          onClick={() => onPick(key)}
        >
          {key}
        </button>
      ))}
    </div>
  );
}
