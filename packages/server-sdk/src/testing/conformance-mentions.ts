import { expect } from 'vitest';
import { isUnreadMention } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import { T0, createGroup, range, readWholeLog, type StoreCheck } from './fixtures.js';

const USERS = ['alice', 'bob', 'carol', 'dave'];

function mention(store: ChatStore, senderId: string, clientMsgId: string, mentions: string[], conversationId = 'g1') {
  return store.append({
    conversationId, senderId, clientMsgId, ts: T0 + 1, kind: 'message', data: { text: `@${mentions.join(' @')}`, mentions },
  });
}

/**
 * g1 (alice, bob, carol, dave):
 * 1 created · 2 alice→[bob] · 3 bob→[bob, carol] (himself) · 4 a membership change · 5 carol text ·
 * 6 carol→[bob, alice] · 7 dave→[dave] (only himself) · 8 alice→[carol, dave]; and g2 mentioning bob.
 */
async function mentionLog(store: ChatStore): Promise<void> {
  await createGroup(store, 'g1', USERS);
  await mention(store, 'alice', 'cmid-0002', ['bob']);
  await mention(store, 'bob', 'cmid-0003', ['bob', 'carol']);
  await store.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:add:erin', ts: T0 + 4, kind: 'members.added', data: { userIds: ['erin'] } });
  await store.append({ conversationId: 'g1', senderId: 'carol', clientMsgId: 'cmid-0005', ts: T0 + 5, kind: 'message', data: { text: 'no mention' } });
  await mention(store, 'carol', 'cmid-0006', ['bob', 'alice']);
  await mention(store, 'dave', 'cmid-0007', ['dave']);
  await mention(store, 'alice', 'cmid-0008', ['carol', 'dave']);
  await createGroup(store, 'g2', ['alice', 'bob']);
  await mention(store, 'alice', 'cmid-0002', ['bob'], 'g2');
}

/** countUnreadMentions: each check runs on a fresh, empty store. */
export const mentionChecks: readonly StoreCheck[] = [
  {
    name: 'countUnreadMentions counts messages of others that mention the user, after the watermark only',
    async run(store) {
      await mentionLog(store);
      // bob: 2 and 6 (3 is his own, even though it names him).
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(2);
      expect(await store.countUnreadMentions('g1', 'bob', 2)).toBe(1);
      expect(await store.countUnreadMentions('g1', 'bob', 5)).toBe(1);
      expect(await store.countUnreadMentions('g1', 'bob', 6)).toBe(0);
      expect(await store.countUnreadMentions('g1', 'carol', 0)).toBe(2);
      expect(await store.countUnreadMentions('g1', 'carol', 3)).toBe(1);
      expect(await store.countUnreadMentions('g1', 'alice', 0)).toBe(1);
      expect(await store.countUnreadMentions('g1', 'dave', 0)).toBe(1);
      expect(await store.countUnreadMentions('g1', 'dave', 8)).toBe(0);
      expect(await store.countUnreadMentions('g1', 'erin', 0)).toBe(0);
      expect(await store.countUnreadMentions('g2', 'bob', 0)).toBe(1);
      expect(await store.countUnreadMentions('g2', 'alice', 0)).toBe(0);
      expect(await store.countUnreadMentions('nope', 'bob', 0)).toBe(0);
    },
  },
  {
    name: 'countUnreadMentions agrees with the protocol\'s isUnreadMention for every user and watermark',
    async run(store) {
      await mentionLog(store);
      const log = await readWholeLog(store, 'g1');
      for (const userId of USERS) {
        for (const readSeq of range(0, log.length)) {
          const want = log.filter((event) => isUnreadMention(event, userId, readSeq)).length;
          expect({ userId, readSeq, count: await store.countUnreadMentions('g1', userId, readSeq) }).toEqual({ userId, readSeq, count: want });
        }
      }
    },
  },
  {
    name: 'countUnreadMentions falls as the member\'s read watermark moves',
    async run(store) {
      await mentionLog(store);
      const at = async () => store.countUnreadMentions('g1', 'bob', (await store.getMember('g1', 'bob'))!.readSeq);
      expect(await at()).toBe(2);
      await store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 3 }, T0);
      expect(await at()).toBe(1);
      await store.updateDeviceWatermarks('g1', 'bob', 'laptop', { readSeq: 8 }, T0);
      expect(await at()).toBe(0);
      await mention(store, 'carol', 'cmid-0009', ['bob']);
      expect(await at()).toBe(1);
    },
  },
  {
    name: 'countUnreadMentions counts a retried or concurrently sent mention once',
    async run(store) {
      await createGroup(store, 'g1', USERS);
      const ids = range(1, 20).map((i) => `cmid-${1000 + i}`);
      // Every append fired twice at once: the store dedups each pair to one message.
      await Promise.all([...ids, ...ids].map((id, i) => mention(store, i % 2 ? 'alice' : 'carol', id, ['bob'])));
      const messages = (await readWholeLog(store, 'g1')).filter((event) => event.kind === 'message');
      expect(messages.length).toBe(20);
      expect(await store.countUnreadMentions('g1', 'bob', 0)).toBe(20);
    },
  },
];
