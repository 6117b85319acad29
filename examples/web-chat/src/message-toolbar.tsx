import { useRef, useState, type KeyboardEvent } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { ReactionPicker } from './reactions.js';
import { Icon, type IconName } from './icons.js';
import { useNameOf } from './people.js';

/** What a message offers; an absent handler is an action this message does not have. */
export interface BubbleHandlers {
  reply?: () => void;
  thread?: () => void;
  react?: (key: string) => void;
  edit?: () => void;
  remove?: () => void;
  /** Report it to the app's moderators (others' stored messages). */
  report?: () => void;
}

/**
 * The actions of one message, beside its bubble: shown on hover or keyboard focus, each a
 * labelled button (the icons are for the eye, the names for everyone). One Tab stop per message
 * (its first action); ←/→ move between its actions, as in any toolbar.
 */
export function MessageToolbar({ message, on }: { message: MessageView; on: BubbleHandlers }) {
  const [picking, setPicking] = useState(false);
  const reactButton = useRef<HTMLButtonElement>(null);
  const { reply, thread, react, edit, remove, report } = on;
  const sender = useNameOf()(message.senderId);
  if (!reply && !thread && !react && !edit && !remove && !report) return null;
  const onKeyDown = (event: KeyboardEvent<HTMLSpanElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const tools = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.tool')];
    const at = tools.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    event.preventDefault();
    tools[(at + (event.key === 'ArrowRight' ? 1 : -1) + tools.length) % tools.length]?.focus();
  };
  const closePicker = (returnFocus: boolean) => {
    setPicking(false);
    if (returnFocus) reactButton.current?.focus();
  };
  // The picker is the bubble's child, not the toolbar's: it lines up with the bubble, above it.
  return (
    <>
      <span className={`toolbar ${picking ? 'open' : ''}`} role="toolbar" aria-label={`Actions on ${sender}'s message`} onKeyDown={onKeyDown}>
        {reply && <Action label={`Reply to ${sender}`} title="Reply" icon="reply" onClick={reply} first />}
        {thread && <Action label="Reply in thread" title="Reply in thread" icon="thread" onClick={thread} first={!reply} />}
        {react && (
          <button
            ref={reactButton}
            type="button"
            className="tool"
            aria-label="Add a reaction"
            title="Add a reaction"
            aria-expanded={picking}
            tabIndex={reply || thread ? -1 : 0}
            onClick={() => setPicking((open) => !open)}
          >
            <Icon name="react" />
          </button>
        )}
        {edit && <Action label="Edit message" title="Edit (↑ in an empty composer edits your last one)" icon="edit" onClick={edit} first={!reply && !thread && !react} />}
        {remove && <Action label="Delete message" title="Delete" icon="delete" onClick={remove} first={!reply && !thread && !react && !edit} />}
        {report && <Action label="Report…" title="Report to the moderators" icon="report" onClick={report} first={!reply && !thread && !react && !edit && !remove} />}
      </span>
      {picking && react && (
        <ReactionPicker
          message={message}
          onPick={(key) => {
            closePicker(true);
            react(key);
          }}
          onClose={closePicker}
          anchor={reactButton}
        />
      )}
    </>
  );
}

type ActionProps = { label: string; title: string; icon: IconName; onClick: () => void; first?: boolean };

function Action({ label, title, icon, onClick, first = false }: ActionProps) {
  return (
    <button type="button" className="tool" aria-label={label} title={title} onClick={onClick} tabIndex={first ? 0 : -1}>
      <Icon name={icon} />
    </button>
  );
}
