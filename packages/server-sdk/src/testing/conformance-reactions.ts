import { expect } from 'vitest';
import { isChange, messageAsOf, type LogEvent, type ReactionGroup } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import { reactionGroups, reactionRegister } from '../store/store-helpers.js';
import { T0, createGroup, logProblems, range, readWholeLog, type StoreCheck } from './fixtures.js';
import { change, changesLog, say } from './conformance-changes.js';

type Target = { id: string; seq: number };

/** The groups as sets (key → users), for comparing with the fold, which orders users differently on a repeated add. */
const asSets = (groups: readonly ReactionGroup[] = []) =>
  Object.fromEntries(groups.map((g) => [g.key, [...g.userIds].sort()]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));

/**
 * Compares a conversation's `readReactions` with its log and describes each difference: the key
 * and user sets must be what the protocol's fold (`messageAsOf`) gives each message, in the order
 * `reactionGroups` gives the latest reaction event per (message, key, user); messages without
 * reactions (and deleted ones) absent. An empty array means the index is the fold of the log.
 * Multi-process tests use it too.
 *
 * @example
 * expect(await reactionProblems(store, 'g1')).toEqual([]);
 */
export async function reactionProblems(store: ChatStore, conversationId: string): Promise<string[]> {
  const log = await readWholeLog(store, conversationId);
  const messages = log.filter((e): e is Extract<LogEvent, { kind: 'message' }> => e.kind === 'message');
  const changes = new Map<number, LogEvent[]>();
  for (const event of log.filter(isChange)) {
    const list = changes.get(event.data.messageSeq);
    if (list) list.push(event);
    else changes.set(event.data.messageSeq, [event]);
  }
  const read = await store.readReactions(conversationId, messages.map((m) => m.seq), log.length);
  const problems: string[] = [];
  for (const seq of read.keys()) if (!messages.some((m) => m.seq === seq)) problems.push(`reactions listed for seq ${seq}, which is no message`);
  for (const message of messages) {
    const own = changes.get(message.seq) ?? [];
    const deleteSeq = own.find((e) => e.kind === 'message.deleted')?.seq;
    // A reaction stored after the delete (a race the server allows) may be listed or not.
    if (deleteSeq !== undefined && own.some((e) => e.seq > deleteSeq && reactionRegister(e))) continue;
    const folded = messageAsOf(message, own, log.length).state?.reactions;
    const registers = new Map<string, NonNullable<ReturnType<typeof reactionRegister>>>();
    for (const register of own.map(reactionRegister)) if (register) registers.set(`${register.key}\n${register.userId}`, register);
    const held = deleteSeq === undefined ? [...registers.values()].filter((r) => r.held) : [];
    const expected = held.length > 0 ? reactionGroups(held) : undefined;
    const got = read.get(message.seq);
    if (JSON.stringify(asSets(got)) !== JSON.stringify(asSets(folded))) {
      problems.push(`seq ${message.seq}: reactions ${JSON.stringify(got ?? null)}, the fold of the log gives ${JSON.stringify(folded ?? null)}`);
    } else if (JSON.stringify(got) !== JSON.stringify(expected)) {
      problems.push(`seq ${message.seq}: reactions ${JSON.stringify(got ?? null)}, in reactionGroups' order ${JSON.stringify(expected ?? null)}`);
    }
  }
  return problems;
}

/** Appends a reaction (`+key`) or its removal (`-key`) of `target` by `userId`. */
const react = (store: ChatStore, userId: string, clientMsgId: string, target: Target, what: string, ts = T0 + 20) =>
  change(store, userId, clientMsgId, ts, target, what.startsWith('+') ? { react: what.slice(1) } : { unreact: what.slice(1) });

/**
 * g1 (alice, bob, carol, dave): 2 alice's, 3 bob's and 4 carol's messages, then reactions on 2
 * (a repeated add, add-remove-add, a remove of nothing, a key that comes and goes) and on 3 (an
 * add taken back, another kept). Message 4 has none.
 */
