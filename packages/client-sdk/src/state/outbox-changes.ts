import type { Change, ChangeTarget } from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { Outbox } from './outbox.js';

/**
 * How a change the user makes lands in the outbox: `put` (a new or rewritten entry) and `remove`
 * (entries it makes pointless). Both empty: nothing to do. The rules keep the wire honest and
 * short: what never left the device is changed in place, what may have reached the server is
 * followed by a change in the same per-conversation order.
 */
export interface ChangePlan {
  readonly put?: OutboxEntry;
  readonly remove: readonly string[];
}

/** The message a change is about: its server id once stored, its clientMsgId when it is the user's own. */
export interface MessageRefs {
  readonly conversationId: string;
  readonly id?: string;
  readonly clientMsgId?: string;
}

const NOTHING: ChangePlan = { remove: [] };

/** Whether an entry never left the device: it may still be changed or dropped without the server knowing. */
export function neverSent(entry: OutboxEntry): boolean {
  return entry.status === 'failed' || entry.attempts === 0;
}

function names(target: ChangeTarget, refs: MessageRefs): boolean {
  return 'messageId' in target ? target.messageId === refs.id : target.clientMsgId === refs.clientMsgId;
}

/** The queued changes of one message, in creation order. */
function changesOf(outbox: Outbox, refs: MessageRefs): OutboxEntry[] {
  return outbox.filter((e) => e.conversationId === refs.conversationId && e.change !== undefined && names(e.change.target, refs));
}

const sameKey = (a: Change, b: Change) => 'key' in a && 'key' in b && a.key === b.key;

/**
 * Plans one change of message `refs`. `message` is the user's own queued message when the change
 * is about it (not stored yet, maybe not even sent); `fresh` is the entry the change would be
 * queued as (a new clientMsgId, its target already chosen).
 *
 * - edit of a message never sent: the queued message takes the new content (one SEND, no CHANGE);
 *   an edit queued unsent before takes it the same way;
 * - delete of a message never sent: it leaves the outbox with every change queued for it;
 *   otherwise unsent changes of the message are dropped and one delete is queued;
 * - react then unreact (or the reverse) of one key while the first is unsent: both go;
 *   a second react (or unreact) of a key already queued: nothing more.
 */
export function planChange(outbox: Outbox, refs: MessageRefs, message: OutboxEntry | undefined, fresh: OutboxEntry & { change: NonNullable<OutboxEntry['change']> }): ChangePlan {
  const change = fresh.change.change;
  const queued = changesOf(outbox, refs).filter((e) => e.status === 'pending');
  switch (change.kind) {
    case 'edit': {
      const content = { text: change.text, custom: change.custom };
      if (message && neverSent(message)) return { put: withContent(message, content), remove: [] };
      const unsentEdit = queued.filter((e) => e.change?.change.kind === 'edit' && neverSent(e)).at(-1);
      // Only the last queued change may be rewritten: rewriting an earlier one would reorder it after the later ones.
      if (unsentEdit && unsentEdit === queued.at(-1)) return { put: { ...unsentEdit, change: { ...fresh.change } }, remove: [] };
      return { put: fresh, remove: [] };
    }
    case 'delete': {
      if (message && neverSent(message)) return { remove: [message.clientMsgId, ...changesOf(outbox, refs).map((e) => e.clientMsgId)] };
      if (queued.some((e) => e.change?.change.kind === 'delete')) return NOTHING;
      return { put: fresh, remove: queued.filter(neverSent).map((e) => e.clientMsgId) };
    }
    case 'react':
    case 'unreact': {
      const opposite = change.kind === 'react' ? 'unreact' : 'react';
      const last = queued.filter((e) => e.change !== undefined && sameKey(e.change.change, change)).at(-1);
      if (last?.change?.change.kind === change.kind) return NOTHING;
      if (last?.change?.change.kind === opposite && neverSent(last)) return { remove: [last.clientMsgId] };
      return { put: fresh, remove: [] };
    }
  }
}

function withContent(entry: OutboxEntry, content: { text: string | undefined; custom: OutboxEntry['custom'] }): OutboxEntry {
  const { text: _text, custom: _custom, ...rest } = entry;
  return { ...rest, ...(content.text !== undefined ? { text: content.text } : {}), ...(content.custom !== undefined ? { custom: content.custom } : {}) };
}
