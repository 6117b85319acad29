import { describe, expect, it } from 'vitest';
import { ErrorCode, type NackFrame } from '@parley/protocol';
import type { BeforeChangeRequest, BeforeSendRequest, WriteHooks } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import { createGroup, isAck, until } from './helpers/fixtures.js';
import type { TestServer } from './helpers/test-server.js';

const scope = testScope();

const statuses = (chat: ReturnType<typeof scope.client>, id: string) =>
  chat.getMessages(id).map((m) => `${m.text}:${m.status}${m.error ? `:${m.error.code}:${m.error.message}` : ''}`);

async function pair(hooks: WriteHooks) {
  const s = await scope.server({ hooks });
  const alice = scope.client(s, 'alice');
  const bob = scope.client(s, 'bob');
  for (const c of [alice, bob]) await waitFor(c, online);
  const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
  await waitFor(bob, (c) => c.getConversation(id) !== undefined, 10_000, 'the group on bob');
  return { s, alice, bob, id };
}

const nackOf = async (s: TestServer, frame: Record<string, unknown>): Promise<NackFrame | 'ack'> => {
  const w = await scope.wire(s, 'carol');
  w.send(frame);
  const answer = await w.waitFor((f) => f.type === 'ack' || f.type === 'nack');
  return answer.type === 'nack' ? answer : 'ack';
};

