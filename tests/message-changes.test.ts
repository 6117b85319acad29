import { describe, expect, it } from 'vitest';
import { ErrorCode, type LogEvent } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect, syncAll, until } from './helpers/fixtures.js';
import { liveMessage, sendOk } from './helpers/content.js';
import { changeData, changeOk, historyPage, pageMessages } from './helpers/changes.js';
import { storeMatrix } from './helpers/store-matrix.js';
import { startReferenceProcess } from './helpers/reference-process.js';
import { connectWire } from './helpers/wire-client.js';

/**
 * Edits, deletes and reactions on the wire: each is a log event with its own seq, persisted
 * before its ACK, idempotent by clientMsgId, pushed to members, carried by sync; history shows
 * messages as they are now; the rules are the server's, and a non-member learns nothing.
 */
const scope = testScope();

describe.each(storeMatrix('message changes'))('message changes (%s store)', (_name, makeStore) => {
  async function setup(options: Parameters<typeof scope.server>[0] = {}) {
    const s = await scope.server({ store: await makeStore(), ...options });
    const [alice, bob] = [await scope.wire(s, 'alice'), await scope.wire(s, 'bob')];
    const id = await createGroup(alice, ['bob']);
    return { s, alice, bob, id };
  }
  const wholeLog = async (s: { store: { readAfter(id: string, after: number, limit: number): Promise<LogEvent[]> } }, id: string) =>
    s.store.readAfter(id, 0, 10_000);

  it('edits: the change is pushed, synced as an event, and history shows the new text with editedAt', async () => {
    const { s, alice, bob, id } = await setup();
    const sent = await sendOk(alice, id, { text: 'helo wrld', mentions: ['bob'] });
    const edit = await changeOk(alice, id, sent.eventId, { kind: 'edit', text: 'hello world' });
    expect(edit.seq).toBe(sent.seq + 1);
    const live = await liveMessage(bob, id, edit.seq);
    expect(live).toMatchObject({ kind: 'message.edited', senderId: 'alice', data: { messageId: sent.eventId, messageSeq: sent.seq, text: 'hello world' } });
    const { events } = await syncAll(bob, { [id]: sent.seq });
    expect(events.map((e) => e.kind)).toEqual(['message.edited']);
    const [message] = pageMessages(await historyPage(bob, id));
    expect(message).toMatchObject({ seq: sent.seq, data: { text: 'hello world', mentions: ['bob'] }, state: { asOfSeq: edit.seq, editedAt: edit.ts } });
    // By default the store keeps only the current version: the typo is gone from the log.
    expect(JSON.stringify(await wholeLog(s, id))).not.toContain('helo wrld');
  });

  it('keeps prior versions in the log when the deployment asks for it', async () => {
    const { s, alice, id } = await setup({ messages: { keepEditHistory: true } });
    const sent = await sendOk(alice, id, { text: 'version one' });
    await changeOk(alice, id, sent.eventId, { kind: 'edit', text: 'version two' });
    await changeOk(alice, id, sent.eventId, { kind: 'edit', text: 'version three' });
    const log = JSON.stringify(await wholeLog(s, id));
    for (const text of ['version one', 'version two', 'version three']) expect(log).toContain(text);
    expect(pageMessages(await historyPage(alice, id))[0]?.data.text).toBe('version three');
  });

  it('lets only the sender edit, within the window, and not a deleted message; nothing is stored when refused', async () => {
    const { s, alice, bob, id } = await setup();
    const sent = await sendOk(alice, id, { text: 'mine' });
    const before = (await wholeLog(s, id)).length;
    expect(await changeData(bob, id, { messageId: sent.eventId }, { kind: 'edit', text: 'hijack' })).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN, retryable: false });
    await changeOk(alice, id, sent.eventId, { kind: 'delete' });
    expect(await changeData(alice, id, { messageId: sent.eventId }, { kind: 'edit', text: 'undead' })).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    expect((await wholeLog(s, id)).length).toBe(before + 1);

    const closed = await setup({ messages: { editWindowMs: 0 } });
    const old = await sendOk(closed.alice, closed.id, { text: 'too late' });
    await until(() => Date.now() > old.ts, 5000, 'a millisecond to pass');
    expect(await changeData(closed.alice, closed.id, { messageId: old.eventId }, { kind: 'edit', text: 'x' })).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
  });

  it('deletes: a tombstone keeps the seq; the text, its edits, its reactions and quotes of it are erased from the store', async () => {
    const { s, alice, bob, id } = await setup({ messages: { keepEditHistory: true } });
    const secret = await sendOk(alice, id, { text: 'the secret code is 4711', custom: { pin: 'quokka-zebra' } });
    await changeOk(alice, id, secret.eventId, { kind: 'edit', text: 'the secret code is 4712' });
    await changeOk(bob, id, secret.eventId, { kind: 'react', key: '👀' });
    const reply = await sendOk(bob, id, { text: 'got it', replyTo: secret.eventId });
    const deleted = await changeOk(alice, id, secret.eventId, { kind: 'delete' });
    expect(await liveMessage(bob, id, deleted.seq)).toMatchObject({ kind: 'message.deleted', senderId: 'alice', data: { messageSeq: secret.seq } });
    const log = JSON.stringify(await wholeLog(s, id));
    expect(log).not.toContain('secret code');
    // Ids and timestamps are digits and hex, so the check looks for what no id can hold.
    expect(log).not.toContain('code is 4711');
    expect(log).not.toContain('quokka-zebra');
    const page = pageMessages(await historyPage(bob, id));
    expect(page.find((m) => m.seq === secret.seq)).toMatchObject({ data: {}, state: { deleted: { by: 'alice', at: deleted.ts } } });
    expect(page.find((m) => m.seq === secret.seq)?.state?.reactions).toBeUndefined();
    expect(page.find((m) => m.seq === reply.seq)?.data.replyTo).toMatchObject({ messageId: secret.eventId, preview: '' });
    // Deleting again is already in effect: the original delete answers, nothing is appended.
    const again = await changeData(alice, id, { messageId: secret.eventId }, { kind: 'delete' });
    expect(again).toMatchObject({ type: 'ack', seq: deleted.seq, duplicate: true });
  });

  it('lets a group owner delete any message, and a member only their own', async () => {
    const { alice, bob, id } = await setup();
    const bobs = await sendOk(bob, id, { text: 'spam' });
    const alices = await sendOk(alice, id, { text: 'rules' });
    expect(await changeData(bob, id, { messageId: alices.eventId }, { kind: 'delete' })).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
    await changeOk(alice, id, bobs.eventId, { kind: 'delete' });
    // In a direct conversation nobody owns the other's messages.
    const dm = await openDirect(alice, 'bob');
    const dmBob = await sendOk(bob, dm, { text: 'mine' });
    expect(await changeData(alice, dm, { messageId: dmBob.eventId }, { kind: 'delete' })).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
  });

  it('reactions: a set per key, a repeat is answered by the event in effect, caps refuse with LIMIT_EXCEEDED', async () => {
    const { s, alice, bob, id } = await setup({ limits: { maxReactionsPerUser: 2, maxReactionKeysPerMessage: 3 } });
    const m = await sendOk(alice, id, { text: 'lunch?' });
    const first = await changeOk(bob, id, m.eventId, { kind: 'react', key: '👍' });
    expect(await changeData(bob, id, { messageId: m.eventId }, { kind: 'react', key: '👍' })).toMatchObject({ type: 'ack', seq: first.seq, duplicate: true });
    await changeOk(alice, id, m.eventId, { kind: 'react', key: '👍' });
    await changeOk(bob, id, m.eventId, { kind: 'react', key: 'pizza' });
    expect(await changeData(bob, id, { messageId: m.eventId }, { kind: 'react', key: 'sushi' })).toMatchObject({ type: 'nack', code: ErrorCode.LIMIT_EXCEEDED });
    await changeOk(alice, id, m.eventId, { kind: 'react', key: 'tacos' });
    expect(await changeData(alice, id, { messageId: m.eventId }, { kind: 'react', key: 'ramen' })).toMatchObject({ type: 'nack', code: ErrorCode.LIMIT_EXCEEDED });
    await changeOk(bob, id, m.eventId, { kind: 'unreact', key: '👍' });
    const [message] = pageMessages(await historyPage(alice, id));
    expect(message?.state?.reactions).toEqual([
      { key: '👍', userIds: ['alice'] },
      { key: 'pizza', userIds: ['bob'] },
      { key: 'tacos', userIds: ['alice'] },
    ]);
    // Reactions and edits never count as unread.
    const summary = (await syncAll(bob, {})).results[0]!.conversations.find((c) => c.id === id)!;
    expect(summary.unread).toBe(1);
    expect((await wholeLog(s, id)).filter((e) => e.kind === 'reaction.added')).toHaveLength(4);
  });

  it('answers a repeated change with its original, even once the target is gone', async () => {
    const { s, alice, id } = await setup();
    const m = await sendOk(alice, id, { text: 'x' });
    const edit = await changeOk(alice, id, m.eventId, { kind: 'edit', text: 'y' }, 'c-repeat-1');
    await changeOk(alice, id, m.eventId, { kind: 'delete' });
    const again = await changeData(alice, id, { messageId: m.eventId }, { kind: 'edit', text: 'y' }, { clientMsgId: 'c-repeat-1' });
    expect(again).toMatchObject({ type: 'ack', seq: edit.seq, eventId: edit.eventId, duplicate: true });
    expect((await wholeLog(s, id)).filter((e) => e.kind === 'message.edited')).toHaveLength(1);
  });

  it('targets the device`s own message by clientMsgId, never someone else`s, and keeps the device`s order', async () => {
    const { alice, bob, id } = await setup();
    await sendOk(alice, id, { text: 'typo' }, 'm-own-0001');
    const edit = await changeData(alice, id, { clientMsgId: 'm-own-0001' }, { kind: 'edit', text: 'fixed' });
    expect(edit).toMatchObject({ type: 'ack' });
    expect(await changeData(bob, id, { clientMsgId: 'm-own-0001' }, { kind: 'react', key: '👍' })).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    // A change queued after a send that is not stored yet waits for it (retryable OUT_OF_ORDER).
    const early = await changeData(alice, id, { clientMsgId: 'm-never-0001' }, { kind: 'delete' }, { after: 'm-never-0001' });
    expect(early).toMatchObject({ type: 'nack', code: ErrorCode.OUT_OF_ORDER, retryable: true });
  });

  it('tells a non-member nothing: the same NOT_FOUND for a real message as for a made-up one', async () => {
    const { s, alice, id } = await setup();
    const m = await sendOk(alice, id, { text: 'private' });
    const eve = await scope.wire(s, 'eve');
    const eveRoom = await createGroup(eve, ['mallory']);
    const real = await changeData(eve, id, { messageId: m.eventId }, { kind: 'react', key: '👍' });
    const fake = await changeData(eve, 'no-such-conversation', { messageId: 'e-made-up' }, { kind: 'react', key: '👍' });
    expect(real).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    expect({ ...real, conversationId: null, clientMsgId: '' }).toEqual({ ...fake, conversationId: null, clientMsgId: '' });
    // A message of another conversation, named from one's own, is not found either.
    expect(await changeData(eve, eveRoom, { messageId: m.eventId }, { kind: 'delete' })).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    expect((await wholeLog(s, id)).map((e) => e.kind)).toEqual(['conversation.created', 'message']);
  });

  it('a store blip right after an edit or a delete is stored leaves none of the text it replaced, though the device never sends it again', async () => {
    const inner = await makeStore();
    let erasureBlips = 0;
    // A store whose next `eraseMessage` calls fail the way a dropped connection does.
    const store = new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'eraseMessage' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (erasureBlips > 0) {
            erasureBlips--;
            throw new Error('connection 7 to 127.0.0.1:27017 closed');
          }
          return (await Reflect.apply(value, target, args)) as unknown;
        };
      },
    });
    const { s, alice, bob, id } = await setup({ store });
    const draft = await sendOk(alice, id, { text: 'the first draft' });
    const secret = await sendOk(alice, id, { text: 'the secret to take back' });
    erasureBlips = 2;
    // Each is refused as retryable, and then seen stored in a sync: a device settles its outbox
    // entry from that and never sends it again, so nothing retries the erasure.
    expect(await changeData(alice, id, { messageId: draft.eventId }, { kind: 'edit', text: 'the final text' })).toMatchObject({ type: 'nack', retryable: true });
    expect(await changeData(alice, id, { messageId: secret.eventId }, { kind: 'delete' })).toMatchObject({ type: 'nack', retryable: true });
    expect(erasureBlips).toBe(0);
    const { events } = await syncAll(bob, { [id]: secret.seq });
    expect(events.map((e) => e.kind)).toEqual(['message.edited', 'message.deleted']);
    const log = JSON.stringify(await wholeLog(s, id));
    expect(log).toContain('the final text');
    expect(log).not.toContain('the first draft');
    expect(log).not.toContain('the secret to take back');
  });

  it('refuses malformed changes with BAD_FRAME and stays up', async () => {
    const { alice, id } = await setup();
    const m = await sendOk(alice, id, { text: 'x' });
    const bad: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ messageId: m.eventId }, { kind: 'edit' }],
      [{ messageId: m.eventId }, { kind: 'react', key: '' }],
      [{ messageId: m.eventId }, { kind: 'react', key: 'two words' }],
      [{ messageId: m.eventId }, { kind: 'react', key: 'x'.repeat(65) }],
      [{ messageId: m.eventId }, { kind: 'shout' }],
      [{}, { kind: 'delete' }],
      [{ messageId: m.eventId, clientMsgId: 'm-1' }, { kind: 'delete' }],
    ];
    for (const [target, change] of bad) {
      expect(await changeData(alice, id, target, change), JSON.stringify(change)).toMatchObject({ type: 'nack', code: ErrorCode.BAD_FRAME });
    }
    await changeOk(alice, id, m.eventId, { kind: 'react', key: '✅' });
  });
});

