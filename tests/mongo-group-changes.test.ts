import { describe, expect, it } from 'vitest';
import type { Collection, Db } from 'mongodb';
import type { ChangeInput, ChatStore } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { readWholeLog } from '@parley/server-sdk/testing';
import { freshDatabases, mongoTestUri } from './helpers/mongo-env.js';
import { foldGroup, storedGroup } from './helpers/group-fold.js';
import { testScope } from './helpers/scope.js';
import { createGroup, until } from './helpers/fixtures.js';

/** Which writes fail, as a process killed right before them would never make them. */
interface Faults {
  /** Every insert into the events collection (the append). */
  events: boolean;
  /** Every update of a member document (a role change). */
  roles: boolean;
}

/**
 * The database as a process sees it that dies at the first faulty write: those writes fail
 * (nothing written), everything else goes through. The store on it is dropped after its failure,
 * like the process; another store on the real database plays the node that starts next.
 */
function dyingAt(db: Db, faults: Faults): Db {
  const wrap = (collection: Collection, name: string) =>
    new Proxy(collection, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        const fails = (name.endsWith('events') && prop === 'insertOne' && faults.events) || (name.endsWith('members') && prop === 'updateOne' && faults.roles);
        return fails ? () => Promise.reject(new Error(`killed before ${name}.${String(prop)}`)) : (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'collection') return (name: string, options?: object) => wrap(target.collection(name, options), name);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const details = (conversationId: string, key: string, data: Extract<ChangeInput, { kind: 'conversation.updated' }>['data']): ChangeInput => ({
  conversationId,
  senderId: 'alice',
  clientMsgId: key,
  ts: Date.now(),
  kind: 'conversation.updated',
  data,
});

async function expectLogAgrees(store: ChatStore, conversationId: string): Promise<void> {
  expect(await storedGroup(store, conversationId)).toEqual(foldGroup(await readWholeLog(store, conversationId)));
}

const uri = mongoTestUri('MongoDB group changes after a crash');
if (uri) {
  const freshDb = freshDatabases(uri, 'changes');
  const scope = testScope();

  describe('MongoDB group changes after a crash (write-ahead record, finished by the next node)', () => {
    it('a crash between the change and its event leaves the change recorded; finishPendingChanges appends its event once', async () => {
      const db = await freshDb();
      const faults = { events: false, roles: false };
      const dying = createMongoStore({ db: dyingAt(db, faults) });
      await dying.createConversation({ id: 'g1', kind: 'group', title: 'before', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: Date.now() });
      faults.events = true;
      await expect(dying.appendChange(details('g1', 'k1', { title: 'after', description: 'set before the crash' }))).rejects.toThrow(/killed before/);

      // The next node: the change stands, its event is owed.
      const next = createMongoStore({ db });
      expect(await next.getConversation('g1')).toMatchObject({ title: 'after', description: 'set before the crash', lastSeq: 1 });
      expect((await readWholeLog(next, 'g1')).map((e) => e.kind)).toEqual(['conversation.created']);
      const finished = await next.finishPendingChanges();
      expect(finished.map(({ event }) => [event.kind, event.seq, event.data])).toEqual([['conversation.updated', 2, { title: 'after', description: 'set before the crash' }]]);
      await expectLogAgrees(next, 'g1');
      expect(await next.finishPendingChanges()).toEqual([]);
      // The request's retry (the same key) finds it made and applies nothing again.
      await next.appendChange(details('g1', 'k2', { title: 'later' }));
      expect(await next.appendChange(details('g1', 'k1', { title: 'after', description: 'set before the crash' }))).toMatchObject({ duplicate: true, event: finished[0]!.event });
      expect((await next.getConversation('g1'))?.title).toBe('later');
      expect((await readWholeLog(next, 'g1')).length).toBe(3);
      await expectLogAgrees(next, 'g1');
    });

    it('a crash before the roles are set: the next change of the group finishes the earlier one first, in order', async () => {
      const db = await freshDb();
      const faults = { events: false, roles: false };
      const dying = createMongoStore({ db: dyingAt(db, faults) });
      await dying.createConversation({ id: 'g1', kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob', 'carol'], directKey: null, ts: Date.now() });
      faults.roles = true;
      const handover: ChangeInput = { conversationId: 'g1', senderId: 'alice', clientMsgId: 'r1', ts: Date.now(), kind: 'members.role', data: { changes: [{ userId: 'bob', role: 'owner' }, { userId: 'alice', role: 'admin' }] } };
      await expect(dying.appendChange(handover)).rejects.toThrow(/killed before/);

      const next = createMongoStore({ db });
      expect((await next.getMember('g1', 'bob'))?.role).toBe('member');
      // A later change: bob (now owner) makes carol admin. The handover is finished first.
      const later = await next.appendChange({ conversationId: 'g1', senderId: 'bob', clientMsgId: 'r2', ts: Date.now(), kind: 'members.role', data: { changes: [{ userId: 'carol', role: 'admin' }] } });
      const log = await readWholeLog(next, 'g1');
      expect(log.map((e) => [e.kind, e.senderId])).toEqual([['conversation.created', 'alice'], ['members.role', 'alice'], ['members.role', 'bob']]);
      expect(later.event.seq).toBe(3);
      expect((await storedGroup(next, 'g1')).roles).toEqual({ alice: 'admin', bob: 'owner', carol: 'admin' });
      await expectLogAgrees(next, 'g1');
    });

    it('the server finishes what a crash left when it starts: the log holds the change, and a member syncing sees it', async () => {
      const db = await freshDb();
      const dying = createMongoStore({ db: dyingAt(db, { events: true, roles: false }) });
      const setup = await scope.server({ store: createMongoStore({ db }) });
      const alice = await scope.wire(setup, 'alice');
      const id = await createGroup(alice, ['bob']);
      await setup.close();
      await expect(dying.appendChange(details(id, 'k1', { title: 'left half made' }))).rejects.toThrow(/killed before/);

      const store = createMongoStore({ db });
      const s = await scope.server({ store });
      await until(async () => (await readWholeLog(store, id)).length === 2, 20_000, 'the pending change logged');
      await expectLogAgrees(store, id);
      const bob = await scope.wire(s, 'bob');
      const answer = await bob.request({ type: 'sync', reqId: 'sync-1', cursors: [{ conversationId: id, seq: 0 }] });
      expect(JSON.stringify(answer)).toContain('left half made');
    });
  });
}
