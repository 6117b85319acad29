import { expect } from 'vitest';
import { laneOf, messageAsOf, type LogEvent } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import { readWholeLog, type StoreCheck } from './fixtures.js';
import { T0, change, changesLog } from './conformance-changes.js';

/** The event as each read path hands it out: getEvent, findEvent, readAfter, readBefore, readLane. */
export async function everyRead(store: ChatStore, event: LogEvent): Promise<Array<LogEvent | null | undefined>> {
  const { conversationId, seq } = event;
  return [
    await store.getEvent(conversationId, event.id),
    'clientMsgId' in event ? await store.findEvent(conversationId, event.senderId, event.clientMsgId) : event,
    (await store.readAfter(conversationId, seq - 1, 1))[0],
    (await store.readBefore(conversationId, seq + 1, 1))[0],
    (await store.readLane(conversationId, laneOf(event), seq + 1, 1))[0],
  ];
}

/** Every read path of the whole log, as one text: what must not hold an erased word anywhere. */
export async function everythingReadable(store: ChatStore, log: readonly LogEvent[]): Promise<string> {
  const reads = await Promise.all(log.map((event) => everyRead(store, event)));
  const lanes = await Promise.all([...new Set(log.map(laneOf))].map((lane) => store.readLane('g1', lane, log.length + 1, 100)));
  return JSON.stringify([reads, lanes, await readWholeLog(store, 'g1'), await store.readChanges('g1', [2, 3], 100)]);
}

/** Erases message 2 of `changesLog` as the server does on a delete: the delete event first. */
async function deleteRoot(store: ChatStore) {
  const before = await changesLog(store);
  const mentionsBefore = await store.countUnreadMentions('g1', 'bob', 0);
  await change(store, 'alice', 'cmid-a5', T0 + 14, before.root, 'delete');
  await store.eraseMessage('g1', before.root.seq);
  return { ...before, mentionsBefore, after: await readWholeLog(store, 'g1') };
}

/** eraseMessage: each check runs on a fresh, empty store. */
export const erasureChecks: readonly StoreCheck[] = [
  {
    name: 'eraseMessage removes a message\'s content from every read path, with its edits\' content and the quoting replies\' preview',
    async run(store) {
      const { log, after } = await deleteRoot(store);
      const text = await everythingReadable(store, after);
      expect(text.match(/secret-[a-z-]+/g) ?? []).toEqual([]);
      for (const read of await everyRead(store, after[1]!)) expect(read).toEqual({ ...log[1], data: { erased: true } });
      for (const seq of [5, 11]) {
        const edit = log[seq - 1]!;
        for (const read of await everyRead(store, after[seq - 1]!)) expect(read).toEqual({ ...edit, data: { messageId: log[1]!.id, messageSeq: 2 } });
      }
      const quote = log[6]! as Extract<LogEvent, { kind: 'message' }>;
      for (const read of await everyRead(store, after[6]!)) {
        expect(read).toEqual({ ...quote, data: { ...quote.data, replyTo: { ...quote.data.replyTo!, preview: '' } } });
      }
    },
  },
  {
    name: 'eraseMessage of a deleted message stops it counting as an unread mention, as its erased mentions say',
    async run(store) {
      const { mentionsBefore } = await deleteRoot(store);
      expect(mentionsBefore).toBeGreaterThan(0);
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(mentionsBefore - 1);
    },
  },
  {
    name: 'eraseMessage leaves every other event as it was, thread replies and reactions of the message included',
    async run(store) {
      const { log, after } = await deleteRoot(store);
      expect(after.length).toBe(log.length + 1);
      const untouched = after.filter((e) => ![2, 5, 7, 11].includes(e.seq) && e.seq <= log.length);
      expect(untouched).toEqual(log.filter((e) => ![2, 5, 7, 11].includes(e.seq)));
      expect(await store.countReplies('g1', [2], 100)).toEqual(new Map([[2, { count: 2, lastReplyAt: T0 + 90 }]]));
      expect(await store.getConversation('g1')).toMatchObject({ lastSeq: log.length + 1 });
    },
  },
  {
    name: 'eraseMessage is idempotent, and does nothing to a missing message, another kind of event or another conversation',
    async run(store) {
      const { after } = await deleteRoot(store);
      await store.eraseMessage('g1', 2);
      await store.eraseMessage('g1', 8);
      await store.eraseMessage('g1', 999);
      await store.eraseMessage('nope', 2);
      expect(await readWholeLog(store, 'g1')).toEqual(after);
    },
  },
  {
    name: 'eraseMessage of a thread reply keeps its thread, its place in the thread and its count',
    async run(store) {
      const { log } = await changesLog(store);
      await store.eraseMessage('g1', 4);
      const reply = log[3]!;
      for (const read of await everyRead(store, reply)) expect(read).toEqual({ ...reply, data: { thread: { messageId: log[1]!.id, seq: 2 }, erased: true } });
      expect((await store.readLane('g1', -2, 100, 10)).map((e) => e.seq)).toEqual([4, 9]);
      expect((await store.countReplies('g1', [2], 100)).get(2)?.count).toBe(2);
    },
  },
  {
    name: 'eraseMessage with keepEditSeq erases only the versions that edit replaced, and the log still folds to it',
    async run(store) {
      const { log, root } = await changesLog(store);
      const mentions = await store.countUnreadMentions('g1', 'bob', 0);
      await store.eraseMessage('g1', 2, { keepEditSeq: 11 });
      // An edit keeps the mentions: the message still mentions bob.
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(mentions);
      const after = await readWholeLog(store, 'g1');
      expect(after[1]).toEqual({ ...log[1], data: { mentions: ['bob'], erased: true } });
      expect(after[4]).toEqual({ ...log[4], data: { messageId: root.id, messageSeq: 2 } });
      expect(after.filter((e) => ![2, 5].includes(e.seq))).toEqual(log.filter((e) => ![2, 5].includes(e.seq)));
      const message = after[1]! as Extract<LogEvent, { kind: 'message' }>;
      const folded = messageAsOf(message, await store.readChanges('g1', [2], 100), after.length);
      // The store's `erased` mark rides along in the fold; the server strips it before sending.
      expect(folded.data).toEqual({ text: 'secret-edit-two', mentions: ['bob'], erased: true });
      await store.eraseMessage('g1', 2, { keepEditSeq: 11 });
      expect(await readWholeLog(store, 'g1')).toEqual(after);
    },
  },
];
