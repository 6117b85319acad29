import { describe, expect, it } from 'vitest';
import { ErrorCode, type ClientFrame, type ConversationPatch, type LogEvent, type MemberRole, type ServerFrame } from '@parley/protocol';
import { createGroup, isEvent, until } from '../helpers/fixtures.js';
import { testScope } from '../helpers/scope.js';
import { sendData, sendOk, storedMessages } from '../helpers/content.js';
import { connectWire, nextId, type WireClient } from '../helpers/wire-client.js';
import type { TestServer } from '../helpers/test-server.js';
import { heldSeqs, range, shown, startOldApp, statusOf, waitOnline, waitShown, type OldApp } from './release-app.js';

// Protocol 6 gives groups roles, details (title, description, app data, slow mode), bans and
// mutes. The protocol-5 app, the previous release and the most common one during the deploy, knows
// none of it: it must keep parsing every frame, hold a log without holes (each new event reaches
// it as the placeholder at its seq), show the new title once it reads the group's summary again,
// and its own messages must still go out, once and in order, slow mode or not.

const LONG = 60_000;
const TEST_TIMEOUT = 3 * LONG;

/** Sends a request and resolves with its answer; fails on an error frame. */
async function requestOk(client: WireClient, frame: Record<string, unknown>): Promise<ServerFrame> {
  const answer = await client.request({ ...frame, reqId: nextId('q-') } as ClientFrame & { reqId: string });
  if (answer.type === 'error') throw new Error(`${String(frame.type)} refused: ${JSON.stringify(answer)}`);
  return answer;
}
const update = (client: WireClient, conversationId: string, patch: ConversationPatch) => requestOk(client, { type: 'conversation.update', conversationId, patch });
const setRole = (client: WireClient, conversationId: string, userId: string, role: MemberRole) => requestOk(client, { type: 'members.role', conversationId, userId, role });

/** The seq of the last event of this kind a client received live. */
function lastLive(client: WireClient, conversationId: string, kind: LogEvent['kind']): number {
  const events = client.frames.filter(isEvent).filter((f) => f.event.conversationId === conversationId && f.event.kind === kind);
  if (events.length === 0) throw new Error(`no ${kind} event received; got ${JSON.stringify(client.frames.map((f) => f.type))}`);
  return events.at(-1)!.event.seq;
}

/** What the old app lists of a conversation (its snapshot has the list; releases.ts types only what others read). */
const listed = (app: OldApp, conversationId: string) =>
  ((app.chat.getSnapshot() as unknown as { conversations: ReadonlyArray<{ id: string; title?: string | null }> }).conversations ?? []).find((c) => c.id === conversationId);

