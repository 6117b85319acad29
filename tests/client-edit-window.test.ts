import { describe, expect, it } from 'vitest';
import { ErrorCode, type ChatClient, type MessageView } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';

const scope = testScope();

/** A message's id once it is stored. */
async function stored(chat: ChatClient, id: string, text: string): Promise<MessageView> {
  await chat.send(id, text);
  await waitFor(chat, (c) => c.getMessages(id).some((m) => m.text === text && m.status === 'sent'), 10_000, `${text} stored`);
  return chat.getMessages(id).find((m) => m.text === text)!;
}

/** Resolves once the wall clock is past `ts` (the condition, not a guessed duration). */
async function clockPast(ts: number): Promise<void> {
  while (Date.now() <= ts) await new Promise((resolve) => setTimeout(resolve, Math.max(5, ts - Date.now() + 5)));
}

describe('the edit window, as the server announces it', () => {
  it('marks the sender\'s stored messages with their deadline, and refuses an edit past it before queueing', async () => {
    const windowMs = 400;
    const s = await scope.server({ messages: { editWindowMs: windowMs } });
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.openDirect('bob');
    const message = await stored(alice, id, 'see you at 7');
    expect(message.editableUntil).toBe(message.ts + windowMs);
    // Others' messages carry no deadline: they are not the user's to edit.
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'bob to hold it');
    expect(bob.getMessages(id)[0]!.editableUntil).toBeUndefined();
    await alice.close();

    await clockPast(message.editableUntil!);
    const later = scope.client(s, 'alice');
    await waitFor(later, (c) => online(c) && c.getMessages(id).length === 1, 10_000, 'alice back');
    await expect(later.edit(id, message.id!, 'see you at 8')).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    // Nothing queued, nothing shown: no edit, no failed change, the words as they were.
    const shown = later.getMessages(id)[0]!;
    expect([shown.text, shown.editedAt, shown.failedChanges, shown.status]).toEqual(['see you at 7', undefined, undefined, 'sent']);
    // A delete is not an edit: the window does not hold it back.
    await later.delete(id, message.id!);
    await waitFor(bob, (c) => c.getMessages(id)[0]?.deleted === true, 10_000, 'the delete to reach bob');
  });

  it('lets the sender edit inside the window, and everywhere when the server announces none', async () => {
    for (const editWindowMs of [3_600_000, Number.POSITIVE_INFINITY]) {
      const s = await scope.server({ messages: { editWindowMs } });
      const alice = scope.client(s, 'alice');
      await waitFor(alice, online);
      const { id } = await alice.openDirect('bob');
      const pending = await alice.send(id, 'first');
      expect(pending.editableUntil).toBeUndefined();
      const message = await stored(alice, id, 'second');
      expect(message.editableUntil, String(editWindowMs)).toBe(Number.isFinite(editWindowMs) ? message.ts + editWindowMs : undefined);
      const edited = await alice.edit(id, message.id!, 'second, edited');
      expect(edited.text).toBe('second, edited');
      await waitFor(alice, (c) => c.getMessages(id).every((m) => m.status === 'sent' && !m.failedChanges), 10_000, 'the edit stored');
      expect(alice.getMessages(id).map((m) => [m.text, m.editedAt !== undefined])).toEqual([['first', false], ['second, edited', true]]);
      await alice.close();
    }
  });
});

describe('thread roots', () => {
  it('a deleted root keeps its thread: a reply to it is stored and counted, as the server allows', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    const root = await stored(alice, id, 'lunch?');
    await alice.send(id, 'tacos', { threadId: root.id! });
    await alice.delete(id, root.id!);
    await waitFor(bob, (c) => c.getMessages(id)[0]?.deleted === true, 10_000, 'bob to see the tombstone');

    const reply = await bob.send(id, 'still up for it', { threadId: root.id! });
    expect(reply.threadId).toBe(root.id);
    await waitFor(bob, (c) => c.getThread(id, root.id!).filter((m) => m.status === 'sent').length === 2, 10_000, 'the reply stored');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.replyCount === 2, 10_000, 'the root to count it');
    expect(alice.getMessages(id)[0]!.deleted).toBe(true);
  });
});