describe('beforeSend and beforeChange: the app decides what is stored', () => {
  it('rejects a message with the reason the sender sees; others never see it; allowed ones pass', async () => {
    const seen: BeforeSendRequest[] = [];
    const { alice, bob, id } = await pair({
      beforeSend: (request) => {
        seen.push(request);
        return request.data.text?.includes('casino') ? { reject: 'links to gambling sites are not allowed here' } : undefined;
      },
    });
    await alice.send(id, 'visit my casino');
    await alice.send(id, 'lunch at noon?');
    await waitFor(alice, (c) => c.getMessages(id).every((m) => m.status !== 'pending'), 10_000, 'both answered');
    // Stored messages come first, then what the user still holds (pending or failed).
    expect(statuses(alice, id)).toEqual([
      'lunch at noon?:sent',
      `visit my casino:failed:${ErrorCode.FORBIDDEN}:links to gambling sites are not allowed here`,
    ]);
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'the allowed message on bob');
    expect(bob.getMessages(id).map((m) => m.text)).toEqual(['lunch at noon?']);
    expect(seen.map((r) => [r.userId, r.conversation.id, r.data.text])).toEqual([['alice', id, 'visit my casino'], ['alice', id, 'lunch at noon?']]);
  });

  it('fails closed by default: a throwing hook keeps the message queued, and it is stored once the hook recovers', async () => {
    let down = true;
    let calls = 0;
    const { alice, bob, id } = await pair({
      beforeSend: () => {
        calls++;
        if (down) throw new Error('moderation service unavailable');
      },
    });
    await alice.send(id, 'checked before stored');
    await until(() => calls >= 2, 15_000, 'the hook asked again (the client retried)');
    expect(statuses(alice, id)).toEqual(['checked before stored:pending']);
    expect(bob.getMessages(id)).toEqual([]);
    down = false;
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 15_000, 'the message once the hook is back');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'sent');
    expect(bob.getMessages(id).map((m) => m.text)).toEqual(['checked before stored']);
  });

  it('answers a hook that misses its deadline as its failure rule says: closed refuses (retryable), open stores', async () => {
    const never = () => new Promise<undefined>(() => undefined);
    const closed = await scope.server({ hooks: { beforeSend: never, timeoutMs: 100 } });
    const open = await scope.server({ hooks: { beforeSend: never, timeoutMs: 100, onFailure: 'open' } });
    for (const s of [closed, open]) {
      const carol = await scope.wire(s, 'carol');
      await createGroup(carol, ['dave']);
    }
    const send = async (s: TestServer) => {
      const w = await scope.wire(s, 'carol');
      const id = await createGroup(w, ['dave']);
      return nackOf(s, { type: 'send', conversationId: id, clientMsgId: 'm-hook-0001', data: { text: 'hi' } });
    };
    expect(await send(closed)).toMatchObject({ code: ErrorCode.UNAVAILABLE, retryable: true });
    expect(await send(open)).toBe('ack');
    const metrics = closed.chat.metrics.registry.render();
    expect(metrics).toMatch(/parley_hook_calls_total\{hook="beforeSend",outcome="failed"\} 1/);
  });

  it('runs once per message: a repeat of a stored message gets its ACK without asking the hook again', async () => {
    let calls = 0;
    const s = await scope.server({ hooks: { beforeSend: () => void calls++ } });
    const w = await scope.wire(s, 'carol');
    const id = await createGroup(w, ['dave']);
    const frame = { type: 'send', conversationId: id, clientMsgId: 'm-once-0001', data: { text: 'hi' } } as const;
    w.send(frame);
    const first = await w.waitFor(isAck);
    w.send(frame);
    const second = await w.waitFor((f) => isAck(f) && f.duplicate);
    expect(second).toMatchObject({ seq: first.seq, duplicate: true });
    expect(calls).toBe(1);
  });

  it('rejects an edit or a reaction; the message stays as it was for everyone', async () => {
    const asked: BeforeChangeRequest[] = [];
    const { alice, bob, id } = await pair({
      beforeChange: (request) => {
        asked.push(request);
        if (request.change.kind === 'edit' && request.change.text?.includes('casino')) return { reject: 'no gambling links' };
        if (request.change.kind === 'react' && request.change.key === '🖕') return { reject: 'not that one' };
      },
    });
    const sent = await alice.send(id, 'meet at 5');
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'the message on bob');
    await alice.edit(id, sent.key, 'meet at the casino');
    await bob.react(id, bob.getMessages(id)[0]!.id!, '🖕');
    await bob.react(id, bob.getMessages(id)[0]!.id!, '👍');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.failedChanges?.length === 1, 10_000, "alice's failed edit");
    await waitFor(alice, (c) => c.getMessages(id)[0]?.reactions.length === 1, 10_000, "bob's allowed reaction");
    await waitFor(bob, (c) => c.getMessages(id)[0]?.failedChanges?.length === 1, 10_000, "bob's failed reaction");
    expect(alice.getMessages(id)[0]).toMatchObject({ text: 'meet at 5', failedChanges: [{ kind: 'edit', error: { code: ErrorCode.FORBIDDEN, message: 'no gambling links' } }] });
    expect(bob.getMessages(id)[0]).toMatchObject({ text: 'meet at 5' });
    expect(bob.getMessages(id)[0]!.editedAt).toBeUndefined();
    expect(bob.getMessages(id)[0]!.reactions.map((r) => r.key)).toEqual(['👍']);
    expect(asked.find((r) => r.change.kind === 'edit')).toMatchObject({ userId: 'alice', message: { data: { text: 'meet at 5' } }, change: { kind: 'edit', text: 'meet at the casino' } });
  });

  it('does not ask the hooks about writes of the backend (chat.api)', async () => {
    let calls = 0;
    const s = await scope.server({ hooks: { beforeSend: () => ((calls++), { reject: 'no' }), beforeChange: () => ((calls++), { reject: 'no' }) } });
    const { conversation } = await s.chat.api.createGroup({ members: ['alice'] });
    const { event } = await s.chat.api.send({ conversationId: conversation.id, senderId: 'bot', text: 'backend message' });
    await s.chat.api.edit({ conversationId: conversation.id, messageId: event.id, by: 'bot', text: 'edited by the backend' });
    expect(calls).toBe(0);
  });

  it('refuses hook options that cannot work', async () => {
    await expect(scope.server({ hooks: { timeoutMs: 0 } })).rejects.toThrow(/timeoutMs/);
    await expect(scope.server({ hooks: { onFailure: 'maybe' as 'open' } })).rejects.toThrow(/onFailure/);
  });
});
