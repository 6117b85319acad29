import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useMessageActions, useSendMessage, useTyping } from '@parley/client-sdk/react';
import { MentionPicker } from './mention-picker.js';
import { EditDraft, ReplyDraft } from './reply-quote.js';
import { useMentionPicker } from './use-mention-picker.js';
import { editedContent } from './message-rules.js';

const NO_MEMBERS: readonly string[] = [];

type ComposerProps = {
  id: string;
  /** Who the `@` picker offers: the conversation's other members. */
  members: readonly string[];
  /** Replies go into this message's thread instead of the main timeline. */
  threadId?: string;
  /** The textarea's name: "Message" in the main timeline. */
  label?: string;
  /** The message this one will quote, chosen with a message's Reply. */
  replyingTo?: MessageView | null;
  onCancelReply?: () => void;
  /** The user's message being edited here (its words are in the textarea until saved or cancelled). */
  editing: MessageView | null;
  /** Starts editing a message (↑ in an empty composer picks `lastOwn`). */
  onEdit: (message: MessageView) => void;
  onStopEditing: () => void;
  /** The user's latest editable message in this list, for ↑. */
  lastOwn: MessageView | undefined;
  input: RefObject<HTMLTextAreaElement | null>;
  /** A line above the textarea (slow mode and its countdown). */
  notice?: ReactNode;
};

export function Composer({ id, members, threadId, label = 'Message', replyingTo = null, onCancelReply, editing, onEdit, onStopEditing, lastOwn, input, notice }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const { send, error: sendError, clearError } = useSendMessage(id);
  const changes = useMessageActions(id);
  const { notifyTyping } = useTyping(id);
  // Mentions are set when a message is sent; an edit keeps them, so no picker while editing.
  const picker = useMentionPicker({ members: editing ? NO_MEMBERS : members, draft, setDraft, input });
  // The reply chosen now, read when a send settles: a reply picked meanwhile must stay.
  const currentReply = useRef(replyingTo);
  useEffect(() => {
    currentReply.current = replyingTo;
  }, [replyingTo]);

  // Editing borrows the textarea: what was being written waits aside and comes back afterwards.
  const aside = useRef<string | null>(null);
  const caretToEnd = useRef(false);
  const editingKey = editing?.key;
  useEffect(() => {
    if (editing) {
      aside.current ??= draft;
      setDraft(editing.text ?? '');
      caretToEnd.current = true;
      input.current?.focus();
    } else if (aside.current !== null) {
      setDraft(aside.current);
      aside.current = null;
    }
    changes.clearError();
    // Only a new message to edit (or none) swaps the draft, not every update of the one edited.
  }, [editingKey]);
  useLayoutEffect(() => {
    const el = input.current;
    if (el && caretToEnd.current) {
      el.setSelectionRange(el.value.length, el.value.length);
      caretToEnd.current = false;
    }
  }, [draft, input]);

  const save = (message: MessageView, text: string) => {
    if (text === message.text) return onStopEditing();
    // Shown at once, offline too; a refusal before queueing (too long) keeps the words here.
    changes.edit(message, editedContent(message, text)).then(() => onStopEditing(), () => undefined);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    if (editing) return save(editing, text);
    const mentions = picker.mentionsFor(text);
    const replyTo = replyingTo?.id;
    // Shown at once as pending; the outbox keeps it until the server stores it, even offline.
    // A refused message (too long) was not queued: the draft, its reply and mentions stay.
    const options = { ...(replyTo ? { replyTo } : {}), ...(mentions.length > 0 ? { mentions } : {}), ...(threadId ? { threadId } : {}) };
    send(text, options).then(() => {
      setDraft((current) => (current === draft ? '' : current));
      picker.reset();
      if (replyingTo && currentReply.current === replyingTo) onCancelReply?.();
    }, () => undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picker.onKeyDown(event)) return;
    if (event.key === 'Escape' && (editing || replyingTo)) {
      event.preventDefault();
      if (editing) onStopEditing();
      else onCancelReply?.();
    } else if (event.key === 'ArrowUp' && draft === '' && !editing && lastOwn) {
      event.preventDefault();
      onEdit(lastOwn);
    } else if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };

  const error = editing ? changes.error : sendError;
  const active = picker.open ? picker.optionId(picker.activeIndex) : undefined;
  return (
    <form className="composer" onSubmit={submit}>
      {error && <p className="composer-error" role="alert">{error.message}</p>}
      {editing ? (
        <EditDraft message={editing} onCancel={() => { onStopEditing(); input.current?.focus(); }} />
      ) : (
        replyingTo && <ReplyDraft message={replyingTo} onCancel={() => { onCancelReply?.(); input.current?.focus(); }} />
      )}
      <MentionPicker picker={picker} />
      {notice}
      <div className="composer-row">
        <textarea
          ref={input}
          rows={1}
          placeholder={editing ? 'Edit your message' : threadId ? 'Reply in thread' : 'Write a message (@ to mention)'}
          aria-label={label}
          aria-autocomplete="list"
          aria-controls={picker.open ? picker.listId : undefined}
          aria-activedescendant={active}
          value={draft}
          onKeyDown={onKeyDown}
          onSelect={(e) => picker.trackCaret(e.currentTarget)}
          onChange={(e) => {
            setDraft(e.target.value);
            picker.trackCaret(e.target);
            if (error) (editing ? changes.clearError : clearError)();
            if (e.target.value && !editing) notifyTyping();
          }}
        />
        <button type="submit" disabled={!draft.trim()}>{editing ? 'Save' : 'Send'}</button>
      </div>
    </form>
  );
}
