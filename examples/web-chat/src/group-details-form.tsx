import { useState, type FormEvent } from 'react';
import type { ConversationPatch, ConversationView } from '@parley/client-sdk';
import { useChatClient } from '@parley/client-sdk/react';
import { Avatar } from './avatar.js';
import { intervalOf } from './names.js';
import { isModerator } from './people.js';

/** The slow mode choices: off, or one message per member this often. */
export const SLOW_MODES = [0, 10_000, 30_000, 60_000, 300_000] as const;

/** What differs between the form and the group: the patch to send (an emptied field clears it). */
function patchOf(conversation: ConversationView, form: { title: string; description: string; image: string; slowModeMs: number }): ConversationPatch {
  const patch: ConversationPatch = {};
  const title = form.title.trim();
  if (title !== (conversation.title ?? '')) patch.title = title || null;
  const description = form.description.trim();
  if (description !== (conversation.description ?? '')) patch.description = description || null;
  const image = form.image.trim();
  if (image !== (conversation.image ?? '')) patch.image = image || null;
  if (form.slowModeMs !== (conversation.slowModeMs ?? 0)) patch.slowModeMs = form.slowModeMs || null;
  return patch;
}

/**
 * A group's name, description, picture (an image URL: the group's avatar) and slow mode. The
 * owner and admins edit them (`chat.updateConversation`); members read them. Everyone's view,
 * and a line in the timeline, follow from the server's `conversation.updated`.
 */
export function GroupDetailsForm({ conversation }: { conversation: ConversationView }) {
  const chat = useChatClient();
  const editable = isModerator(conversation);
  const [form, setForm] = useState({
    title: conversation.title ?? '',
    description: conversation.description ?? '',
    image: conversation.image ?? '',
    slowModeMs: conversation.slowModeMs ?? 0,
  });
  const [status, setStatus] = useState<{ busy?: boolean; saved?: boolean; error?: string }>({});
  const patch = patchOf(conversation, form);
  const changed = Object.keys(patch).length > 0;
  const set = (field: keyof typeof form) => (value: string | number) => {
    setForm((f) => ({ ...f, [field]: value }));
    setStatus({});
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!chat || !changed) return;
    setStatus({ busy: true });
    try {
      await chat.updateConversation(conversation.id, patch);
      setStatus({ saved: true });
    } catch (err) {
      setStatus({ error: err instanceof Error ? err.message : String(err) });
    }
  };

  const modes: number[] = [...SLOW_MODES];
  if (!modes.includes(form.slowModeMs)) modes.push(form.slowModeMs);
  return (
    <form className="details-form" onSubmit={save} aria-label="Group details">
      <div className="details-avatar">
        <Avatar name={conversation.title ?? conversation.id} group image={conversation.image} />
      </div>
      <label htmlFor="details-title">Name</label>
      <input id="details-title" value={form.title} readOnly={!editable} maxLength={200} onChange={(e) => set('title')(e.target.value)} />
      <label htmlFor="details-description">Description</label>
      <textarea id="details-description" rows={3} value={form.description} readOnly={!editable} maxLength={1000} onChange={(e) => set('description')(e.target.value)} />
      <label htmlFor="details-image">Image URL</label>
      <input id="details-image" type="url" placeholder="https://…" value={form.image} readOnly={!editable} onChange={(e) => set('image')(e.target.value)} />
      <label htmlFor="details-slow-mode">Slow mode</label>
      <select id="details-slow-mode" value={form.slowModeMs} disabled={!editable} onChange={(e) => set('slowModeMs')(Number(e.target.value))}>
        {modes.map((ms) => (
          <option key={ms} value={ms}>{ms === 0 ? 'Off' : `One message per ${intervalOf(ms)}`}</option>
        ))}
      </select>
      {editable ? (
        <>
          {status.error && <p className="error" role="alert">{status.error}</p>}
          {status.saved && <p className="muted" role="status">Saved.</p>}
          <button type="submit" disabled={!changed || status.busy === true}>{status.busy ? 'Saving…' : 'Save details'}</button>
        </>
      ) : (
        <p className="muted fine-print">Only the owner and admins change these.</p>
      )}
    </form>
  );
}
