import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { AppendResult, ChangeInput, ChatStore } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { readWholeLog } from '@parley/server-sdk/testing';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { dyingAt, type Faults } from '../helpers/mongo-faults.js';
import { releaseFile } from './releases.js';

// A rolling upgrade from protocol 8 on MongoDB: today's nodes make an edit's erasure part of
// `appendChange`, behind the write-ahead record on the conversation document (format 7). A
// protocol-8 node finishes every record of `pendingChanges` it reads by appending its event and
// dropping the record, erasing nothing; so today's records of message changes live in a field it
// never reads. Here a node of today dies between an edit's event and its erasure while a
// protocol-8 node runs: the old node leaves the record alone, and today's next node erases.

/** The part of the protocol-8 release's MongoDB store this test uses (its bundle has no types). */
interface ReleaseStore {
  appendChange(input: ChangeInput): Promise<AppendResult>;
  finishPendingChanges(conversationId?: string): Promise<AppendResult[]>;
  close(): Promise<void>;
}
type ReleaseMongo = { createMongoStore(options: { db: Db; logger?: { warn(message: string): void } }): ReleaseStore };

const quiet = { warn: () => {} };

/** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
async function loadRelease(): Promise<ReleaseMongo> {
  const chunks = releaseFile('protocol-8', 'chunks');
  const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
  if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
  return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
}

const logText = async (store: ChatStore, conversationId: string) => JSON.stringify(await readWholeLog(store, conversationId));

const uri = mongoTestUri('a protocol-8 node beside an edit whose erasure a crash left owed (MongoDB)');
if (uri) {
  const freshDb = freshDatabases(uri, 'p8erase');

  describe('a protocol-8 node beside an edit whose erasure a crash left owed (MongoDB)', { timeout: 120_000 }, () => {
    it('the old node finishes its own changes and leaves the edit\'s record; today\'s next node erases the draft', async () => {
      const db = await freshDb();
      const faults: Faults = { events: false, roles: false };
      const dying = createMongoStore({ db: dyingAt(db, faults) });
      await dying.createConversation({ id: 'g1', kind: 'group', title: 'team', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: Date.now() });
      const draft = (await dying.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'm1', ts: Date.now(), kind: 'message', data: { text: 'the first draft' } })).event;
      faults.erasures = 1;
      const edit: ChangeInput = { conversationId: 'g1', senderId: 'alice', clientMsgId: 'e1', ts: Date.now(), kind: 'message.edited', data: { messageId: draft.id, messageSeq: draft.seq, text: 'the final text' }, eraseReplaced: true };
      await expect(dying.appendChange(edit)).rejects.toThrow(/killed before/);

      // The protocol-8 node: at start, and with a group change of its own, it finishes what it
      // knows of, and nothing of the edit.
      const old = (await loadRelease()).createMongoStore({ db, logger: quiet });
      expect(await old.finishPendingChanges()).toEqual([]);
      const renamed = await old.appendChange({ conversationId: 'g1', senderId: 'bob', clientMsgId: 'system:rename', ts: Date.now(), kind: 'conversation.updated', data: { title: 'renamed' } });
      expect(renamed).toMatchObject({ duplicate: false, event: { kind: 'conversation.updated', seq: 4 } });
      await old.close();

      const next = createMongoStore({ db });
      expect(await logText(next, 'g1')).toContain('the first draft');
      const finished = await next.finishPendingChanges();
      expect(finished.map(({ event, duplicate }) => [event.kind, event.seq, duplicate])).toEqual([['message.edited', 3, true]]);
      const log = await logText(next, 'g1');
      expect(log).not.toContain('the first draft');
      expect(log).toContain('the final text');
      expect((await next.getConversation('g1'))?.title).toBe('renamed');
      expect(await next.finishPendingChanges()).toEqual([]);
    });
  });
}
