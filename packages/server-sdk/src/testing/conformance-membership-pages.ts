import { describe, expect, it } from 'vitest';
import type { MembershipPage, StoredMembership } from '../store/types.js';
import { T0, createDirect, createGroup, sendText, type StoreContext } from './fixtures.js';

const ids = (rows: StoredMembership[]) => rows.map((r) => r.conversation.id);
const positionOf = (row: StoredMembership): NonNullable<MembershipPage['after']> => ({
  lastActivityAt: row.conversation.lastActivityAt,
  conversationId: row.conversation.id,
});

/** Paged membership lists (sync and REST read a user's conversations a page at a time), and exact strings. */
export function membershipPageTests(ctx: StoreContext): void {
  describe('membership pages', () => {
    async function walk(userId: string, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let after: MembershipPage['after'];
      for (;;) {
        const rows = await ctx.store.listMemberships(userId, after ? { after, limit } : { limit });
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) return pages;
        pages.push(ids(rows));
        after = positionOf(rows.at(-1)!);
      }
    }

    it('pages a user’s list newest activity first, ties by id, each conversation once', async () => {
      // Five share one timestamp: only the id orders them, and a page boundary falls among them.
      for (const id of ['t-e', 't-a', 't-c', 't-b', 't-d']) await createGroup(ctx.store, id, ['alice', 'bob'], T0 + 100);
      await createGroup(ctx.store, 'old', ['alice'], T0);
      await createDirect(ctx.store, 'new', 'bob', 'alice', T0 + 200);
      await createGroup(ctx.store, 'not-hers', ['bob'], T0 + 300);
      const pages = await walk('alice', 3);
      expect(pages).toEqual([['new', 't-a', 't-b'], ['t-c', 't-d', 't-e'], ['old']]);
      expect(ids(await ctx.store.listMemberships('alice'))).toEqual(pages.flat());
    });

    it('resumes after a position whose conversation the user has since left', async () => {
      for (const [i, id] of ['c1', 'c2', 'c3', 'c4'].entries()) await createGroup(ctx.store, id, ['alice', 'bob'], T0 + 10 - i);
      const [first] = await ctx.store.listMemberships('alice', { limit: 2 });
      const second = await ctx.store.listMemberships('alice', { limit: 2 });
      await ctx.store.removeMembers('c2', ['alice']);
      expect(ids(await ctx.store.listMemberships('alice', { after: positionOf(second[1]!), limit: 10 }))).toEqual(['c3', 'c4']);
      expect(ids(await ctx.store.listMemberships('alice', { after: positionOf(first!), limit: 10 }))).toEqual(['c3', 'c4']);
    });

    it('never lists again a conversation whose new activity moved it ahead of the position', async () => {
      for (const [i, id] of ['c1', 'c2', 'c3', 'c4'].entries()) await createGroup(ctx.store, id, ['alice'], T0 + 10 - i);
      const page = await ctx.store.listMemberships('alice', { limit: 2 });
      await sendText(ctx.store, 'c4', 'alice', 'cmid-move', 'to the front', T0 + 50);
      expect(ids(await ctx.store.listMemberships('alice', { after: positionOf(page[1]!), limit: 10 }))).toEqual(['c3']);
      expect(ids(await ctx.store.listMemberships('alice'))).toEqual(['c4', 'c1', 'c2', 'c3']);
    });

    it('returns nothing for a zero limit or a user in no conversation', async () => {
      await createGroup(ctx.store, 'g1', ['alice']);
      expect(await ctx.store.listMemberships('alice', { limit: 0 })).toEqual([]);
      expect(await ctx.store.listMemberships('nobody', { limit: 5 })).toEqual([]);
    });
  });

  describe('strings', () => {
    it('keeps astral characters (emoji, surrogate pairs) exactly, in titles and texts', async () => {
      const title = 'Team 🚀 𝔸𝕓 — 中文';
      await ctx.store.createConversation({
        id: 'g1', kind: 'group', title, createdBy: 'alice', members: ['alice'], directKey: null, ts: T0,
      });
      const text = '👋🏽 family: 👨‍👩‍👧 and 𝄞';
      await sendText(ctx.store, 'g1', 'alice', 'cmid-emoji', text);
      expect((await ctx.store.getConversation('g1'))?.title).toBe(title);
      expect((await ctx.store.listMemberships('alice', { limit: 1 }))[0]?.conversation.title).toBe(title);
      const [created, message] = await ctx.store.readAfter('g1', 0, 2);
      expect(created?.kind === 'conversation.created' && created.data.title).toBe(title);
      expect(message?.kind === 'message' && message.data.text).toBe(text);
    });
  });
}
