import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useSendMessage, useTyping } from '@parley/client-sdk/react';
import { MentionPicker } from './mention-picker.js';
import { ReplyDraft } from './reply-quote.js';
import { useMentionPicker } from './use-mention-picker.js';

type ComposerProps = {
  id: string;
  /** Who the `@` picker offers: the conversation's other members. */
  members: readonly string[];
  /** The message this one will quote, chosen with a message's Reply. */
  replyingTo: MessageView | null;
  onCancelReply: () => void;
  input: RefObject<HTMLTextAreaElement | null>;
};

export function Composer({ id, members, replyingTo, onCancelReply, input }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const { send, error, clearError } = useSendMessage(id);
  const { notifyTyping } = useTyping(id);
  const picker = useMentionPicker({ members, draft, setDraft, input });
  // The reply chosen now, read when a send settles: a reply picked meanwhile must stay.
  const currentReply = useRef(replyingTo);
  useEffect(() => {
    currentReply.current = replyingTo;
  }, [replyingTo]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    const mentions = picker.mentionsFor(text);
    const replyTo = replyingTo?.id;
    // Shown at once as pending; the outbox keeps it until the server stores it, even offline.
    // A refused message (too long) was not queued: the draft, its reply and mentions stay.
    send(text, { ...(replyTo ? { replyTo } : {}), ...(mentions.length > 0 ? { mentions } : {}) }).then(() => {
      setDraft((current) => (current === draft ? '' : current));
      picker.reset();
      if (replyingTo && currentReply.current === replyingTo) onCancelReply();
    }, () => undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker.onKeyDown(event)) return;
    if (event.key === 'Escape' && replyingTo) {
      event.preventDefault();
      onCancelReply();
    } else if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };

  const active = picker.open ? picker.optionId(picker.activeIndex) : undefined;
  return (
    <form className="composer" onSubmit={submit}>
      {error && <p className="composer-error" role="alert">{error.message}</p>}
      {replyingTo && (
        <ReplyDraft
          message={replyingTo}
          onCancel={() => {
            onCancelReply();
            input.current?.focus();
          }}
        />
      )}
      <MentionPicker picker={picker} />
      <div className="composer-row">
        <textarea
          ref={input}
          rows={1}
          placeholder="Write a message (@ to mention)"
          aria-label="Message"
          aria-autocomplete="list"
          aria-controls={picker.open ? picker.listId : undefined}
          aria-activedescendant={active}
          value={draft}
          onKeyDown={onKeyDown}
          onSelect={(e) => picker.trackCaret(e.currentTarget)}
          onChange={(e) => {
            setDraft(e.target.value);
            picker.trackCaret(e.target);
            if (error) clearError();
            if (e.target.value) notifyTyping();
          }}
        />
        <button type="submit" disabled={!draft.trim()}>Send</button>
      </div>
    </form>
  );
}
