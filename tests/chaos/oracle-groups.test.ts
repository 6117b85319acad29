import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConversationPatch, type ConversationSummary, type LogEvent } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import type { AdminRecord } from './harness/group-admin.js';
import { readLog } from './harness/oracle.js';
import { checkGroups } from './harness/oracle-groups.js';
import type { Device } from './harness/world.js';

// The group part of the oracle must catch what it claims to: each case breaks one promise.
// Group g1: owner a, members b and c; the store changed through its own contract, as the server does.

async function group(): Promise<ChatStore> {
  const store = createMemoryStore();
  await store.createConversation({ id: 'g1', kind: 'group', title: 'start', createdBy: 'a', members: ['a', 'b', 'c'], directKey: null, ts: 1 });
  return store;
}

/** A details change as the server makes it: the conversation row, then the event in `senderId`'s name. */
async function update(store: ChatStore, senderId: string, patch: ConversationPatch): Promise<void> {
  await store.updateConversation('g1', patch);
  await store.append({ conversationId: 'g1', senderId, clientMsgId: `u-${Math.random()}`, ts: 2, kind: 'conversation.updated', data: patch });
}

async function makeAdmin(store: ChatStore, senderId: string, userId: string): Promise<void> {
  await store.setRoles('g1', [{ userId, role: 'admin' }]);
  await store.append({ conversationId: 'g1', senderId, clientMsgId: `r-${Math.random()}`, ts: 2, kind: 'members.role', data: { changes: [{ userId, role: 'admin' }] } });
}

const record = (userId: string, patch: ConversationPatch, outcome: AdminRecord['outcome'], mustRefuse = userId !== 'a', code?: number): AdminRecord => ({
  userId, conversationId: 'g1', kind: 'conversation.update', patch, mustRefuse, outcome, ...(code !== undefined ? { code } : {}),
});

async function check(store: ChatStore, records: AdminRecord[] = [], summaries: ConversationSummary[] = []) {
  const logs = new Map<string, LogEvent[]>([['g1', await readLog(store, 'g1')]]);
  return checkGroups(store, logs, records, new Map([['g1', summaries]]), [], new Map([['g1', ['a', 'b', 'c']]]));
}

const summary = (fields: Partial<ConversationSummary>): ConversationSummary =>
  ({ id: 'g1', type: 'group', title: 'renamed', ownerId: 'a', admins: ['b'], lastSeq: 3, lastActivityAt: 2, unread: 0, members: ['a', 'b', 'c'], ...fields }) as unknown as ConversationSummary;

describe('chaos oracle: group details and roles', () => {
  it('passes a group the owner and an admin changed, with the requests answered as the log says', async () => {
    const store = await group();
    await makeAdmin(store, 'a', 'b');
    await update(store, 'b', { title: 'renamed' });
    const records = [record('b', { title: 'renamed' }, 'ok', false), record('c', { title: 'refused' }, 'refused', true, ErrorCode.FORBIDDEN)];
    const result = await check(store, records, [summary({})]);
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({ applied: 1, refused: 1 });
  });

  it('flags details changed by a member and roles changed by an admin', async () => {
    const store = await group();
    await makeAdmin(store, 'a', 'b');
    await update(store, 'c', { description: 'by a member' });
    await makeAdmin(store, 'b', 'c');
    const { violations } = await check(store);
    expect(violations).toEqual([
      expect.stringMatching(/seq 3: c, neither owner nor admin, changed the details/),
      expect.stringMatching(/seq 4: b, not the owner, changed roles/),
    ]);
  });

  it('flags a request that had to be refused but was allowed, a refusal with another code, and a refused change found in the log', async () => {
    const store = await group();
    await update(store, 'a', { title: 'stored anyway' });
    const records = [
      record('c', { title: 'let through' }, 'ok', true),
      record('c', { title: 'wrong code' }, 'refused', true, ErrorCode.NOT_FOUND),
      record('a', { title: 'stored anyway' }, 'refused', false, ErrorCode.FORBIDDEN),
    ];
    const { violations } = await check(store, records);
    expect(violations).toEqual([
      expect.stringMatching(/conversation.update by c in g1 was allowed/),
      expect.stringMatching(/\{"title":"let through"\} by c, answered ok, is in the log 0 times/),
      expect.stringMatching(/refused 4040, expected FORBIDDEN/),
      expect.stringMatching(/\{"title":"stored anyway"\} by a, answered refused, is in the log 1 times/),
    ]);
  });

  it('flags a store whose details differ from its log, and a summary that shows other details', async () => {
    const store = await group();
    await update(store, 'a', { title: 'renamed' });
    // Written to the row, never logged: what a change that failed halfway would leave.
    await store.updateConversation('g1', { description: 'never logged' });
    const { violations } = await check(store, [], [summary({ admins: [] , description: 'never logged' })]);
    expect(violations).toEqual([
      expect.stringMatching(/g1: the store holds .*"description":"never logged".*, the log folds to .*"description":null/),
      expect.stringMatching(/g1: a summary shows .*"description":"never logged"/),
    ]);
  });

  it("flags a current device whose view of the group is not the log's, and passes one that is", async () => {
    const store = await group();
    await makeAdmin(store, 'a', 'b');
    await update(store, 'b', { title: 'renamed' });
    const logs = new Map<string, LogEvent[]>([['g1', await readLog(store, 'g1')]]);
    const device = (userId: string, shown: Partial<ConversationSummary>): Device =>
      ({ userId, deviceId: `${userId}-1`, chat: { getConversation: () => summary(shown) } }) as unknown as Device;
    const result = await checkGroups(store, logs, [], new Map(), [device('b', {}), device('c', { title: 'old title', admins: [] })], new Map([['g1', ['a', 'b', 'c']]]));
    expect(result.views).toBe(2);
    expect(result.violations).toEqual([expect.stringMatching(/c's device shows .*old title.*, the log folds to .*renamed/)]);
  });
});
