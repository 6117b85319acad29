import { describe, expect, it } from 'vitest';
import type { ChatClient, MessageView } from '@parley/client-sdk';
import { createMemoryStore } from '@parley/server-sdk';
import { checkRun } from './harness/oracle.js';
import type { Device, SentRecord } from './harness/world.js';

// The oracle itself must catch what it claims to: each case below breaks one promise.
async function storeWithThree() {
  const store = createMemoryStore();
  await store.createConversation({ id: 'c1', kind: 'group', title: null, createdBy: 'a', members: ['a', 'b'], directKey: null, ts: 1 });
  const stored = [];
  for (const [senderId, clientMsgId] of [['a', 'msg-a-0001'], ['a', 'msg-a-0002'], ['b', 'msg-b-0001']] as const) {
    stored.push((await store.append({ conversationId: 'c1', senderId, clientMsgId, ts: 2, kind: 'message', data: { text: clientMsgId } })).event);
  }
  const views: MessageView[] = stored.map((e) => ({
    type: 'message', key: e.id, id: e.id, seq: e.seq, conversationId: 'c1', senderId: e.senderId, text: e.kind === 'message' ? e.data.text : '', ts: e.ts, status: 'sent',
    clientMsgId: e.kind === 'message' ? e.clientMsgId : undefined, mentionsMe: false, deleted: false, reactions: [], replyCount: 0,
  }));
  return { store, views };
}

/** A device whose client shows exactly `views` for c1. */
function device(userId: string, views: MessageView[]): Device {
  const chat = {
    getMessages: (id: string) => (id === 'c1' ? views : []),
    getConversation: (id: string) => (id === 'c1' && views.length > 0 ? { id } : undefined),
  } as unknown as ChatClient;
  return { userId, deviceId: `${userId}-d0`, chat };
}

function world(devices: Device[], sent: SentRecord[] = []) {
  return { devices, sent, conversations: new Map([['c1', ['a', 'b']]]) };
}

