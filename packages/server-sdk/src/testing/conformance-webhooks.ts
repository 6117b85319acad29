import { expect } from 'vitest';
import type { ChatStore, NewDelivery, StoredDelivery } from '../store/types.js';
import { T0, range, type StoreCheck } from './fixtures.js';

const LEASE = 30_000;

/** A delivery of event `eventId` to `endpoint`, due at `at` (and created then). */
export function newDelivery(endpoint: string, eventId: string, at = T0, conversationId: string | null = 'g1'): NewDelivery {
  return { id: `${endpoint}:${eventId}`, endpoint, eventId, conversationId, payload: null, nextAttemptAt: at, createdAt: at };
}

const ids = (deliveries: readonly StoredDelivery[]) => deliveries.map((d) => d.id);

/** Every delivery in `state`, read in pages of `pageSize`. */
async function listAll(store: ChatStore, state: StoredDelivery['state'], endpoint?: string, pageSize = 2): Promise<StoredDelivery[]> {
  const all: StoredDelivery[] = [];
  for (;;) {
    const after = all.at(-1)?.id;
    const page = await store.listDeliveries({ state, limit: pageSize, ...(endpoint ? { endpoint } : {}), ...(after ? { after } : {}) });
    all.push(...page);
    if (page.length < pageSize) return all;
    if (all.length > 10_000) throw new Error('listDeliveries pages do not end');
  }
}

/** The one delivery `id`, whatever its state (found through the lists). */
async function find(store: ChatStore, id: string): Promise<StoredDelivery | undefined> {
  for (const state of ['pending', 'delivered', 'dead'] as const) {
    const hit = (await listAll(store, state, undefined, 100)).find((d) => d.id === id);
    if (hit) return hit;
  }
  return undefined;
}

/** Claims one delivery (the only due one) and settles it as `outcome`. */
async function claimAndSettle(store: ChatStore, now: number, outcome: Parameters<ChatStore['settleDelivery']>[2]): Promise<StoredDelivery> {
  const [claimed] = await store.claimDeliveries(now, 1, LEASE);
  if (!claimed) throw new Error(`nothing to claim at ${now}`);
  expect(await store.settleDelivery(claimed.id, claimed.claimToken!, outcome, now + 1)).toBe(true);
  return claimed;
}

