import { useState, type FormEvent } from 'react';
import { fetchDevToken } from './session.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

export function SignIn({ onSignedIn }: { onSignedIn: (userId: string) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const userId = name.trim().toLowerCase();
    if (!NAME.test(userId)) return setError('Letters, digits, dots, dashes or underscores; up to 32.');
    setBusy(true);
    setError(null);
    try {
      // Checks that the server takes the name before we keep it.
      await fetchDevToken(userId);
      onSignedIn(userId);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} className="card">
        <h1>
          <span className="logo" aria-hidden="true" /> Parley
        </h1>
        <p className="muted">Pick a name to chat as. Open a second window with another name to talk to yourself.</p>
        <label htmlFor="name">Your name</label>
        <input
          id="name"
          autoFocus
          autoComplete="username"
          placeholder="alice"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy || name.trim() === ''}>
          {busy ? 'Signing in…' : 'Start chatting'}
        </button>
        <p className="fine-print">Development sign-in: anyone can be anyone. Never expose this server.</p>
      </form>
    </main>
  );
}
