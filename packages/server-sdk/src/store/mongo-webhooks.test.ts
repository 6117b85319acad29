import { fileURLToPath } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { T0, range } from '../testing/fixtures.js';
import { newDelivery } from '../testing/conformance-webhooks.js';
import { runWorkers } from '../testing/workers.js';
import { createMongoStore } from './mongo-store.js';
import type { ClaimDoc } from './mongo-webhooks.js';

const worker = fileURLToPath(new URL('../testing/workers/store-worker.ts', import.meta.url));
const suite = 'mongo store: the webhook delivery queue across nodes';
const uri = mongoTestUri(suite);
const LEASE = 60_000;

if (uri) {
  describe(suite, { timeout: 120_000 }, () => {
    let client: MongoClient;
    let db: Db;
    beforeAll(async () => {
      client = await MongoClient.connect(uri);
    });
    afterAll(() => client.close());
    beforeEach(() => {
      db = client.db(freshDatabaseName('hooks'));
    });
    afterEach(() => db.dropDatabase());

    it('gives each delivery to exactly one of several processes claiming at once', async () => {
      const setup = createMongoStore({ db });
      const all = range(1, 120).map((i) => newDelivery(`ep${i % 4}`, `e${i}`, T0 + (i % 11)));
      await setup.enqueueDeliveries(all, T0);
      const base = {
        PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: db.databaseName,
        PARLEY_WORKER_OP: 'claim', PARLEY_WORKER_COUNT: '5', PARLEY_WORKER_NOW: String(T0 + 20),
      };
      const runs = await runWorkers(worker, ['p1', 'p2', 'p3'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, ''], [0, '']]);
      const claimed = runs.flatMap((r) => r.result as Array<{ id: string; attempts: number; claimToken: string }>);
      expect(claimed.map((d) => d.id).sort()).toEqual(all.map((d) => d.id).sort());
      expect(claimed.every((d) => d.attempts === 1)).toBe(true);
      // Each holds the token the queue recorded: its settle is the one that counts.
      for (const d of claimed.slice(0, 10)) expect(await setup.settleDelivery(d.id, d.claimToken, { state: 'delivered' }, T0 + 21)).toBe(true);
      expect(await setup.claimDeliveries(T0 + 20, 10, LEASE)).toEqual([]);
    });

    it('claims a delivery again once the lease of a node killed mid-claim ran out, and only then', async () => {
      const store = createMongoStore({ db });
      await store.enqueueDeliveries([newDelivery('crm', 'e1'), newDelivery('crm', 'e2')], T0);
      // What a node killed after winning claim 1 of crm:e1, before leasing the delivery, leaves.
      await db.collection<ClaimDoc>('parley_webhook_claims').insertOne({ _id: 'crm:e1\n1', deliveryId: 'crm:e1', claim: 1, claimToken: 'dead-node', leaseUntil: T0 + LEASE });
      expect((await store.claimDeliveries(T0 + 1, 5, LEASE)).map((d) => d.id)).toEqual(['crm:e2']);
      const [again] = await store.claimDeliveries(T0 + LEASE, 5, LEASE);
      expect(again).toMatchObject({ id: 'crm:e1', attempts: 1, leaseUntil: T0 + 2 * LEASE });
      expect(await store.settleDelivery('crm:e1', 'dead-node', { state: 'delivered' }, T0 + LEASE + 1)).toBe(false);
      expect(await store.settleDelivery('crm:e1', again!.claimToken!, { state: 'delivered' }, T0 + LEASE + 1)).toBe(true);
    });

    it('drops the claim documents of purged deliveries, and a purged id queued again is claimed anew', async () => {
      const store = createMongoStore({ db });
      await store.enqueueDeliveries([newDelivery('crm', 'e1'), newDelivery('crm', 'e2')], T0);
      for (const d of await store.claimDeliveries(T0, 5, LEASE)) await store.settleDelivery(d.id, d.claimToken!, { state: 'delivered' }, T0 + 1);
      expect(await db.collection('parley_webhook_claims').countDocuments()).toBe(2);
      expect(await store.purgeDeliveries(T0 + 2)).toBe(2);
      expect(await db.collection('parley_webhook_claims').countDocuments()).toBe(0);
      await store.enqueueDeliveries([newDelivery('crm', 'e1', T0 + 5)], T0 + 5);
      expect(await store.claimDeliveries(T0 + 5, 5, LEASE)).toMatchObject([{ id: 'crm:e1', attempts: 1 }]);
    });

    it('creates the queue\'s indexes', async () => {
      const store = createMongoStore({ db });
      await store.ensureIndexes();
      const names = async (name: string) => (await db.collection(name).indexes()).map((index) => index.name);
      expect(await names('parley_webhook_deliveries')).toEqual(
        expect.arrayContaining(['parley_webhook_deliveries_due', 'parley_webhook_deliveries_state', 'parley_webhook_deliveries_endpoint']),
      );
      expect(await names('parley_webhook_claims')).toEqual(expect.arrayContaining(['parley_webhook_claims_delivery']));
    });
  });
}