describe('chaos oracle', () => {
  it('passes a run where every device holds every stored message once', async () => {
    const { store, views } = await storeWithThree();
    const a = device('a', views);
    const sent = ['msg-a-0001', 'msg-a-0002'].map((clientMsgId, callIndex) => ({ device: a, conversationId: 'c1', clientMsgId, text: clientMsgId, callIndex }));
    const report = await checkRun(store, world([a, device('b', views)], sent));
    expect(report).toMatchObject({ violations: [], lost: 0, duplicated: 0, reordered: 0, acked: 2, delivered: 6 });
  });

  it('counts a message stored after one its device sent later as reordered', async () => {
    const { store, views } = await storeWithThree();
    const a = device('a', views);
    // The device called send() for 0002 first, yet the store holds 0001 (seq 2) before it (seq 3).
    const sent = ['msg-a-0002', 'msg-a-0001'].map((clientMsgId, callIndex) => ({ device: a, conversationId: 'c1', clientMsgId, text: clientMsgId, callIndex }));
    const report = await checkRun(store, world([a, device('b', views)], sent));
    expect(report).toMatchObject({ reordered: 1, lost: 0, duplicated: 0 });
    expect(report.violations).toEqual([expect.stringMatching(/msg-a-0002 stored as seq 3 of c1, after msg-a-0001 \(sent later\) at seq 2/)]);
  });

  it('leaves a visibly failed message out of the send order', async () => {
    const { store, views } = await storeWithThree();
    const failed: MessageView = { ...views[1]!, status: 'failed' };
    const a = device('a', [views[0]!, failed, views[2]!]);
    const sent = ['msg-a-0002', 'msg-a-0001'].map((clientMsgId, callIndex) => ({ device: a, conversationId: 'c1', clientMsgId, text: clientMsgId, callIndex }));
    const report = await checkRun(store, world([a, device('b', views)], sent));
    expect(report).toMatchObject({ reordered: 0, failed: 1 });
  });

  it('counts a message a member device never got as lost', async () => {
    const { store, views } = await storeWithThree();
    const report = await checkRun(store, world([device('a', views), device('b', views.slice(0, 2))]));
    expect(report.lost).toBe(1);
    expect(report.violations.join()).toMatch(/b-d0 misses 1 of 3/);
  });

  it('counts a message a device holds twice as duplicated, and a wrong order as a violation', async () => {
    const { store, views } = await storeWithThree();
    const report = await checkRun(store, world([device('a', views), device('b', [views[1]!, ...views])]));
    expect(report.duplicated).toBe(1);
    expect(report.violations.join()).toMatch(/out of seq order/);
  });

  it('flags a non-member that holds the conversation', async () => {
    const { store, views } = await storeWithThree();
    const report = await checkRun(store, world([device('a', views), device('b', views), device('mallory', views)]));
    expect(report.violations.join()).toMatch(/mallory-d0 is not a member of c1/);
  });

  it('flags an outbox entry still pending, and an ACK for a message the store does not have', async () => {
    const { store, views } = await storeWithThree();
    const ghost: MessageView = { ...views[0]!, key: 'ghost', clientMsgId: 'msg-a-ghost', seq: 9 };
    const waiting: MessageView = { ...views[0]!, key: 'waiting', clientMsgId: 'msg-a-wait', seq: undefined, status: 'pending' };
    const a = device('a', [...views, ghost, waiting]);
    const sent = ['msg-a-ghost', 'msg-a-wait'].map((clientMsgId, callIndex) => ({ device: a, conversationId: 'c1', clientMsgId, text: clientMsgId, callIndex }));
    const report = await checkRun(store, world([a, device('b', views)], sent));
    expect(report.lost).toBeGreaterThanOrEqual(1);
    expect(report.violations.join()).toMatch(/ACKed as seq 9 but not in the store/);
    expect(report.violations.join()).toMatch(/msg-a-wait .* ended pending/);
  });

  it('flags app data or mentions stored otherwise than sent, and a device showing other app data than stored', async () => {
    const { store, views } = await storeWithThree();
    const a = device('a', views);
    // msg-a-0001 was sent with app data the store does not have (it kept the text only).
    const sent = [{ device: a, conversationId: 'c1', clientMsgId: 'msg-a-0001', text: 'msg-a-0001', callIndex: 0, custom: { n: 1 }, mentions: ['b'] }];
    const report = await checkRun(store, world([a, device('b', views)], sent));
    expect(report.violations.join()).toMatch(/msg-a-0001: stored with custom undefined/);

    const shown = views.map((v, i) => (i === 2 ? { ...v, custom: { forged: true } } : v));
    const other = await checkRun(store, world([a, device('b', shown)]));
    expect(other.violations.join()).toMatch(/b-d0 seq 4: shows .*forged.*the log folds to/);
  });

  it('holds devices to the folded log: a missed edit, a missed delete, a reaction counted twice, an edit on the wrong message', async () => {
    const { store, views } = await storeWithThree();
    const [first, second] = views as [MessageView, MessageView, MessageView];
    const change = async (clientMsgId: string, target: MessageView, kind: 'message.edited' | 'message.deleted' | 'reaction.added', extra: object = {}) =>
      (await store.append({ conversationId: 'c1', senderId: 'a', clientMsgId, ts: 9, kind, data: { messageId: target.id!, messageSeq: target.seq!, ...extra } } as never)).event;
    const edit = await change('chg-a-0001', first, 'message.edited', { text: '{msg-a-0001|edit 1}' });
    await change('chg-a-0002', second, 'message.deleted');
    await store.eraseMessage('c1', second.seq!);
    await change('chg-a-0003', first, 'reaction.added', { key: '👍' });
    const folded = [
      { ...first, text: '{msg-a-0001|edit 1}', editedAt: edit.ts, reactions: [{ key: '👍', count: 1, mine: true, userIds: ['a'] }] },
      { ...second, text: undefined, deleted: true },
      views[2]!,
    ];
    const a = device('a', folded);
    const sent = ['msg-a-0001', 'msg-a-0002'].map((id, callIndex) => ({ device: a, conversationId: 'c1', clientMsgId: id, text: `[${id}]`, callIndex }));
    const changes = [{ device: a, conversationId: 'c1', kind: 'edit' as const, target: '[msg-a-0001]', text: '{msg-a-0001|edit 1}' }];
    expect((await checkRun(store, { ...world([a, device('b', folded)], sent), changes })).violations).toEqual([]);

    const stale = [{ ...first, reactions: [{ key: '👍', count: 2, mine: true, userIds: ['a', 'a'] }] }, second, views[2]!];
    const report = await checkRun(store, { ...world([a, device('b', stale)], sent), changes });
    expect(report.violations.join('\n')).toMatch(/b-d0 seq 2: shows .*msg-a-0001"/);
    expect(report.violations.join('\n')).toMatch(/b-d0 seq 3: shows .*"deleted":false/);

    // An edit that names another message, and a deleted text left in the store, are caught too.
    await change('chg-a-0004', views[2]!, 'message.edited', { text: '{msg-a-0001|edit 2}' });
    const b = device('b', []);
    const wrong = await checkRun(store, { ...world([], sent.concat([{ device: b, conversationId: 'c1', clientMsgId: 'msg-b-0001', text: '[msg-b-0001]', callIndex: 0 }])), changes });
    expect(wrong.violations.join('\n')).toMatch(/seq 4: shows "\{msg-a-0001\|edit 2\}", an edit of another message/);
    // A delete the store did not erase: the edit's text is still there.
    await change('chg-a-0005', first, 'message.deleted');
    const kept = await checkRun(store, { ...world([], sent), changes });
    expect(kept.violations.join('\n')).toMatch(/seq 2: "\{msg-a-0001\|edit 1\}" is still in the store after the delete/);
  });

  it('flags concurrent sends of one id whose ACKs disagree with the stored event', async () => {
    const { store, views } = await storeWithThree();
    const concurrent = [{ userId: 'a', conversationId: 'c1', clientMsgId: 'msg-a-0001', connections: 2, acks: [{ seq: 2, eventId: views[0]!.id! }, { seq: 5, eventId: 'other' }] }];
    const report = await checkRun(store, world([device('a', views), device('b', views)]), concurrent);
    expect(report.violations).toEqual([expect.stringMatching(/ACKed as 5\/other/)]);
  });
});