describe('the protocol-5 app in a group whose owner uses protocol 6 (roles, details, slow mode, bans, mutes)', () => {
  const scope = testScope();

  /** A group owned by alice (protocol 6): bob, erin and carol's protocol-5 app in it, carol's raw protocol-5 connection too. */
  async function group(server: TestServer) {
    const alice = await scope.wire(server, 'alice');
    const carolPhone = await scope.wire(server, 'carol');
    const id = await createGroup(alice, ['bob', 'carol', 'erin'], 'before');
    const carol = scope.adopt(await startOldApp(server, 'carol', { release: 'protocol-5' }));
    const carolV5 = scope.adopt(await connectWire(server.url, { token: await server.token('carol'), protocol: 5 }));
    await carolV5.waitFor((f) => f.type === 'welcome');
    await waitOnline(carol);
    await sendOk(alice, id, { text: 'welcome' });
    await waitShown(carol, id, 'welcome');
    return { alice, carolPhone, carol, carolV5, id };
  }

  it('parses every frame, holds every seq (placeholders for the new events), shows the new title after a reload and still sends', async () => {
    const server = await scope.server();
    const { alice, carolPhone, carol, carolV5, id } = await group(server);

    // The owner makes bob an admin, renames the group, gives it a description and app data;
    // the admin changes the app data; the owner bans erin and mutes nothing of carol's: carol's
    // other device (today's app) mutes the group for her.
    await setRole(alice, id, 'bob', 'admin');
    const bob = await scope.wire(server, 'bob');
    await update(alice, id, { title: 'renamed', description: 'where we plan the release' });
    await update(bob, id, { custom: { theme: 'dark', pinned: [1, 2] } });
    await requestOk(alice, { type: 'members.remove', conversationId: id, userIds: ['erin'], ban: true });
    await requestOk(carolPhone, { type: 'mute', conversationId: id, until: Date.now() + 3_600_000 });
    await setRole(alice, id, 'bob', 'member');
    const last = await sendOk(alice, id, { text: 'after the changes' });
    await waitShown(carol, id, 'after the changes');

    // The raw protocol-5 connection got each new event as the placeholder (an empty
    // members.added at its seq), the removal without `banned`, and no frame its schema refuses.
    for (const client of [carolV5, carolPhone]) await client.waitFor((f) => isEvent(f) && f.event.conversationId === id && f.event.seq === last.seq, LONG);
    const received = carolV5.frames.filter(isEvent).filter((f) => f.event.conversationId === id).map((f) => f.event);
    // Today's app of the same user got them as they are.
    const changed = [lastLive(carolPhone, id, 'conversation.updated'), lastLive(carolPhone, id, 'members.role')];
    for (const seq of changed) {
      expect(received.find((e) => e.seq === seq), `seq ${seq} as protocol 5 reads it`).toMatchObject({ kind: 'members.added', data: { userIds: [] } });
    }
    const removal = received.find((e) => e.kind === 'members.removed');
    expect(removal?.data).toEqual({ userIds: ['erin'] });
    expect(received.map((e) => e.seq)).toEqual(range(received[0]!.seq, last.seq));
    expect(carolV5.invalid).toEqual([]);

    // The app: every seq held, what it showed unchanged, nothing it could not parse, still online.
    expect(await heldSeqs(carol, id, last.seq), 'every seq held: new events as placeholders, no hole').toEqual(range(1, last.seq));
    expect(carol.chat.getMessages(id).map((m) => m.text), shown(carol, id)).toEqual(['welcome', 'after the changes']);
    expect(statusOf(carol)).toBe('online');
    expect(carol.warnings).toEqual([]);

    // Its next summary (the app reloaded on its storage, and a fresh install) names the new title.
    await carol.close();
    const reloaded = scope.adopt(await startOldApp(server, 'carol', { release: 'protocol-5', name: 'carol-protocol-5-reloaded', reopen: carol.storage }));
    const fresh = scope.adopt(await startOldApp(server, 'carol', { release: 'protocol-5', name: 'carol-protocol-5-fresh' }));
    for (const app of [reloaded, fresh]) {
      await until(() => listed(app, id)?.title === 'renamed', LONG, () => `${app.name} to show the new title; lists ${JSON.stringify(listed(app, id))}`);
      await waitShown(app, id, 'after the changes');
    }
    const held = await heldSeqs(fresh, id, last.seq);
    expect(held, 'the fresh install\'s tail is contiguous').toEqual(range(held[0]!, last.seq));

    // Its own messages still reach today's users, once, in order.
    await reloaded.chat.send(id, 'from the protocol-5 app');
    await reloaded.chat.send(id, { text: 'with app data', custom: { k: 1 } });
    const fromCarol = async () => (await storedMessages(server.store, id)).filter((m) => m.senderId === 'carol').map((m) => m.data.text);
    await until(async () => (await fromCarol()).length === 2, LONG, () => shown(reloaded, id));
    expect(await fromCarol()).toEqual(['from the protocol-5 app', 'with app data']);
    await until(() => alice.frames.filter(isEvent).some((f) => f.event.kind === 'message' && f.event.data.text === 'with app data'), LONG, 'alice receives them');
    expect([...reloaded.warnings, ...fresh.warnings]).toEqual([]);
  }, TEST_TIMEOUT);

  it('is answered RATE_LIMITED under slow mode and retries: every message stored once, in order, none lost', async () => {
    const server = await scope.server();
    const { alice, carol, carolV5, id } = await group(server);
    // An hour's slow mode first, so the second send is refused however slow the machine is.
    await update(alice, id, { slowModeMs: 3_600_000 });

    // The raw protocol-5 connection sees the refusal as protocol 5 has it: a retryable NACK.
    await sendOk(carolV5, id, { text: 'first under slow mode' });
    const refused = await sendData(carolV5, id, { text: 'too soon' });
    expect(refused).toMatchObject({ type: 'nack', code: ErrorCode.RATE_LIMITED, retryable: true });
    expect(carolV5.invalid).toEqual([]);
    await update(alice, id, { slowModeMs: 1000 });

    // The app sends faster than slow mode allows: its outbox waits and retries until each goes out.
    const texts = ['slow 1', 'slow 2', 'slow 3'];
    for (const text of texts) await carol.chat.send(id, text);
    const fromCarol = async () => (await storedMessages(server.store, id)).filter((m) => m.senderId === 'carol').map((m) => m.data.text);
    await until(async () => (await fromCarol()).length === 1 + texts.length, LONG, () => shown(carol, id));
    expect(await fromCarol()).toEqual(['first under slow mode', ...texts]);
    const sent = () => carol.chat.getMessages(id).filter((m) => m.senderId === 'carol' && m.status === 'sent').map((m) => m.text);
    await until(() => texts.every((t) => sent().includes(t)), LONG, () => shown(carol, id));
    expect(carol.chat.getMessages(id).filter((m) => m.status === 'failed')).toEqual([]);
    expect(await carol.storage.outbox.list()).toEqual([]);
    expect(carol.warnings).toEqual([]);

    // The owner is exempt: her messages go out at once.
    await sendOk(alice, id, { text: 'owner 1' });
    await sendOk(alice, id, { text: 'owner 2' });
  }, TEST_TIMEOUT);
});
