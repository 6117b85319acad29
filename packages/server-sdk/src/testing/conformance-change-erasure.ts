import { expect } from 'vitest';
import { messageAsOf, type LogEvent, type MessageEvent } from '@parley/protocol';
import type { ChangeResult, ChatStore, MessageChangeInput } from '../store/types.js';
import { createGroup, logProblems, readWholeLog, type StoreCheck } from './fixtures.js';
import { T0, changesLog, say } from './conformance-changes.js';
import { everyRead, everythingReadable } from './conformance-erasure.js';

/**
 * Edits and deletes through `appendChange`: the event and its erasure are one operation, so once
 * the event is in the log, the text it deleted or replaced is nowhere in the store.
 */

type Target = { id: string; seq: number };

/** An edit of `target` by alice through `appendChange`. */
const edit = (store: ChatStore, key: string, target: Target, text: string, eraseReplaced: boolean, ts = T0 + 20): Promise<ChangeResult> =>
  store.appendChange({ conversationId: 'g1', senderId: 'alice', clientMsgId: key, ts, kind: 'message.edited', data: { messageId: target.id, messageSeq: target.seq, text }, eraseReplaced });

/** A delete of `target` by `senderId` through `appendChange`. */
const remove = (store: ChatStore, key: string, target: Target, senderId = 'alice', ts = T0 + 30): Promise<ChangeResult> =>
  store.appendChange({ conversationId: 'g1', senderId, clientMsgId: key, ts, kind: 'message.deleted', data: { messageId: target.id, messageSeq: target.seq } });

/** g1 with alice's message (text, custom, a mention of bob) and bob's reply quoting it. */
async function messageToChange(store: ChatStore) {
  await createGroup(store, 'g1', ['alice', 'bob']);
  const message = (await say(store, 'alice', 'cmid-a1', T0 + 1, { text: 'secret-original', custom: { pin: 'secret-custom' }, mentions: ['bob'] })).event as MessageEvent;
  const reply = (await say(store, 'bob', 'cmid-b1', T0 + 2, { text: 'a reply', replyTo: { messageId: message.id, seq: message.seq, senderId: 'alice', preview: 'as quoted' } })).event;
  return Object.assign(message, { reply });
}

/** The message as the whole log folds it now. */
async function folded(store: ChatStore, message: MessageEvent): Promise<MessageEvent> {
  const log = await readWholeLog(store, 'g1');
  return messageAsOf(log[message.seq - 1] as MessageEvent, await store.readChanges('g1', [message.seq], log.length), log.length);
}

const secrets = (text: string) => text.match(/secret-[a-z-]+/g) ?? [];

