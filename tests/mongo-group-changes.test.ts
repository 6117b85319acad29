import { describe, expect, it } from 'vitest';
import type { ChangeInput, ChatStore } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { readWholeLog } from '@parley/server-sdk/testing';
import { freshDatabases, mongoTestUri } from './helpers/mongo-env.js';
import { dyingAt, type Faults } from './helpers/mongo-faults.js';
import { foldGroup, storedGroup } from './helpers/group-fold.js';
import { testScope } from './helpers/scope.js';
import { createGroup, until } from './helpers/fixtures.js';
import { sendOk } from './helpers/content.js';
import { changeData } from './helpers/changes.js';

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

  describe('MongoDB edits and deletes after a crash (the erasure rides the write-ahead record)', () => {
    const text = (conversationId: string, senderId: string, clientMsgId: string, value: string) =>
      ({ conversationId, senderId, clientMsgId, ts: Date.now(), kind: 'message', data: { text: value } }) as const;
    const logText = async (store: ChatStore, conversationId: string) => JSON.stringify(await readWholeLog(store, conversationId));

    it("a crash between an edit's event and its erasure: finishPendingChanges erases the versions it replaced, once", async () => {
      const db = await freshDb();
      const faults: Faults = { events: false, roles: false };
      const dying = createMongoStore({ db: dyingAt(db, faults) });
      await dying.createConversation({ id: 'g1', kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: Date.now() });
      const draft = (await dying.append(text('g1', 'alice', 'm1', 'the first draft'))).event;
      const editInput: ChangeInput = { conversationId: 'g1', senderId: 'alice', clientMsgId: 'e1', ts: Date.now(), kind: 'message.edited', data: { messageId: draft.id, messageSeq: draft.seq, text: 'the final text' }, eraseReplaced: true };
      faults.erasures = 1;
      await expect(dying.appendChange(editInput)).rejects.toThrow(/killed before/);

      // The next node: the edit is in the log, and so is the draft it replaced, until it finishes the change.
      const next = createMongoStore({ db });
      expect(await logText(next, 'g1')).toContain('the first draft');
      const finished = await next.finishPendingChanges();
      expect(finished.map(({ event, duplicate }) => [event.kind, event.seq, duplicate])).toEqual([['message.edited', 3, true]]);
      const log = await logText(next, 'g1');
      expect(log).not.toContain('the first draft');
      expect(log).toContain('the final text');
      expect(await next.finishPendingChanges()).toEqual([]);
      // The device's retry gets the original.
      expect(await next.appendChange(editInput)).toMatchObject({ duplicate: true, event: finished[0]!.event });
      expect((await readWholeLog(next, 'g1')).length).toBe(3);
    });

    it("a crash before a delete's event: the next change of the conversation appends it and erases the message first", async () => {
      const db = await freshDb();
      const faults: Faults = { events: false, roles: false };
      const dying = createMongoStore({ db: dyingAt(db, faults) });
      await dying.createConversation({ id: 'g1', kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: Date.now() });
      const secret = (await dying.append(text('g1', 'alice', 'm1', 'the secret to take back'))).event;
      const other = (await dying.append(text('g1', 'bob', 'm2', 'something else'))).event;
      faults.events = true;
      await expect(dying.appendChange({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'd1', ts: Date.now(), kind: 'message.deleted', data: { messageId: secret.id, messageSeq: secret.seq } })).rejects.toThrow(/killed before/);

      const next = createMongoStore({ db });
      expect((await readWholeLog(next, 'g1')).map((e) => e.kind)).toEqual(['conversation.created', 'message', 'message']);
      const later = await next.appendChange({ conversationId: 'g1', senderId: 'bob', clientMsgId: 'e2', ts: Date.now(), kind: 'message.edited', data: { messageId: other.id, messageSeq: other.seq, text: 'edited' }, eraseReplaced: true });
      const log = await readWholeLog(next, 'g1');
      expect(log.map((e) => [e.kind, e.senderId])).toEqual([['conversation.created', 'alice'], ['message', 'alice'], ['message', 'bob'], ['message.deleted', 'alice'], ['message.edited', 'bob']]);
      expect(later.event.seq).toBe(5);
      expect(JSON.stringify(log)).not.toContain('the secret to take back');
      expect(JSON.stringify(log)).not.toContain('something else');
    });

    it("the server finishes a failed edit's erasure in the background, though the device never sends it again", async () => {
      const db = await freshDb();
      const faults: Faults = { events: false, roles: false };
      const store = createMongoStore({ db: dyingAt(db, faults) });
      const s = await scope.server({ store });
      const alice = await scope.wire(s, 'alice');
      const id = await createGroup(alice, ['bob']);
      const draft = await sendOk(alice, id, { text: 'the first draft' });
      faults.erasures = 1;
      expect(await changeData(alice, id, { messageId: draft.eventId }, { kind: 'edit', text: 'the final text' })).toMatchObject({ type: 'nack', retryable: true });
      await until(async () => !(await logText(store, id)).includes('the first draft'), 20_000, 'the draft erased');
      expect(await logText(store, id)).toContain('the final text');
      expect(faults.erasures).toBe(0);
    });
  });
}
