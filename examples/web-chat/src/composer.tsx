import { useEffect, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useMessageActions, useSendMessage, useTyping } from '@parley/client-sdk/react';
import { MentionPicker } from './mention-picker.js';
import { EditDraft, ReplyDraft } from './reply-quote.js';
import { useMentionPicker } from './use-mention-picker.js';
import { editedContent } from './message-rules.js';
import { AttachButton } from './attach-button.js';
import { DraftFiles } from './draft-files.js';
import type { DraftFiles as DraftFilesState } from './use-draft-files.js';

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
  /** The files the next message carries (picked here, pasted, or dropped on the conversation). */
  files: DraftFilesState;
  /** Whether the server takes files: without, no attach button (and nothing to paste). */
  takesFiles: boolean;
};

export function Composer({ id, members, threadId, label = 'Message', replyingTo = null, onCancelReply, editing, onEdit, onStopEditing, lastOwn, input, notice, files, takesFiles }: ComposerProps) {
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

  // An edit changes words only: the files of the next message wait, out of the way.
  const attached = editing ? [] : files.list;
  const storing = useRef(false);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = draft.trim();
    if (!text && attached.length === 0) return;
    if (editing) return text ? save(editing, text) : undefined;
    const mentions = picker.mentionsFor(text);
    const replyTo = replyingTo?.id;
    // Shown at once as pending (files upload behind it); the outbox keeps it, files too, until
    // the server stores it, even offline or across a reload. A refused message (too long, a file
    // too big) was not queued: the draft, its files, reply and mentions stay.
    const options = { ...(replyTo ? { replyTo } : {}), ...(mentions.length > 0 ? { mentions } : {}), ...(threadId ? { threadId } : {}) };
    const sending = attached;
    // Files are read and kept on the device before send() resolves: a second Enter meanwhile
    // must not send them twice.
    if (sending.length > 0 && storing.current) return;
    storing.current = sending.length > 0;
    const content = sending.length > 0 ? { ...(text ? { text } : {}), attachments: sending.map((f) => f.file) } : text;
    send(content, options).then(() => {
      setDraft((current) => (current === draft ? '' : current));
      files.sent(sending);
      picker.reset();
      if (replyingTo && currentReply.current === replyingTo) onCancelReply?.();
    }, () => undefined).finally(() => {
      if (sending.length > 0) storing.current = false;
    });
  };

  const addFiles = (added: File[]) => {
    if (added.length === 0) return;
    files.add(added);
    if (sendError) clearError();
    input.current?.focus();
  };

  // A pasted image (a screenshot) joins the message's files; pasted text stays text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = [...event.clipboardData.files];
    if (!takesFiles || editing || pasted.length === 0) return;
    event.preventDefault();
    addFiles(pasted);
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
      {/* Shown while editing too (a drop lands here meanwhile): they go with the next message. */}
      <DraftFiles
        files={files.list}
        onRemove={(key) => {
          files.remove(key);
          if (sendError) clearError();
        }}
      />
      <div className="composer-row">
        {takesFiles && !editing && <AttachButton onFiles={addFiles} />}
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
          onPaste={onPaste}
          onSelect={(e) => picker.trackCaret(e.currentTarget)}
          onChange={(e) => {
            setDraft(e.target.value);
            picker.trackCaret(e.target);
            if (error) (editing ? changes.clearError : clearError)();
            if (e.target.value && !editing) notifyTyping();
          }}
        />
        <button type="submit" disabled={!draft.trim() && attached.length === 0}>{editing ? 'Save' : 'Send'}</button>
      </div>
    </form>
  );
}
