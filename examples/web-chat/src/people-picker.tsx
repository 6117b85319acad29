import { useId, useState, type KeyboardEvent } from 'react';
import { useUserSearch } from '@parley/client-sdk/react';
import { UserAvatar } from './avatar.js';
import { useNameOf } from './people.js';

/** A user id as the protocol takes it: what "Use id …" offers when the directory finds no one. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

type PeoplePickerProps = {
  /** The search field's label ("Chat with", "Add people"). */
  label: string;
  me: string;
  picked: readonly string[];
  onChange: (picked: string[]) => void;
  /** Ids not to offer (already members). */
  exclude?: readonly string[];
};

/**
 * Finds people in the app's directory (`chat.searchUsers`) by name and picks them; an exact id
 * the directory does not list can be picked as "Use id …" (development sign-in takes any name).
 * Enter picks the first suggestion; picked people show as chips with ×.
 */
export function PeoplePicker({ label, me, picked, onChange, exclude = [] }: PeoplePickerProps) {
  const nameOf = useNameOf();
  const inputId = useId();
  const [query, setQuery] = useState('');
  // Searched once typing pauses; answers to older queries are dropped.
  const found = useUserSearch(query, { debounceMs: 200 });
  const q = query.trim();

  const skip = new Set([me, ...picked, ...exclude]);
  const results = found.users.filter((u) => !skip.has(u.id));
  const exact = USER_ID.test(q) && !skip.has(q) && !results.some((u) => u.id === q) ? q : undefined;
  const options = q ? [...results.map((u) => u.id), ...(exact ? [exact] : [])] : [];

  const pick = (userId: string) => {
    onChange([...picked, userId]);
    setQuery('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter' && options[0] !== undefined) {
      event.preventDefault();
      pick(options[0]);
    } else if (event.key === 'Backspace' && query === '' && picked.length > 0) {
      onChange(picked.slice(0, -1));
    }
  };

  return (
    <div className="people-picker">
      <label htmlFor={inputId}>{label}</label>
      {picked.length > 0 && (
        <ul className="picked" aria-label="Picked people">
          {picked.map((id) => (
            <li key={id} className="picked-person" data-testid="picked" data-user-id={id}>
              <UserAvatar userId={id} />
              <span>{nameOf(id)}</span>
              <button type="button" className="ghost" aria-label={`Remove ${nameOf(id)}`} onClick={() => onChange(picked.filter((p) => p !== id))}>×</button>
            </li>
          ))}
        </ul>
      )}
      <input id={inputId} autoFocus autoComplete="off" placeholder="Search by name" value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={onKeyDown} />
      {options.length > 0 && (
        <ul className="people-options" aria-label="People found">
          {options.map((id) => (
            <li key={id}>
              <button type="button" className="person-option" data-testid="person-option" data-user-id={id} onClick={() => pick(id)}>
                <UserAvatar userId={id} />
                {id === exact ? (
                  <span className="grow">Use id “{id}”</span>
                ) : (
                  <span className="grow">
                    {nameOf(id)} <span className="muted">{id}</span>
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
