import { expect } from 'vitest';
import { laneOf, type LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, ChatStore } from '../store/types.js';
import { T0, createGroup, logProblems, range, readWholeLog, type StoreCheck } from './fixtures.js';

export { T0 };

type Change = Extract<AppendInput, { kind: 'message.edited' | 'message.deleted' | 'reaction.added' | 'reaction.removed' }>;
type Target = { id: string; seq: number };

/** Appends a message (`data` as given) from `senderId` at `ts`. */
export const say = (store: ChatStore, senderId: string, clientMsgId: string, ts: number, data: Extract<AppendInput, { kind: 'message' }>['data']) =>
  store.append({ conversationId: 'g1', senderId, clientMsgId, ts, kind: 'message', data });

/** Appends a change of `target` from `senderId`: an edit (text given), a delete, or a reaction. */
export function change(
  store: ChatStore,
  senderId: string,
  clientMsgId: string,
  ts: number,
  target: Target,
  what: { edit: string; custom?: Record<string, unknown> } | { react: string } | { unreact: string } | 'delete',
): Promise<AppendResult> {
  const ref = { messageId: target.id, messageSeq: target.seq };
  const input: Change =
    what === 'delete'
      ? { conversationId: 'g1', senderId, clientMsgId, ts, kind: 'message.deleted', data: ref }
      : 'edit' in what
        ? { conversationId: 'g1', senderId, clientMsgId, ts, kind: 'message.edited', data: { ...ref, text: what.edit, ...(what.custom ? { custom: what.custom } : {}) } }
        : 'react' in what
          ? { conversationId: 'g1', senderId, clientMsgId, ts, kind: 'reaction.added', data: { ...ref, key: what.react } }
          : { conversationId: 'g1', senderId, clientMsgId, ts, kind: 'reaction.removed', data: { ...ref, key: what.unreact } };
  return store.append(input);
}

/**
 * g1 (alice, bob, carol), every lane at once:
 * 1 created · 2 alice's root (text, custom, mentions bob) · 3 bob · 4 bob in 2's thread ·
 * 5 alice edits 2 · 6 carol reacts to 2 · 7 carol quotes 2 · 8 erin added · 9 alice in 2's thread ·
 * 10 bob reacts to 3 · 11 alice edits 2 again · 12 bob · 13 carol in 3's thread.
 * Secrets (`secret-…`) are the words erasing message 2 must remove from the store.
 */
export async function changesLog(store: ChatStore) {
  await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
  const root = (await say(store, 'alice', 'cmid-a1', T0 + 2, { text: 'secret-original', custom: { secret: 'secret-custom' }, mentions: ['bob'] })).event;
  const plain = (await say(store, 'bob', 'cmid-b1', T0 + 3, { text: 'plain' })).event;
  const thread2 = { messageId: root.id, seq: root.seq };
  await say(store, 'bob', 'cmid-b2', T0 + 4, { text: 'first in thread', thread: thread2 });
  await change(store, 'alice', 'cmid-a2', T0 + 5, root, { edit: 'secret-edit-one', custom: { secret: 'secret-edit-custom' } });
  await change(store, 'carol', 'cmid-c1', T0 + 6, root, { react: '👍🏽' });
  const preview = 'secret-edit-one';
  await say(store, 'carol', 'cmid-c2', T0 + 7, { text: 'quoting it', replyTo: { messageId: root.id, seq: root.seq, senderId: 'alice', preview } });
  await store.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:add:erin', ts: T0 + 8, kind: 'members.added', data: { userIds: ['erin'] } });
  await say(store, 'alice', 'cmid-a3', T0 + 90, { text: 'second in thread', thread: thread2 });
  await change(store, 'bob', 'cmid-b3', T0 + 10, plain, { react: 'party' });
  await change(store, 'alice', 'cmid-a4', T0 + 11, root, { edit: 'secret-edit-two' });
  await say(store, 'bob', 'cmid-b4', T0 + 12, { text: 'last' });
  await say(store, 'carol', 'cmid-c3', T0 + 130, { text: 'in the other thread', thread: { messageId: plain.id, seq: plain.seq } });
  return { root, plain, log: await readWholeLog(store, 'g1') };
}