async function reactionsLog(store: ChatStore) {
  await createGroup(store, 'g1', ['alice', 'bob', 'carol', 'dave']);
  const a = (await say(store, 'alice', 'a1', T0 + 2, { text: 'a' })).event;
  const b = (await say(store, 'bob', 'b1', T0 + 3, { text: 'b' })).event;
  const c = (await say(store, 'carol', 'c1', T0 + 4, { text: 'c' })).event;
  const steps: Array<[string, string, Target, string]> = [
    ['bob', 'r5', a, '+👍'], ['carol', 'r6', a, '+👍'], ['bob', 'r7', a, '+❤️'], ['bob', 'r8', a, '+👍'],
    ['carol', 'r9', a, '-👍'], ['alice', 'r10', a, '+🎉'], ['carol', 'r11', a, '+👍'], ['dave', 'r12', a, '+❤️'],
    ['dave', 'r13', a, '-❤️'], ['dave', 'r14', a, '-❤️'], ['dave', 'r15', a, '+x'], ['dave', 'r16', a, '-x'],
    ['alice', 'r17', b, '+👍'], ['alice', 'r18', b, '-👍'], ['carol', 'r19', b, '+ok'],
  ];
  for (const [userId, clientMsgId, target, what] of steps) await react(store, userId, clientMsgId, target, what);
  return { a, b, c };
}

/** What reactionsLog leaves: 2 has ❤️ (bob, from 7), 👍 (bob re-added at 8, carol re-added at 11), 🎉 (alice). */
const EXPECTED = new Map<number, ReactionGroup[]>([
  [2, [{ key: '❤️', userIds: ['bob'] }, { key: '👍', userIds: ['bob', 'carol'] }, { key: '🎉', userIds: ['alice'] }]],
  [3, [{ key: 'ok', userIds: ['carol'] }]],
]);

