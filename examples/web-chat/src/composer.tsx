import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useSendMessage, useTyping } from '@parley/client-sdk/react';

export function Composer({ id }: { id: string }) {
  const [draft, setDraft] = useState('');
  const { send } = useSendMessage(id);
  const { notifyTyping } = useTyping(id);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    // Shown at once as pending; the outbox keeps it until the server stores it, even offline.
    void send(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };

  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        rows={1}
        placeholder="Write a message"
        aria-label="Message"
        value={draft}
        onKeyDown={onKeyDown}
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value) notifyTyping();
        }}
      />
      <button type="submit" disabled={!draft.trim()}>Send</button>
    </form>
  );
}
