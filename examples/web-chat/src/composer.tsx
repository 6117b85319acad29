import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useSendMessage, useTyping } from '@parley/client-sdk/react';

export function Composer({ id }: { id: string }) {
  const [draft, setDraft] = useState('');
  const { send, error, clearError } = useSendMessage(id);
  const { notifyTyping } = useTyping(id);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    // Shown at once as pending; the outbox keeps it until the server stores it, even offline.
    // A refused text (too long) was not queued: the draft stays and the error shows.
    send(text).then(() => setDraft((current) => (current === draft ? '' : current)), () => undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };

  return (
    <form className="composer" onSubmit={submit}>
      {error && <p className="composer-error" role="alert">{error.message}</p>}
      <textarea
        rows={1}
        placeholder="Write a message"
        aria-label="Message"
        value={draft}
        onKeyDown={onKeyDown}
        onChange={(e) => {
          setDraft(e.target.value);
          if (error) clearError();
          if (e.target.value) notifyTyping();
        }}
      />
      <button type="submit" disabled={!draft.trim()}>Send</button>
    </form>
  );
}