/** Walks a lane back from its end in pages of `size`, as history does. */
export async function walkLane(store: ChatStore, conversationId: string, lane: number, size: number): Promise<number[]> {
  const seqs: number[] = [];
  let before = Number.MAX_SAFE_INTEGER;
  for (let page = 0; page < 1000; page++) {
    const events = await store.readLane(conversationId, lane, before, size);
    if (events.length === 0) return seqs;
    seqs.unshift(...events.map((e) => e.seq));
    before = events[0]!.seq;
  }
  throw new Error(`readLane(${lane}) did not reach the start of the lane`);
}

const seqsOf = (events: readonly LogEvent[]) => events.map((e) => e.seq);

/**
 * Reads a conversation's log and every lane in it, and describes each way the lanes break their
 * promise: an event listed in a lane that is not its own, or not listed once in exactly one lane.
 * An empty array means the lanes partition the log. Multi-process tests use it too.
 *
 * @example
 * expect(await laneProblems(store, 'g1')).toEqual([]);
 */
export async function laneProblems(store: ChatStore, conversationId: string): Promise<string[]> {
  const log = await readWholeLog(store, conversationId);
  const problems: string[] = [];
  const listed = new Map<number, number>();
  for (const lane of new Set(log.map(laneOf))) {
    for (const seq of await walkLane(store, conversationId, lane, 25)) {
      const event = log[seq - 1];
      if (!event || laneOf(event) !== lane) problems.push(`lane ${lane} lists seq ${seq}, whose lane is ${event ? laneOf(event) : 'none'}`);
      listed.set(seq, (listed.get(seq) ?? 0) + 1);
    }
  }
  for (const event of log) {
    const times = listed.get(event.seq) ?? 0;
    if (times !== 1) problems.push(`seq ${event.seq} (lane ${laneOf(event)}) is listed ${times} times`);
  }
  return problems;
}