/** The webhook delivery queue (`WebhookQueue`): each check runs on a fresh, empty store. */
export const webhookChecks: readonly StoreCheck[] = [
  {
    name: 'enqueueDeliveries adds pending deliveries, and an id already queued keeps its first fields',
    async run(store) {
      const first = { ...newDelivery('crm', 'e1'), payload: null };
      await store.enqueueDeliveries([first, { ...first, endpoint: 'other', nextAttemptAt: T0 - 5 }], T0 + 2);
      await store.enqueueDeliveries([{ ...first, eventId: 'changed', createdAt: T0 + 9 }, newDelivery('crm', 'e2', T0 + 1)], T0 + 3);
      const pending = await listAll(store, 'pending');
      expect(pending).toEqual([
        { ...first, state: 'pending', attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, updatedAt: T0 + 2 },
        { ...newDelivery('crm', 'e2', T0 + 1), state: 'pending', attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, updatedAt: T0 + 3 },
      ]);
      const notice = { ...newDelivery('crm', 'report-1', T0, null), payload: '{"kind":"report","reason":"spam"}' };
      await store.enqueueDeliveries([notice], T0);
      expect(await find(store, notice.id)).toMatchObject({ conversationId: null, payload: notice.payload });
      await store.enqueueDeliveries([], T0);
    },
  },
  {
    name: 'a delivered or dead delivery enqueued again stays as it is (a retried send does not send twice)',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('crm', 'e1')], T0);
      await claimAndSettle(store, T0, { state: 'delivered' });
      await store.enqueueDeliveries([newDelivery('crm', 'e2')], T0);
      await claimAndSettle(store, T0, { state: 'dead', error: 'HTTP 410' });
      await store.enqueueDeliveries([newDelivery('crm', 'e1'), newDelivery('crm', 'e2')], T0 + 10);
      expect(await store.claimDeliveries(T0 + 10, 10, LEASE)).toEqual([]);
      expect(ids(await listAll(store, 'delivered'))).toEqual(['crm:e1']);
      expect(await listAll(store, 'dead')).toMatchObject([{ id: 'crm:e2', lastError: 'HTTP 410', attempts: 1 }]);
    },
  },
  {
    name: 'claimDeliveries claims due deliveries only, oldest nextAttemptAt first, up to limit, and leases them',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('a', 'e3', T0 + 3), newDelivery('a', 'e1', T0 + 1), newDelivery('b', 'e1', T0 + 1), newDelivery('a', 'late', T0 + 100)], T0);
      expect(await store.claimDeliveries(T0, 10, LEASE)).toEqual([]);
      expect(await store.claimDeliveries(T0 + 50, 0, LEASE)).toEqual([]);
      const claimed = await store.claimDeliveries(T0 + 50, 2, LEASE);
      expect(ids(claimed)).toEqual(['a:e1', 'b:e1']);
      for (const d of claimed) {
        expect(d).toMatchObject({ state: 'pending', attempts: 1, leaseUntil: T0 + 50 + LEASE, updatedAt: T0 + 50 });
        expect(typeof d.claimToken).toBe('string');
      }
      expect(claimed[0]!.claimToken).not.toBe(claimed[1]!.claimToken);
      claimed[0]!.attempts = 99; // a copy: the queue's record is not the caller's
      expect(ids(await store.claimDeliveries(T0 + 50, 10, LEASE))).toEqual(['a:e3']);
      expect(await find(store, 'a:e1')).toMatchObject({ attempts: 1 });
      expect(ids(await store.claimDeliveries(T0 + 100, 10, LEASE))).toEqual(['a:late']);
    },
  },
  {
    name: 'a claimed delivery is not claimed again while its lease holds; after it, with attempts + 1 and a new token',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('crm', 'e1')], T0);
      const [first] = await store.claimDeliveries(T0, 5, LEASE);
      expect(await store.claimDeliveries(T0 + LEASE - 1, 5, LEASE)).toEqual([]);
      const [second] = await store.claimDeliveries(T0 + LEASE, 5, LEASE);
      expect(second).toMatchObject({ id: 'crm:e1', attempts: 2, leaseUntil: T0 + 2 * LEASE });
      expect(second!.claimToken).not.toBe(first!.claimToken);
      // The claimer that overran its lease may no longer settle; the new holder may, once.
      expect(await store.settleDelivery('crm:e1', first!.claimToken!, { state: 'delivered' }, T0 + LEASE + 1)).toBe(false);
      expect(await find(store, 'crm:e1')).toEqual(second);
      expect(await store.settleDelivery('crm:e1', second!.claimToken!, { state: 'delivered' }, T0 + LEASE + 2)).toBe(true);
      expect(await store.settleDelivery('crm:e1', second!.claimToken!, { state: 'dead', error: 'late' }, T0 + LEASE + 3)).toBe(false);
      expect(await find(store, 'crm:e1')).toMatchObject({ state: 'delivered', leaseUntil: 0, claimToken: null, lastError: null, updatedAt: T0 + LEASE + 2 });
    },
  },
  {
    name: 'concurrent claimers get disjoint deliveries that together are all of them',
    async run(store) {
      const all = range(1, 40).map((i) => newDelivery(`ep${i % 3}`, `e${i}`, T0 + (i % 7)));
      await store.enqueueDeliveries(all, T0);
      const claimer = async (): Promise<StoredDelivery[]> => {
        const mine: StoredDelivery[] = [];
        for (;;) {
          const batch = await store.claimDeliveries(T0 + 10, 3, LEASE);
          if (batch.length === 0) return mine;
          mine.push(...batch);
          if (mine.length > 10 * all.length) throw new Error('claims never run out: deliveries are claimed again while leased');
        }
      };
      const sets = await Promise.all([claimer(), claimer(), claimer(), claimer()]);
      const claimed = sets.flat().map((d) => d.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect([...claimed].sort()).toEqual(all.map((d) => d.id).sort());
      expect(sets.flat().every((d) => d.attempts === 1)).toBe(true);
    },
  },
  {
    name: 'settleDelivery refuses a token it did not hand out, or an unknown id, and changes nothing',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('crm', 'e1')], T0);
      expect(await store.settleDelivery('crm:e1', 'never-claimed', { state: 'delivered' }, T0)).toBe(false);
      const [claimed] = await store.claimDeliveries(T0, 1, LEASE);
      expect(await store.settleDelivery('crm:e1', 'forged', { state: 'dead', error: 'x' }, T0 + 1)).toBe(false);
      expect(await store.settleDelivery('crm:nope', claimed!.claimToken!, { state: 'delivered' }, T0 + 1)).toBe(false);
      expect(await find(store, 'crm:e1')).toEqual(claimed);
    },
  },
  {
    name: 'a delivery settled pending is due again at its nextAttemptAt, with its error, and one settled dead never is',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('crm', 'e1'), newDelivery('crm', 'e2', T0 + 1)], T0);
      const [one] = await store.claimDeliveries(T0 + 1, 1, LEASE);
      expect(await store.settleDelivery(one!.id, one!.claimToken!, { state: 'pending', nextAttemptAt: T0 + 5_000, error: 'HTTP 503' }, T0 + 2)).toBe(true);
      expect(await find(store, 'crm:e1')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 5_000, leaseUntil: 0, claimToken: null, lastError: 'HTTP 503', attempts: 1 });
      const [two] = await store.claimDeliveries(T0 + 3, 5, LEASE);
      expect(two!.id).toBe('crm:e2');
      expect(await store.settleDelivery(two!.id, two!.claimToken!, { state: 'dead', error: 'HTTP 404' }, T0 + 4)).toBe(true);
      expect(await store.claimDeliveries(T0 + 4_999, 5, LEASE)).toEqual([]);
      expect(await store.claimDeliveries(T0 + 5_000, 5, LEASE)).toMatchObject([{ id: 'crm:e1', attempts: 2, lastError: 'HTTP 503' }]);
      expect(await store.claimDeliveries(T0 + 10 * LEASE, 5, LEASE)).toMatchObject([{ id: 'crm:e1', attempts: 3 }]);
      expect(await listAll(store, 'dead')).toMatchObject([{ id: 'crm:e2', lastError: 'HTTP 404', leaseUntil: 0, claimToken: null }]);
    },
  },
  {
    name: 'listDeliveries lists one state (of one endpoint), oldest created first, in pages',
    async run(store) {
      const made = [newDelivery('b', 'e1', T0 + 2), newDelivery('a', 'e2', T0 + 2), newDelivery('a', 'e3', T0 + 1), newDelivery('b', 'e4', T0 + 3), newDelivery('a', 'e5', T0 + 3)];
      await store.enqueueDeliveries(made, T0);
      expect(ids(await listAll(store, 'pending'))).toEqual(['a:e3', 'a:e2', 'b:e1', 'a:e5', 'b:e4']);
      expect(ids(await listAll(store, 'pending', 'a'))).toEqual(['a:e3', 'a:e2', 'a:e5']);
      expect(ids(await store.listDeliveries({ state: 'pending', after: 'a:e2', limit: 2 }))).toEqual(['b:e1', 'a:e5']);
      expect(await store.listDeliveries({ state: 'pending', limit: 0 })).toEqual([]);
      await claimAndSettle(store, T0 + 1, { state: 'delivered' });
      expect(ids(await listAll(store, 'delivered'))).toEqual(['a:e3']);
      expect(ids(await listAll(store, 'pending'))).toEqual(['a:e2', 'b:e1', 'a:e5', 'b:e4']);
      expect(await listAll(store, 'dead')).toEqual([]);
      expect(await listAll(store, 'pending', 'c')).toEqual([]);
    },
  },
  {
    name: 'replayDeliveries by ids requeues dead and delivered ones (due now, attempts 0), never pending or unknown ones',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('crm', 'e1'), newDelivery('crm', 'e2', T0 + 1), newDelivery('crm', 'e3', T0 + 2)], T0);
      await claimAndSettle(store, T0, { state: 'delivered' });
      await claimAndSettle(store, T0 + 1, { state: 'dead', error: 'HTTP 400' });
      const [leased] = await store.claimDeliveries(T0 + 2, 1, LEASE);
      expect(await store.replayDeliveries({ ids: ['crm:e1', 'crm:e2', 'crm:e3', 'crm:missing', 'crm:e2'] }, T0 + 10)).toBe(2);
      expect(await find(store, 'crm:e3')).toEqual(leased);
      const replayed = await listAll(store, 'pending');
      expect(replayed.filter((d) => d.id !== 'crm:e3')).toMatchObject([
        { id: 'crm:e1', state: 'pending', nextAttemptAt: T0 + 10, attempts: 0, leaseUntil: 0, claimToken: null, updatedAt: T0 + 10 },
        { id: 'crm:e2', state: 'pending', nextAttemptAt: T0 + 10, attempts: 0, leaseUntil: 0, claimToken: null, lastError: 'HTTP 400' },
      ]);
      expect(ids(await store.claimDeliveries(T0 + 10, 5, LEASE))).toEqual(['crm:e1', 'crm:e2']);
      expect(await store.replayDeliveries({ ids: [] }, T0 + 11)).toBe(0);
    },
  },
  {
    name: 'replayDeliveries of the dead requeues every dead delivery, or those of one endpoint',
    async run(store) {
      await store.enqueueDeliveries([newDelivery('a', 'e1'), newDelivery('b', 'e2', T0 + 1), newDelivery('a', 'e3', T0 + 2), newDelivery('a', 'e4', T0 + 3)], T0);
      for (const at of [T0, T0 + 1, T0 + 2]) await claimAndSettle(store, at, { state: 'dead', error: 'gone' });
      await claimAndSettle(store, T0 + 3, { state: 'delivered' });
      expect(await store.replayDeliveries({ state: 'dead', endpoint: 'a' }, T0 + 10)).toBe(2);
      expect(ids(await listAll(store, 'dead'))).toEqual(['b:e2']);
      expect(ids(await listAll(store, 'delivered'))).toEqual(['a:e4']);
      expect(await store.replayDeliveries({ state: 'dead' }, T0 + 11)).toBe(1);
      expect(await listAll(store, 'dead')).toEqual([]);
      expect(ids(await store.claimDeliveries(T0 + 11, 5, LEASE))).toEqual(['a:e1', 'a:e3', 'b:e2']);
    },
  },
  {
    name: 'purgeDeliveries drops delivered deliveries updated before the cut, and nothing else',
    async run(store) {
      await store.enqueueDeliveries(range(1, 4).map((i) => newDelivery('crm', `e${i}`, T0 + i)), T0);
      await claimAndSettle(store, T0 + 1, { state: 'delivered' }); // updated at T0 + 2
      await claimAndSettle(store, T0 + 2, { state: 'dead', error: 'gone' }); // T0 + 3
      await claimAndSettle(store, T0 + 3, { state: 'delivered' }); // T0 + 4
      expect(await store.purgeDeliveries(T0 + 4)).toBe(1);
      expect(ids(await listAll(store, 'delivered'))).toEqual(['crm:e3']);
      expect(ids(await listAll(store, 'dead'))).toEqual(['crm:e2']);
      expect(ids(await listAll(store, 'pending'))).toEqual(['crm:e4']);
      expect(await store.purgeDeliveries(T0 + 1_000)).toBe(1);
      // A purged id is gone for good: enqueueing it again queues it anew.
      await store.enqueueDeliveries([newDelivery('crm', 'e1', T0 + 50)], T0 + 50);
      expect(ids(await listAll(store, 'pending'))).toEqual(['crm:e4', 'crm:e1']);
    },
  },
];
