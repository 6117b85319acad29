import { expect } from 'vitest';
import type { LogEvent, MessageData } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import { T0, createGroup, readWholeLog, sendText, type StoreCheck } from './fixtures.js';

/**
 * App data with what JSON may hold and a database may not: keys with `$`, `.`, NUL or nothing,
 * nested arrays, astral characters, numbers at the edges of JSON (`1e21`, 2^53, `-0`).
 */
export const richCustom = (): Record<string, unknown> => ({
  kind: 'card',
  $type: 'order',
  'a.b': { $gt: 1 },
  '': 'empty key',
  'nul\u0000key': 'nul\u0000value',
  title: '日本語 👋🏽 café',
  numbers: { big: 1e21, safe: 2 ** 53, float: 0.1, negative: -5, int32: 2_147_483_648, negZero: -0 },
  nested: [[1, [2, { deep: [] }]], {}, [], null, true, false],
});

/** What every store gives back for `richCustom()`: what JSON gives back (`-0` is `0`). */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const messageOf = (event: LogEvent | null | undefined): MessageData => {
  if (event?.kind !== 'message') throw new Error(`expected a message event, got ${event ? event.kind : 'nothing'}`);
  return event.data;
};

/** g1 (alice, bob, carol): created (1), a text message (2), a reply with everything (3), a custom-only message (4). */
async function contentLog(store: ChatStore) {
  await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
  const quoted = (await sendText(store, 'g1', 'bob', 'cmid-0002', 'the quoted one')).event;
  const full: MessageData = {
    text: 'see above',
    custom: richCustom(),
    mentions: ['bob', 'carol'],
    replyTo: { messageId: quoted.id, seq: quoted.seq, senderId: 'bob', preview: 'the quoted one' },
  };
  const reply = await store.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'cmid-0003', ts: T0 + 3, kind: 'message', data: full });
  const bare: MessageData = { custom: { poll: { question: 'lunch?', options: ['🍕', '🍣'] } } };
  const customOnly = await store.append({ conversationId: 'g1', senderId: 'carol', clientMsgId: 'cmid-0004', ts: T0 + 4, kind: 'message', data: bare });
  // What reads must give back, taken before any check mutates what the store handed out.
  return { quoted, want: asJson(full), bare, reply: reply.event, customOnly: customOnly.event };
}

/** Message content (text, custom, mentions, replyTo) and getEvent: each check runs on a fresh, empty store. */
export const contentChecks: readonly StoreCheck[] = [
  {
    name: 'keeps message content exactly: custom app JSON (as JSON gives it back), mentions and replyTo',
    async run(store) {
      const { want, reply } = await contentLog(store);
      expect(messageOf(reply)).toEqual(want);
      expect(Object.is((messageOf(reply).custom as { numbers: { negZero: number } }).numbers.negZero, 0)).toBe(true);
      const log = await readWholeLog(store, 'g1');
      expect(messageOf(log[2])).toEqual(want);
      expect(messageOf((await store.readBefore('g1', 4, 1))[0])).toEqual(want);
      expect(messageOf(await store.findEvent('g1', 'alice', 'cmid-0003'))).toEqual(want);
      expect(messageOf(await store.getEvent('g1', reply.id))).toEqual(want);
      expect(log[2]).toEqual(reply);
    },
  },
  {
    name: 'stores a message without text: no text field comes back, and it counts as unread',
    async run(store) {
      const { bare, customOnly } = await contentLog(store);
      for (const event of [customOnly, (await store.readAfter('g1', 3, 1))[0], await store.getEvent('g1', customOnly.id)]) {
        expect(messageOf(event)).toEqual(bare);
        expect(Object.keys(messageOf(event))).toEqual(['custom']);
      }
      expect(await store.countUnread('g1', 'bob', 2)).toBe(2);
      expect(await store.countUnread('g1', 'alice', 3)).toBe(1);
    },
  },
  {
    name: 'answers a retried message with the original content, not the retry\'s',
    async run(store) {
      const { want, reply } = await contentLog(store);
      const retry = await store.append({
        conversationId: 'g1', senderId: 'alice', clientMsgId: 'cmid-0003', ts: T0 + 9, kind: 'message', data: { custom: { other: true } },
      });
      expect(retry).toEqual({ event: reply, duplicate: true });
      expect(messageOf(retry.event)).toEqual(want);
      expect((await readWholeLog(store, 'g1')).length).toBe(4);
    },
  },
  {
    name: 'getEvent finds an event of the conversation by id, and nothing for an unknown id or another conversation\'s',
    async run(store) {
      const { quoted, reply } = await contentLog(store);
      await createGroup(store, 'g2', ['alice', 'dave']);
      const [created] = await store.readAfter('g2', 0, 1);
      expect(await store.getEvent('g1', quoted.id)).toEqual(quoted);
      expect(await store.getEvent('g1', reply.id)).toEqual(reply);
      expect(await store.getEvent('g2', created!.id)).toEqual(created);
      expect(await store.getEvent('g1', created!.id)).toBeNull();
      expect(await store.getEvent('g2', quoted.id)).toBeNull();
      expect(await store.getEvent('g1', 'e_no-such-event')).toBeNull();
      expect(await store.getEvent('nope', quoted.id)).toBeNull();
    },
  },
  {
    name: 'hands out copies of content: mutating a returned message does not change the store',
    async run(store) {
      const { reply, want } = await contentLog(store);
      const mutate = (event: LogEvent | null | undefined) => {
        const data = messageOf(event);
        ((data.custom as { nested: unknown[][] }).nested[0]!).push('mutated');
        (data.custom as { numbers: { big: number } }).numbers.big = 1;
        data.mentions?.push('mallory');
        if (data.replyTo) data.replyTo.preview = 'mutated';
      };
      mutate(reply);
      mutate(await store.getEvent('g1', reply.id));
      mutate((await store.readAfter('g1', 2, 1))[0]);
      mutate(await store.findEvent('g1', 'alice', 'cmid-0003'));
      expect(messageOf(await store.getEvent('g1', reply.id))).toEqual(want);
      expect(messageOf((await store.readBefore('g1', 4, 1))[0])).toEqual(want);
    },
  },
];