/** Lanes, changes, reply counts and change dedup: each check runs on a fresh, empty store. */
export const changeChecks: readonly StoreCheck[] = [
  {
    name: 'readLane lists the timeline without changes or thread replies, and a thread lane its replies',
    async run(store) {
      const { log } = await changesLog(store);
      expect(await store.readLane('g1', 0, 100, 100)).toEqual(log.filter((e) => [1, 2, 3, 7, 8, 12].includes(e.seq)));
      expect(seqsOf(await store.readLane('g1', -2, 100, 100))).toEqual([4, 9]);
      expect(seqsOf(await store.readLane('g1', -3, 100, 100))).toEqual([13]);
      expect(seqsOf(await store.readLane('g1', 2, 100, 100))).toEqual([5, 6, 11]);
      expect(seqsOf(await store.readLane('g1', 0, 7, 2))).toEqual([2, 3]);
      expect(seqsOf(await store.readLane('g1', -2, 9, 10))).toEqual([4]);
      expect(await store.readLane('g1', 0, 100, 0)).toEqual([]);
      expect(await store.readLane('g1', -12, 100, 10)).toEqual([]);
      expect(await store.readLane('nope', 0, 100, 10)).toEqual([]);
    },
  },
  {
    name: 'readLane pages walk a lane back exactly once, and every event sits in exactly one lane',
    async run(store) {
      const { log } = await changesLog(store);
      for (const size of [1, 2, 5]) {
        expect(await walkLane(store, 'g1', 0, size)).toEqual([1, 2, 3, 7, 8, 12]);
        expect(await walkLane(store, 'g1', -2, size)).toEqual([4, 9]);
      }
      const lanes = [...new Set(log.map(laneOf))];
      const listed = (await Promise.all(lanes.map((lane) => walkLane(store, 'g1', lane, 3)))).flat();
      expect(listed.sort((a, b) => a - b)).toEqual(range(1, log.length));
    },
  },
  {
    name: 'readChanges returns only the changes of the named messages up to throughSeq, ascending',
    async run(store) {
      const { log } = await changesLog(store);
      expect(await store.readChanges('g1', [3, 2], 100)).toEqual(log.filter((e) => [5, 6, 10, 11].includes(e.seq)));
      expect(seqsOf(await store.readChanges('g1', [2, 2], 10))).toEqual([5, 6]);
      expect(seqsOf(await store.readChanges('g1', [2], 5))).toEqual([5]);
      expect(seqsOf(await store.readChanges('g1', [2], 4))).toEqual([]);
      expect(seqsOf(await store.readChanges('g1', [3, 7, 12], 100))).toEqual([10]);
      expect(await store.readChanges('g1', [], 100)).toEqual([]);
      expect(await store.readChanges('nope', [2], 100)).toEqual([]);
    },
  },
  {
    name: 'countReplies counts thread replies up to throughSeq and gives the newest one\'s ts',
    async run(store) {
      await changesLog(store);
      expect(await store.countReplies('g1', [2, 3, 12, 7], 100)).toEqual(
        new Map([[2, { count: 2, lastReplyAt: T0 + 90 }], [3, { count: 1, lastReplyAt: T0 + 130 }]]),
      );
      expect(await store.countReplies('g1', [2], 8)).toEqual(new Map([[2, { count: 1, lastReplyAt: T0 + 4 }]]));
      expect(await store.countReplies('g1', [2, 3], 3)).toEqual(new Map());
      expect(await store.countReplies('g1', [], 100)).toEqual(new Map());
      expect(await store.countReplies('nope', [2], 100)).toEqual(new Map());
    },
  },
  {
    name: 'keeps a change\'s clientMsgId on every read and dedups changes by it',
    async run(store) {
      const { root, log } = await changesLog(store);
      const edit = log[4]!;
      expect(edit).toMatchObject({ kind: 'message.edited', clientMsgId: 'cmid-a2', senderId: 'alice' });
      expect(log[5]).toMatchObject({ kind: 'reaction.added', clientMsgId: 'cmid-c1' });
      expect(await store.getEvent('g1', edit.id)).toEqual(edit);
      expect(await store.findEvent('g1', 'alice', 'cmid-a2')).toEqual(edit);
      expect((await store.readLane('g1', 2, 6, 1))[0]).toEqual(edit);
      const retry = await change(store, 'alice', 'cmid-a2', T0 + 50, root, { edit: 'a retry must not win' });
      expect(retry).toEqual({ event: edit, duplicate: true });
      const again = await change(store, 'carol', 'cmid-c1', T0 + 51, root, { unreact: '👍🏽' });
      expect(again).toEqual({ event: log[5], duplicate: true });
      expect(await readWholeLog(store, 'g1')).toEqual(log);
      expect(await store.getConversation('g1')).toMatchObject({ lastSeq: log.length });
    },
  },
  {
    name: 'countUnread counts messages and thread replies, never changes',
    async run(store) {
      await changesLog(store);
      // carol: 2, 3, 4, 9, 12 (not her own 7 and 13; not the edits and reactions).
      expect(await store.countUnread('g1', 'carol', 0)).toBe(5);
      expect(await store.countUnread('g1', 'carol', 9)).toBe(1);
      expect(await store.countUnread('g1', 'bob', 10)).toBe(1);
    },
  },
  {
    name: 'keeps lanes consistent under concurrent messages, thread replies and changes, retries included',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      const root = (await say(store, 'alice', 'root', T0 + 1, { text: 'root' })).event;
      const thread = { messageId: root.id, seq: root.seq };
      const ops = range(1, 15).flatMap((i) => [
        () => say(store, 'bob', `m-${i}`, T0 + 10 + i, { text: `message ${i}` }),
        () => say(store, 'carol', `t-${i}`, T0 + 10 + i, { text: `reply ${i}`, thread }),
        () => change(store, 'bob', `r-${i}`, T0 + 10 + i, root, { react: `k${i}` }),
        () => change(store, 'alice', `e-${i}`, T0 + 10 + i, root, { edit: `edit ${i}` }),
      ]);
      // Every operation fired twice at once: each must be stored once.
      const results = await Promise.all([...ops, ...ops].map((op) => op()));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(ops.length);
      expect(await logProblems(store, 'g1')).toEqual([]);
      const log = await readWholeLog(store, 'g1');
      expect(log).toHaveLength(ops.length + 2);
      const timeline = await walkLane(store, 'g1', 0, 7);
      const replies = await walkLane(store, 'g1', -root.seq, 4);
      const changes = seqsOf(await store.readChanges('g1', timeline, log.length));
      expect(timeline).toEqual(seqsOf(log.filter((e) => laneOf(e) === 0)));
      expect(timeline).toHaveLength(17);
      expect(replies).toHaveLength(15);
      expect(changes).toHaveLength(30);
      expect([...timeline, ...replies, ...changes].sort((a, b) => a - b)).toEqual(range(1, log.length));
      expect(await laneProblems(store, 'g1')).toEqual([]);
      expect((await store.countReplies('g1', [root.seq], log.length)).get(root.seq)?.count).toBe(15);
    },
  },
];