/** readReactions (the reaction index) and readChanges by kind: each check runs on a fresh, empty store. */
export const reactionChecks: readonly StoreCheck[] = [
  {
    name: 'readReactions gives each message the reactions the fold of its log gives it (repeated adds and removes, add-remove-add, several users and keys)',
    async run(store) {
      await reactionsLog(store);
      expect(await store.readReactions('g1', [2, 3, 4], 100)).toEqual(EXPECTED);
      expect(await reactionProblems(store, 'g1')).toEqual([]);
      // Messages without reactions, events that are not messages and unknown seqs are absent.
      expect(await store.readReactions('g1', [4, 1, 99, 3, 3], 100)).toEqual(new Map([[3, EXPECTED.get(3)]]));
      expect(await store.readReactions('g1', [], 100)).toEqual(new Map());
      expect(await store.readReactions('nope', [2], 100)).toEqual(new Map());
    },
  },
  {
    name: 'readReactions: a retried add or remove (a duplicate append) changes nothing, however old',
    async run(store) {
      const { a, b } = await reactionsLog(store);
      const log = await readWholeLog(store, 'g1');
      // Each retry returns the original event, which a newer one has since overridden.
      for (const [userId, clientMsgId, target, what] of [
        ['carol', 'r9', a, '-👍'], ['dave', 'r12', a, '+❤️'], ['dave', 'r15', a, '+x'], ['alice', 'r17', b, '+👍'], ['bob', 'r5', a, '+👍'],
      ] as const) {
        expect((await react(store, userId, clientMsgId, target, what)).duplicate).toBe(true);
      }
      expect(await readWholeLog(store, 'g1')).toEqual(log);
      expect(await store.readReactions('g1', [2, 3, 4], 100)).toEqual(EXPECTED);
    },
  },
  {
    name: 'readReactions: a deleted message\'s reactions are gone after eraseMessage; other messages and conversations keep theirs',
    async run(store) {
      const { a, b } = await reactionsLog(store);
      await createGroup(store, 'g2', ['alice', 'bob']);
      const other = (await store.append({ conversationId: 'g2', senderId: 'alice', clientMsgId: 'o1', ts: T0 + 30, kind: 'message', data: { text: 'o' } })).event;
      await store.append({ conversationId: 'g2', senderId: 'bob', clientMsgId: 'o2', ts: T0 + 31, kind: 'reaction.added', data: { messageId: other.id, messageSeq: other.seq, key: '👍' } });
      expect(other.seq).toBe(a.seq);
      await change(store, 'alice', 'd1', T0 + 41, a, 'delete');
      await store.eraseMessage('g1', a.seq);
      expect(await store.readReactions('g1', [a.seq, b.seq, 4], 100)).toEqual(new Map([[b.seq, EXPECTED.get(b.seq)]]));
      expect(await store.readReactions('g2', [other.seq], 100)).toEqual(new Map([[other.seq, [{ key: '👍', userIds: ['bob'] }]]]));
      expect(await reactionProblems(store, 'g1')).toEqual([]);
    },
  },
  {
    name: 'readReactions: erasing an edited message\'s superseded versions keeps its reactions',
    async run(store) {
      const { a } = await reactionsLog(store);
      const edit = (await change(store, 'alice', 'e1', T0 + 40, a, { edit: 'a, edited' })).event;
      await store.eraseMessage('g1', a.seq, { keepEditSeq: edit.seq });
      expect(await store.readReactions('g1', [2, 3, 4], 100)).toEqual(EXPECTED);
    },
  },
  {
    name: 'readChanges with kinds lists only the changes of those kinds',
    async run(store) {
      await changesLog(store);
      const seqs = async (kinds: Parameters<ChatStore['readChanges']>[3]) => (await store.readChanges('g1', [2, 3], 100, kinds)).map((e) => e.seq);
      expect(await seqs({ kinds: ['message.edited', 'message.deleted'] })).toEqual([5, 11]);
      expect(await seqs({ kinds: ['message.deleted'] })).toEqual([]);
      expect(await seqs({ kinds: ['reaction.added', 'reaction.removed'] })).toEqual([6, 10]);
      expect(await seqs({ kinds: ['message.edited', 'reaction.added'] })).toEqual([5, 6, 10, 11]);
      expect(await seqs({})).toEqual([5, 6, 10, 11]);
      expect(await seqs({ kinds: [] })).toEqual([]);
      expect((await store.readChanges('g1', [2], 10, { kinds: ['message.edited'] })).map((e) => e.seq)).toEqual([5]);
      const log = await readWholeLog(store, 'g1');
      expect(await store.readChanges('g1', [2], 100, { kinds: ['message.edited'] })).toEqual([log[4], log[10]]);
    },
  },
  {
    name: 'readReactions equals the fold of the log after concurrent reactions on the same keys by the same users, retries included',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      const targets = [(await say(store, 'alice', 'm1', T0 + 1, { text: 'one' })).event, (await say(store, 'bob', 'm2', T0 + 2, { text: 'two' })).event];
      const users = ['alice', 'bob', 'carol'];
      const ops = range(1, 40).map((i) => () => react(store, users[i % 3]!, `r-${i}`, targets[i % 2]!, `${i % 4 < 2 ? '+' : '-'}k${i % 3}`));
      // Every reaction fired twice at once: each is stored once, and the index follows the log's order.
      const results = await Promise.all([...ops, ...ops].map((op) => op()));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(ops.length);
      expect(await logProblems(store, 'g1')).toEqual([]);
      expect(await reactionProblems(store, 'g1')).toEqual([]);
      expect((await store.readReactions('g1', targets.map((t) => t.seq), 100)).size).toBeGreaterThan(0);
    },
  },
];

/**
 * The server's path for a message edited, then deleted: each edit erases the versions it
 * replaced (`keepEditSeq`), so the delete's erasure finds the message's content already gone, and
 * must still drop its reactions.
 */
export const editedThenDeletedCheck: StoreCheck = {
  name: 'readReactions: an edited message (versions erased) that is then deleted has no reactions after eraseMessage',
  async run(store) {
    const { a, b } = await reactionsLog(store);
    const edit = (await change(store, 'alice', 'e1', T0 + 40, a, { edit: 'a, edited' })).event;
    await store.eraseMessage('g1', a.seq, { keepEditSeq: edit.seq });
    await change(store, 'alice', 'd1', T0 + 41, a, 'delete');
    await store.eraseMessage('g1', a.seq);
    expect(await store.readReactions('g1', [a.seq, b.seq], 100)).toEqual(new Map([[b.seq, EXPECTED.get(b.seq)]]));
  },
};