export const changeErasureChecks: readonly StoreCheck[] = [
  {
    name: 'appendChange of an edit with eraseReplaced appends it and erases the versions it replaced: the log holds only the current text',
    async run(store) {
      const message = await messageToChange(store);
      const first = await edit(store, 'k1', message, 'secret-edit-one', true);
      expect(first.duplicate).toBe(false);
      // The event as any append stores it: the flag is the store's instruction, not part of the event.
      const expected: LogEvent = { id: first.event.id, conversationId: 'g1', seq: 4, senderId: 'alice', clientMsgId: 'k1', ts: T0 + 20, kind: 'message.edited', data: { messageId: message.id, messageSeq: 2, text: 'secret-edit-one' } };
      expect(first.event).toEqual(expected);
      for (const read of await everyRead(store, first.event)) expect(read).toEqual(expected);
      expect(first.conversation).toMatchObject({ id: 'g1', lastSeq: 4, lastActivityAt: T0 + 20 });
      expect(new Set(secrets(await everythingReadable(store, await readWholeLog(store, 'g1'))))).toEqual(new Set(['secret-edit-one']));

      await edit(store, 'k2', message, 'the current text', true, T0 + 21);
      const log = await readWholeLog(store, 'g1');
      expect(secrets(await everythingReadable(store, log))).toEqual([]);
      // A reply quoting it keeps its preview (an edit is no delete), and the log folds to the current text.
      expect(log[2]).toEqual(message.reply);
      expect((await folded(store, message)).data).toMatchObject({ text: 'the current text', mentions: ['bob'] });
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(1);
      expect(await logProblems(store, 'g1')).toEqual([]);
    },
  },
  {
    name: 'appendChange of an edit without eraseReplaced keeps every version in the log',
    async run(store) {
      const message = await messageToChange(store);
      await edit(store, 'k1', message, 'secret-edit-one', false);
      await edit(store, 'k2', message, 'secret-edit-two', false, T0 + 21);
      const log = await readWholeLog(store, 'g1');
      expect(new Set(secrets(JSON.stringify(log)))).toEqual(new Set(['secret-original', 'secret-custom', 'secret-edit-one', 'secret-edit-two']));
      expect((await folded(store, message)).data).toMatchObject({ text: 'secret-edit-two', mentions: ['bob'] });
    },
  },
  {
    name: 'appendChange of a delete erases the message with its event: its text, its edits, quoting previews, its mentions and reactions',
    async run(store) {
      const { root, log } = await changesLog(store);
      const mentions = await store.countUnreadMentions('g1', 'bob', 0);
      const deleted = await remove(store, 'del-1', root);
      expect(deleted).toMatchObject({ duplicate: false, event: { seq: log.length + 1, kind: 'message.deleted', data: { messageId: root.id, messageSeq: root.seq } } });
      const after = await readWholeLog(store, 'g1');
      expect(secrets(await everythingReadable(store, after))).toEqual([]);
      expect(after[root.seq - 1]).toEqual({ ...log[root.seq - 1], data: { erased: true } });
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(mentions - 1);
      expect((await store.readReactions('g1', [root.seq], after.length)).has(root.seq)).toBe(false);
      expect(await logProblems(store, 'g1')).toEqual([]);
    },
  },
  {
    name: 'appendChange of a repeated message change returns the original and erases nothing again, even what the repeat names',
    async run(store) {
      const { reply: _reply, ...message } = await messageToChange(store);
      const other = (await say(store, 'alice', 'cmid-a2', T0 + 3, { text: 'secret-kept' })).event;
      const first = await edit(store, 'k1', message, 'edited once', true);
      // The same key again (a resend), and the same key naming another message (a device reusing a
      // key): each gets the original edit, and nothing of `other` is erased.
      expect(await edit(store, 'k1', message, 'edited once', true)).toMatchObject({ duplicate: true, event: first.event });
      expect(await edit(store, 'k1', other, 'hijack', true)).toMatchObject({ duplicate: true, event: first.event });
      expect(await remove(store, 'k1', other)).toMatchObject({ duplicate: true, event: first.event });
      // A delete whose key is a message's: the message is the answer, and `other` stays.
      expect(await remove(store, 'cmid-a1', other)).toMatchObject({ duplicate: true, event: { kind: 'message', seq: message.seq } });
      const log = await readWholeLog(store, 'g1');
      expect(log.length).toBe(5);
      expect(log[other.seq - 1]).toEqual(other);
      expect(log[message.seq - 1]?.data).toEqual({ mentions: ['bob'], erased: true });
      // Retried at once: one event.
      const input: MessageChangeInput = { conversationId: 'g1', senderId: 'alice', clientMsgId: 'k2', ts: T0 + 40, kind: 'message.deleted', data: { messageId: other.id, messageSeq: other.seq } };
      const results = await Promise.all([store.appendChange(input), store.appendChange(input), store.appendChange(input)]);
      expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(secrets(JSON.stringify(await readWholeLog(store, 'g1')))).toEqual([]);
    },
  },
  {
    name: 'finishPendingChanges has nothing to finish after edits and deletes that completed',
    async run(store) {
      const message = await messageToChange(store);
      await edit(store, 'k1', message, 'edited', true);
      await remove(store, 'k2', message);
      expect(await store.finishPendingChanges('g1')).toEqual([]);
      expect(await store.finishPendingChanges()).toEqual([]);
      expect((await readWholeLog(store, 'g1')).length).toBe(5);
    },
  },
];
