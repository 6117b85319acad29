import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@parley/protocol';
import { createGroup, isEvent, until } from '../helpers/fixtures.js';
import { testScope } from '../helpers/scope.js';
import { sendOk, storedMessages, type MessageEventOf } from '../helpers/content.js';
import { changeOk } from '../helpers/changes.js';
import type { WireClient } from '../helpers/wire-client.js';
import type { TestServer } from '../helpers/test-server.js';
import type { ReleaseName } from './releases.js';
import { heldSeqs, range, shown, startOldApp, statusOf, waitOnline, waitShown, type OldApp } from './release-app.js';

// Protocol 5 lets today's users edit, delete, react and reply in threads. The protocol-4 app is
// the most common one during the deploy and for months after: it must keep parsing every frame,
// hold a log without holes (a change reaches it as an empty placeholder at its seq), show a
// thread reply as a message, show messages as they are now once it loads them afresh, and its
// own messages (with their content, and its offline outbox) must reach today's users once, in order.

const LONG = 60_000;
const TEST_TIMEOUT = 3 * LONG;

/** The messages a current (protocol-5) wire client received live in a conversation, by arrival. */
const liveMessages = (client: WireClient, conversationId: string): MessageEventOf[] =>
  client.frames.filter(isEvent).flatMap((f) => (f.event.kind === 'message' && f.event.conversationId === conversationId ? [f.event] : []));

const textsOf = (app: OldApp, conversationId: string) => app.chat.getMessages(conversationId).map((m) => m.text);
const seqsOf = (app: OldApp, conversationId: string) => app.chat.getMessages(conversationId).map((m) => m.seq ?? -1);
const ascending = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!);

