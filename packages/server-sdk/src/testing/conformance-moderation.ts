import { expect } from 'vitest';
import { ErrorCode, isParleyError } from '@parley/protocol';
import type { StoredReport } from '../store/types.js';
import { T0, type StoreCheck } from './fixtures.js';

/** Blocks, bans and reports (`ModerationStore`): plain sets whose meaning the server decides. */

const report = (over: Partial<StoredReport> & Pick<StoredReport, 'id'>): StoredReport => ({
  conversationId: 'g1',
  messageId: 'e_m1',
  messageSeq: 2,
  reporterId: 'alice',
  reason: 'spam',
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

/** What a call threw, or null when it resolved. */
async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
    return null;
  } catch (error) {
    return error;
  }
}

export const moderationChecks: readonly StoreCheck[] = [
  {
    name: 'updateBlocks keeps each user\'s list in the order blocked, idempotently, block then unblock',
    async run(store) {
      // One timestamp for every call: the order must not rest on the clock.
      expect(await store.updateBlocks('alice', { block: ['carol', 'bob', 'carol'] }, 10, T0)).toEqual(['carol', 'bob']);
      expect(await store.updateBlocks('alice', { block: ['zed', 'bob'] }, 10, T0)).toEqual(['carol', 'bob', 'zed']);
      expect(await store.listBlocks('alice')).toEqual(['carol', 'bob', 'zed']);
      expect(await store.updateBlocks('alice', { unblock: ['bob', 'nobody'] }, 10, T0)).toEqual(['carol', 'zed']);
      expect(await store.updateBlocks('alice', { block: ['bob'] }, 10, T0)).toEqual(['carol', 'zed', 'bob']);
      // Both in one call: blocked, then unblocked.
      expect(await store.updateBlocks('alice', { block: ['dave'], unblock: ['dave', 'carol'] }, 10, T0)).toEqual(['zed', 'bob']);
      expect(await store.updateBlocks('alice', {}, 10, T0)).toEqual(['zed', 'bob']);
      expect(await store.listBlocks('bob')).toEqual([]);
      expect(await store.listBlocks('alice')).toEqual(['zed', 'bob']);
    },
  },
  {
    name: 'updateBlocks refuses a list past maxBlocks with LIMIT_EXCEEDED and changes nothing',
    async run(store) {
      await store.updateBlocks('alice', { block: ['a', 'b'] }, 3, T0);
      const error = await thrown(() => store.updateBlocks('alice', { block: ['c', 'd'], unblock: ['zz'] }, 3, T0));
      expect(isParleyError(error) && error.code === ErrorCode.LIMIT_EXCEEDED).toBe(true);
      expect(await store.listBlocks('alice')).toEqual(['a', 'b']);
      expect(await store.blockedBetween('alice', ['c', 'd'])).toEqual([]);
      // What is unblocked in the same call makes room.
      expect(await store.updateBlocks('alice', { block: ['c', 'd'], unblock: ['a'] }, 3, T0)).toEqual(['b', 'c', 'd']);
      // A list already past a lowered limit may still shrink, and blocking again who is there adds nobody.
      expect(await store.updateBlocks('alice', { block: ['b'], unblock: ['c'] }, 1, T0)).toEqual(['b', 'd']);
      expect(await store.listBlocks('alice')).toEqual(['b', 'd']);
    },
  },
  {
    name: 'blockedBetween finds blocks in either direction',
    async run(store) {
      await store.updateBlocks('alice', { block: ['bob'] }, 10, T0);
      await store.updateBlocks('carol', { block: ['alice'] }, 10, T0);
      expect(await store.blockedBetween('alice', ['dave', 'carol', 'bob', 'carol'])).toEqual(['carol', 'bob']);
      expect(await store.blockedBetween('bob', ['alice', 'carol'])).toEqual(['alice']);
      expect(await store.blockedBetween('carol', ['alice', 'bob'])).toEqual(['alice']);
      expect(await store.blockedBetween('dave', ['alice', 'bob'])).toEqual([]);
      expect(await store.blockedBetween('alice', [])).toEqual([]);
      await store.updateBlocks('carol', { unblock: ['alice'] }, 10, T0);
      expect(await store.blockedBetween('alice', ['carol', 'bob'])).toEqual(['bob']);
    },
  },
  {
    name: 'bans are kept per conversation, in the order banned, idempotently',
    async run(store) {
      await store.addBans('g1', ['carol', 'bob', 'carol'], T0);
      await store.addBans('g1', ['zed', 'bob'], T0);
      await store.addBans('g2', ['alice'], T0);
      expect(await store.listBans('g1')).toEqual(['carol', 'bob', 'zed']);
      expect(await store.listBans('g2')).toEqual(['alice']);
      expect(await store.filterBanned('g1', ['alice', 'zed', 'carol', 'zed'])).toEqual(['zed', 'carol']);
      expect(await store.filterBanned('g2', ['carol', 'alice'])).toEqual(['alice']);
      expect(await store.filterBanned('g3', ['alice'])).toEqual([]);
      expect(await store.filterBanned('g1', [])).toEqual([]);
      await store.removeBans('g1', ['bob', 'nobody']);
      await store.removeBans('g1', ['bob']);
      expect(await store.listBans('g1')).toEqual(['carol', 'zed']);
      expect(await store.filterBanned('g1', ['bob'])).toEqual([]);
      await store.addBans('g1', ['bob'], T0);
      expect(await store.listBans('g1')).toEqual(['carol', 'zed', 'bob']);
      expect(await store.listBans('g2')).toEqual(['alice']);
    },
  },
  {
    name: 'saveReport is idempotent per reporter and message: a repeat keeps the id and updates reason and updatedAt',
    async run(store) {
      const first = report({ id: 'r1' });
      expect(await store.saveReport(first)).toEqual({ report: first, created: true });
      const repeat = await store.saveReport(report({ id: 'r2', reason: 'abuse', createdAt: T0 + 50, updatedAt: T0 + 50 }));
      expect(repeat).toEqual({ report: { ...first, reason: 'abuse', updatedAt: T0 + 50 }, created: false });
      expect((await store.saveReport(report({ id: 'r3', reporterId: 'bob' }))).created).toBe(true);
      expect((await store.saveReport(report({ id: 'r4', messageId: 'e_m2', messageSeq: 3 }))).created).toBe(true);
      expect((await store.saveReport(report({ id: 'r5', conversationId: 'g2' }))).created).toBe(true);
      const all = await store.listReports({ limit: 10 });
      expect(all.map((r) => r.id).sort()).toEqual(['r1', 'r3', 'r4', 'r5']);
      expect(all.find((r) => r.id === 'r1')).toEqual({ ...first, reason: 'abuse', updatedAt: T0 + 50 });
    },
  },
  {
    name: 'listReports lists newest updatedAt first (then id), in pages, of every conversation or one',
    async run(store) {
      const times: Array<[string, string, number]> = [['r1', 'g1', 10], ['r2', 'g2', 30], ['r3', 'g1', 20], ['r4', 'g1', 30], ['r5', 'g2', 5], ['r0', 'g1', 20]];
      for (const [id, conversationId, at] of times) {
        await store.saveReport(report({ id, conversationId, messageId: `e_${id}`, createdAt: T0 + at, updatedAt: T0 + at }));
      }
      const order = ['r2', 'r4', 'r0', 'r3', 'r1', 'r5'];
      expect((await store.listReports({ limit: 100 })).map((r) => r.id)).toEqual(order);
      const paged: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await store.listReports({ limit: 4, ...(after ? { after } : {}) });
        paged.push(...page.map((r) => r.id));
        if (page.length < 4) break;
        after = page.at(-1)!.id;
      }
      expect(paged).toEqual(order);
      expect((await store.listReports({ conversationId: 'g1', limit: 100 })).map((r) => r.id)).toEqual(['r4', 'r0', 'r3', 'r1']);
      expect((await store.listReports({ conversationId: 'g1', after: 'r0', limit: 1 })).map((r) => r.id)).toEqual(['r3']);
      expect(await store.listReports({ conversationId: 'g3', limit: 100 })).toEqual([]);
      expect(await store.listReports({ limit: 0 })).toEqual([]);
      // A repeat moves a report up: its updatedAt is the newest.
      await store.saveReport(report({ id: 'r9', conversationId: 'g2', messageId: 'e_r5', updatedAt: T0 + 99 }));
      expect((await store.listReports({ limit: 2 })).map((r) => r.id)).toEqual(['r5', 'r2']);
    },
  },
];