describe('the edit window, as welcome announces it', () => {
  it('is set for parley-server by PARLEY_EDIT_WINDOW_MS, and a bad value stops it with a clear error', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory'], { PARLEY_EDIT_WINDOW_MS: '90000' });
    try {
      const w = scope.adopt(await connectWire(server.url, { token: await server.issueToken('alice') }));
      expect(await w.waitFor((f) => f.type === 'welcome')).toMatchObject({ limits: { editWindowMs: 90_000 } });
    } finally {
      await server.stop();
    }
    await expect(startReferenceProcess(['--dev', '--store', 'memory'], { PARLEY_EDIT_WINDOW_MS: 'soon' })).rejects.toThrow(/PARLEY_EDIT_WINDOW_MS/);
  });

  it('is in welcome.limits when edits have one, and absent when they have none', async () => {
    const windowed = await scope.server({ messages: { editWindowMs: 60_000 } });
    const w = await scope.wire(windowed, 'alice');
    expect(w.frames.find((f) => f.type === 'welcome')).toMatchObject({ limits: { editWindowMs: 60_000 } });
    const open = await scope.server({ messages: { editWindowMs: Infinity } });
    const o = await scope.wire(open, 'alice');
    const welcome = o.frames.find((f) => f.type === 'welcome');
    expect(welcome?.type === 'welcome' && 'editWindowMs' in welcome.limits).toBe(false);
  });
});