describe('the previous releases\' apps (protocol 4 above all) while today\'s users edit, delete, react and reply in threads', () => {
  const scope = testScope();

  /** A group where today's users (raw protocol-5 frames) change messages the old app already shows. */
  async function changedConversation(release: ReleaseName = 'protocol-4') {
    const server = await scope.server();
    const alice = await scope.wire(server, 'alice');
    const bob = await scope.wire(server, 'bob');
    const id = await createGroup(alice, ['bob', 'carol']);
    const carol = scope.adopt(await startOldApp(server, 'carol', { release }));
    await waitOnline(carol);
    const plain = await sendOk(alice, id, { text: 'plain' });
    const typo = await sendOk(alice, id, { text: 'typo' });
    const regret = await sendOk(bob, id, { text: 'regret' });
    const root = await sendOk(alice, id, { text: 'release plan?' });
    await waitShown(carol, id, 'release plan?');
    // Live, each change reaches the old app while it shows the message.
    await changeOk(alice, id, typo.eventId, { kind: 'edit', text: 'fixed' });
    await changeOk(bob, id, regret.eventId, { kind: 'delete' });
    await changeOk(bob, id, plain.eventId, { kind: 'react', key: '👍' });
    await changeOk(alice, id, plain.eventId, { kind: 'react', key: '🎉' });
    await changeOk(bob, id, plain.eventId, { kind: 'unreact', key: '👍' });
    await sendOk(bob, id, { text: 'friday', threadId: root.eventId });
    const inThread = await sendOk(alice, id, { text: 'or monday', threadId: root.eventId });
    await changeOk(bob, id, inThread.eventId, { kind: 'react', key: '👀' });
    await changeOk(alice, id, root.eventId, { kind: 'edit', text: 'release plan? (friday or monday)' });
    const last = await sendOk(alice, id, { text: 'last' });
    await waitShown(carol, id, 'last');
    return { server, id, carol, lastSeq: last.seq };
  }

  /** The same user's protocol-4 app reloaded on empty storage: it loads the conversation afresh (a cold sync). */
  async function reload(server: TestServer, id: string): Promise<OldApp> {
    const reloaded = scope.adopt(await startOldApp(server, 'carol', { name: 'carol-protocol-4-reloaded' }));
    await waitShown(reloaded, id, 'last');
    return reloaded;
  }

  // Protocols 3 and 2 are still in the window too: their step down from 4 keeps the placeholder.
  it.each(['protocol-4', 'protocol-3', 'protocol-2'] as const)('%s: parses every change and thread reply live, keeps its log contiguous and shows replies as messages', async (release) => {
    const { id, carol, lastSeq } = await changedConversation(release);
    // The old app cannot apply a change: it keeps what it showed, and misses nothing after it.
    expect(textsOf(carol, id), shown(carol, id)).toEqual(['plain', 'typo', 'regret', 'release plan?', 'friday', 'or monday', 'last']);
    expect(ascending(seqsOf(carol, id)), shown(carol, id)).toBe(true);
    expect(await heldSeqs(carol, id, lastSeq), 'every seq held: changes as placeholders, no hole').toEqual(range(1, lastSeq));
    expect(statusOf(carol)).toBe('online');
    expect(carol.warnings).toEqual([]);
  }, TEST_TIMEOUT);

  it('no longer shows a deleted message after a reload, and keeps the reloaded log contiguous', async () => {
    const { server, id, lastSeq } = await changedConversation();
    const reloaded = await reload(server, id);
    expect(textsOf(reloaded, id), shown(reloaded, id)).not.toContain('regret');
    // Nor an empty bubble in its place: the message has no form in protocol 4 (a placeholder).
    expect(textsOf(reloaded, id), shown(reloaded, id)).not.toContain(undefined);
    expect(textsOf(reloaded, id)).toEqual(expect.arrayContaining(['plain', 'friday', 'or monday', 'last']));
    expect(ascending(seqsOf(reloaded, id))).toBe(true);
    const held = await heldSeqs(reloaded, id, lastSeq);
    expect(held, 'the tail is contiguous up to the last seq').toEqual(range(held[0]!, lastSeq));
    expect(statusOf(reloaded)).toBe('online');
    expect(reloaded.warnings).toEqual([]);
  }, TEST_TIMEOUT);

  // An edit erases the original's content (keepEditHistory off): the server folds the messages of
  // a protocol-4 tail (and sync pages) so the old app gets the edited text, not a placeholder.
  it('shows edited messages with their edited text after a reload', async () => {
    const { server, id } = await changedConversation();
    const reloaded = await reload(server, id);
    expect(textsOf(reloaded, id), shown(reloaded, id)).toEqual(['plain', 'fixed', 'release plan? (friday or monday)', 'friday', 'or monday', 'last']);
  }, TEST_TIMEOUT);

  it('sends text, app data, mentions and replies that reach today\'s users once, in order, with their content', async () => {
    const server = await scope.server();
    const alice = await scope.wire(server, 'alice');
    const bob = await scope.wire(server, 'bob');
    const id = await createGroup(alice, ['bob', 'carol']);
    const carol = scope.adopt(await startOldApp(server, 'carol'));
    await waitOnline(carol);
    const quoted = await sendOk(alice, id, { text: 'what do we order?' });
    const edited = await sendOk(alice, id, { text: 'pizza?' });
    await changeOk(alice, id, edited.eventId, { kind: 'edit', text: 'pizza or sushi?' });
    const root = await sendOk(alice, id, { text: 'thread root' });
    const reply = await sendOk(bob, id, { text: 'a thread reply', threadId: root.eventId });
    await waitShown(carol, id, 'a thread reply');
    const quotedView = await waitShown(carol, id, 'what do we order?');
    const threadReplyView = await waitShown(carol, id, 'a thread reply');
    expect(threadReplyView.id).toBe(reply.eventId);

    await carol.chat.send(id, 'hello from the old app');
    await carol.chat.send(id, { text: 'my order', custom: { kind: 'order', orderId: 'A-1042', items: [1, 2] } });
    await carol.chat.send(id, '@alice look', { mentions: ['alice'] });
    await carol.chat.send(id, 'pizza', { replyTo: quotedView.id!, mentions: ['alice', 'bob'] });
    await carol.chat.send(id, { custom: { kind: 'poll', question: 'lunch?' } });
    // Quoting a message today's app shows in a thread: the old app sees it as any other message.
    await carol.chat.send(id, 'me too', { replyTo: threadReplyView.id! });
    const want = [
      { text: 'hello from the old app' },
      { text: 'my order', custom: { kind: 'order', orderId: 'A-1042', items: [1, 2] } },
      { text: '@alice look', mentions: ['alice'] },
      { text: 'pizza', mentions: ['alice', 'bob'], replyTo: { messageId: quoted.eventId, seq: quoted.seq, senderId: 'alice', preview: 'what do we order?' } },
      { custom: { kind: 'poll', question: 'lunch?' } },
      { text: 'me too', replyTo: { messageId: reply.eventId, seq: reply.seq, senderId: 'bob', preview: 'a thread reply' } },
    ];

    const fromCarol = async () => (await storedMessages(server.store, id)).filter((m) => m.senderId === 'carol');
    await until(async () => (await fromCarol()).length >= want.length, LONG, () => `carol's messages stored; ${shown(carol, id)}`);
    expect((await fromCarol()).map((m) => m.data)).toEqual(want);
    for (const today of [alice, bob]) {
      const live = () => liveMessages(today, id).filter((m) => m.senderId === 'carol');
      await until(() => live().length >= want.length, LONG, () => `today's users to receive them; got ${JSON.stringify(live().map((m) => m.data))}`);
      expect(live().map((m) => m.data)).toEqual(want);
      expect(today.invalid).toEqual([]);
    }
    await until(() => carol.chat.getMessages(id).filter((m) => m.senderId === 'carol' && m.status === 'sent').length === want.length, LONG, () => shown(carol, id));
    expect(carol.warnings).toEqual([]);
  }, TEST_TIMEOUT);

  // The server fills a quote's preview from the message as it is now (its stored original may
  // be erased by an edit), for every app.
  it('quotes an edited message with its edited text', async () => {
    const server = await scope.server();
    const alice = await scope.wire(server, 'alice');
    const id = await createGroup(alice, ['carol']);
    const carol = scope.adopt(await startOldApp(server, 'carol'));
    const quoted = await sendOk(alice, id, { text: 'pizza?' });
    const view = await waitShown(carol, id, 'pizza?');
    await changeOk(alice, id, quoted.eventId, { kind: 'edit', text: 'pizza or sushi?' });
    await carol.chat.send(id, 'sushi', { replyTo: view.id! });
    const answer = async () => (await storedMessages(server.store, id)).find((m) => m.senderId === 'carol');
    await until(async () => (await answer()) !== undefined, LONG, () => shown(carol, id));
    expect((await answer())!.data.replyTo).toMatchObject({ messageId: quoted.eventId, preview: 'pizza or sushi?' });
  }, TEST_TIMEOUT);

  it('delivers the outbox queued while the server was down once, in order, and catches up on the changes made meanwhile', async () => {
    const first = scope.adopt(await scope.server({ keepStoreOpen: true, devSecret: 'compat-protocol-4-outbox-dev-secret' }));
    const alice = await scope.wire(first, 'alice');
    const id = await createGroup(alice, ['bob', 'carol']);
    const before = await sendOk(alice, id, { text: 'before the outage' });
    const carol = await startOldApp(first, 'carol');
    await waitShown(carol, id, 'before the outage');
    const quotedView = carol.chat.getMessages(id).find((m) => m.text === 'before the outage')!;
    await first.close();

    // The server is down: everything carol's app sends waits in its outbox.
    const queued = [
      { content: 'offline 1' as const, options: {} },
      { content: { text: 'offline 2', custom: { step: 2 } }, options: {} },
      { content: 'offline 3 @alice', options: { mentions: ['alice'] } },
      { content: 'offline 4 answers', options: { replyTo: quotedView.id! } },
    ];
    const clientMsgIds: string[] = [];
    for (const { content, options } of queued) {
      const view = await carol.chat.send(id, content, options);
      expect(view.status).toBe('pending');
      clientMsgIds.push(view.clientMsgId!);
    }
    // The device goes to sleep with its outbox, while today's users change the conversation.
    await carol.close();
    const second = await scope.server({ port: Number(new URL(first.url).port), store: first.store, devSecret: 'compat-protocol-4-outbox-dev-secret' });
    const alice2 = await scope.wire(second, 'alice');
    const bob = await scope.wire(second, 'bob');
    const edited: AckFrame = await changeOk(alice2, id, before.eventId, { kind: 'edit', text: 'before the outage (edited)' });
    await changeOk(bob, id, before.eventId, { kind: 'react', key: '👍' });
    await sendOk(bob, id, { text: 'in a thread meanwhile', threadId: before.eventId });

    const woken = scope.adopt(await startOldApp(second, 'carol', { reopen: carol.storage }));
    const fromCarol = async () => (await storedMessages(second.store, id)).filter((m) => m.senderId === 'carol');
    await until(async () => (await fromCarol()).length >= queued.length, LONG, () => `the outbox stored; ${shown(woken, id)}`);
    const stored = await fromCarol();
    expect(stored.map((m) => m.clientMsgId)).toEqual(clientMsgIds);
    expect(stored.map((m) => m.data.text)).toEqual(['offline 1', 'offline 2', 'offline 3 @alice', 'offline 4 answers']);
    expect(stored[1]!.data.custom).toEqual({ step: 2 });
    expect(stored[2]!.data.mentions).toEqual(['alice']);
    // The quote is filled as the message is now: the edit replaced its text before the outbox went out.
    expect(stored[3]!.data.replyTo).toMatchObject({ messageId: before.eventId, seq: before.seq, preview: 'before the outage (edited)' });
    expect(stored.every((m) => m.seq > edited.seq)).toBe(true);
    for (const wire of [alice2, bob]) {
      const live = () => liveMessages(wire, id).filter((m) => m.senderId === 'carol').map((m) => m.data.text);
      await until(() => live().length >= queued.length, LONG, () => `today's users to receive the outbox; got ${JSON.stringify(live())}`);
      expect(live()).toEqual(['offline 1', 'offline 2', 'offline 3 @alice', 'offline 4 answers']);
    }

    const lastSeq = stored.at(-1)!.seq;
    await until(() => woken.chat.getMessages(id).filter((m) => m.senderId === 'carol' && m.status === 'sent').length === queued.length, LONG, () => shown(woken, id));
    expect(await heldSeqs(woken, id, lastSeq)).toEqual(range(1, lastSeq));
    expect(textsOf(woken, id)).toEqual(['before the outage', 'in a thread meanwhile', 'offline 1', 'offline 2', 'offline 3 @alice', 'offline 4 answers']);
    expect(await woken.storage.outbox.list()).toEqual([]);
    expect(woken.warnings).toEqual([]);
  }, TEST_TIMEOUT);
});
