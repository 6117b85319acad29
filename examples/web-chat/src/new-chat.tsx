import { useState, type FormEvent } from 'react';
import { useChatClient } from '@parley/client-sdk/react';

/** Starts a direct chat with one name, or a group with several. */
export function NewChat({ me, onClose, onCreated }: { me: string; onClose: () => void; onCreated: (id: string) => void }) {
  const chat = useChatClient();
  const [people, setPeople] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const names = [...new Set(people.split(/[\s,]+/).map((n) => n.trim().toLowerCase()).filter((n) => n && n !== me))];
  const group = names.length > 1 || title.trim() !== '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chat || names.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const conversation = group
        ? await chat.createGroup({ members: names, ...(title.trim() ? { title: title.trim() } : {}) })
        : await chat.openDirect(names[0]!);
      onCreated(conversation.id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <div className="overlay" onClick={onClose}>
      <form className="card dialog" onSubmit={submit} onClick={(e) => e.stopPropagation()} aria-label="New chat">
        <h2>New chat</h2>
        <label htmlFor="people">Chat with</label>
        <input id="people" autoFocus placeholder="bob, or bob carol dave for a group" value={people} onChange={(e) => setPeople(e.target.value)} />
        <label htmlFor="group-title">Group name <span className="muted">(optional)</span></label>
        <input id="group-title" placeholder="Weekend plans" value={title} onChange={(e) => setTitle(e.target.value)} />
        {error && <p className="error" role="alert">{error}</p>}
        <div className="actions">
          <button type="button" className="ghost" onClick={onClose}>Cancel</button>
          <button type="submit" disabled={busy || names.length === 0}>
            {group ? 'Create group' : 'Start chat'}
          </button>
        </div>
      </form>
    </div>
  );
}
