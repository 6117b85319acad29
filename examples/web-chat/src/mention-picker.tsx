import type { MentionPickerState } from './use-mention-picker.js';
import { UserAvatar } from './avatar.js';
import { useNameOf } from './people.js';

/**
 * The list of members to mention, above the composer. Focus stays in the textarea (it points at
 * the active option with `aria-activedescendant`), so typing goes on filtering while the list is open.
 */
export function MentionPicker({ picker }: { picker: MentionPickerState }) {
  const count = picker.candidates.length;
  return (
    <>
      {/* Always in the page, so screen readers announce the picker opening (a new live region is not read). */}
      <span className="sr-only" role="status">
        {picker.open ? `${count} ${count === 1 ? 'member' : 'members'} to mention: arrows to choose, Enter or Tab to pick, Escape to close` : ''}
      </span>
      {picker.open && <Options picker={picker} />}
    </>
  );
}

function Options({ picker }: { picker: MentionPickerState }) {
  const nameOf = useNameOf();
  return (
    <ul className="mention-picker" role="listbox" id={picker.listId} aria-label="Mention a member">
      {picker.candidates.map((userId, i) => (
        <li
          key={userId}
          id={picker.optionId(i)}
          role="option"
          aria-selected={i === picker.activeIndex}
          className={i === picker.activeIndex ? 'active' : ''}
          // Keeps the focus (and the caret) in the textarea while the click picks.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => picker.pick(userId)}
        >
          <UserAvatar userId={userId} />
          <span className="picker-name">{nameOf(userId)}</span>
          {nameOf(userId) !== userId && <span className="muted picker-id">{userId}</span>}
        </li>
      ))}
    </ul>
  );
}
