import { useState, type FormEvent } from 'react';
import { useChatClient } from '@parley/client-sdk/react';
import { PeoplePicker } from './people-picker.js';

/** Starts a direct chat with one person, or a group with several (or with a name). */
export function NewChat({ me, onClose, onCreated }: { me: string; onClose: () => void; onCreated: (id: string) => void }) {
  const chat = useChatClient();
  const [people, setPeople] = useState<string[]>([]);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const group = people.length > 1 || title.trim() !== '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chat || people.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const conversation = group
        ? await chat.createGroup({ members: people, ...(title.trim() ? { title: title.trim() } : {}) })
        : await chat.openDirect(people[0]!);
      onCreated(conversation.id);
    } catch (err) {
      // A refusal says why (a block, a ban, the app's policy): the picked people stay.
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <div className="overlay" onClick={onClose}>
      <form className="card dialog" onSubmit={submit} onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.key === 'Escape' && onClose()} aria-label="New chat">
        <h2>New chat</h2>
        <PeoplePicker label="Chat with" me={me} picked={people} onChange={setPeople} />
        <label htmlFor="group-title">Group name <span className="muted">(optional)</span></label>
        <input id="group-title" placeholder="Weekend plans" value={title} onChange={(e) => setTitle(e.target.value)} />
        {error && <p className="error" role="alert">{error}</p>}
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={busy || people.length === 0}>
            {group ? 'Create group' : 'Start chat'}
          </button>
        </div>
      </form>
    </div>
  );
}
