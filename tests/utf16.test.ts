import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, type ConversationFrame, type HistoryResultFrame } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from './helpers/scope.js';
import { nextId } from './helpers/wire-client.js';
import { createGroup, sendText } from './helpers/fixtures.js';

/**
 * One rule for invalid UTF-16 on every store: a string with a lone surrogate never gets in (the
 * SQLite store used to turn one in a title into U+FFFD while keeping one in message text), and
 * valid astral characters come back exactly.
 */
const dir = mkdtempSync(join(tmpdir(), 'parley-utf16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => ChatStore]> = [
  ['memory', () => createMemoryStore()],
  ['SQLite', () => createSqliteStore({ filename: join(dir, `${nextId('db')}.sqlite`) })],
];

const LONE = ['half a pair \uD83D', '\uDE00 low half first', 'reversed \uDE00\uD83D pair'];

describe.each(stores)('invalid UTF-16 on the %s store', (_name, makeStore) => {
  const scope = testScope();

  it('refuses a group title with a lone surrogate with BAD_FRAME and stores no conversation', async () => {
    const server = await scope.server({ store: makeStore() });
    const alice = await scope.wire(server, 'alice');
    for (const title of LONE) {
      const answer = await alice.request({ type: 'group.create', reqId: nextId(), title, members: ['bob'] });
      expect(answer).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    }
    expect(await server.store.listMemberships('alice')).toEqual([]);
    expect(await server.store.listMemberships('bob')).toEqual([]);
    expect(alice.invalid).toEqual([]);
  });

  it('refuses message text and ids with a lone surrogate with BAD_FRAME and stores nothing', async () => {
    const server = await scope.server({ store: makeStore() });
    const alice = await scope.wire(server, 'alice');
    const conversationId = await createGroup(alice, ['bob']);
    for (const text of LONE) {
      const clientMsgId = nextId('lone-');
      alice.send({ type: 'send', conversationId, clientMsgId, data: { text } });
      const nack = await alice.waitFor((f) => f.type === 'nack' && f.clientMsgId === clientMsgId);
      expect(nack).toMatchObject({ code: ErrorCode.BAD_FRAME, retryable: false });
    }
    const badId = await alice.request({ type: 'direct.open', reqId: nextId(), userId: 'bo\uD800b' });
    expect(badId).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    const events = await server.store.readAfter(conversationId, 0, 100);
    expect(events.map((e) => e.kind)).toEqual(['conversation.created']);
    expect(alice.invalid).toEqual([]);
    // The connection and the process are still fine.
    expect((await sendText(alice, conversationId, 'still here')).type).toBe('ack');
  });

  it('keeps emoji and other astral characters exactly, from a title and a text to another member', async () => {
    const server = await scope.server({ store: makeStore() });
    const alice = await scope.wire(server, 'alice');
    const title = 'Launch 🚀 𝔸𝕓𝕔 👩🏽‍💻';
    const text = 'ok 👍🏿 — 𝄞 family 👨‍👩‍👧‍👦 中文';
    const created = await alice.request<ConversationFrame>({ type: 'group.create', reqId: nextId(), title, members: ['bob'] });
    if (created.type !== 'conversation') throw new Error(JSON.stringify(created));
    const conversationId = created.conversation.id;
    await sendText(alice, conversationId, text);

    const bob = await scope.wire(server, 'bob');
    const history = await bob.request<HistoryResultFrame>({ type: 'history', reqId: nextId(), conversationId });
    const [first, second] = history.events;
    expect(first?.kind === 'conversation.created' && first.data.title).toBe(title);
    expect(second?.kind === 'message' && second.data.text).toBe(text);
    expect((await server.store.getConversation(conversationId))?.title).toBe(title);
    expect((await server.store.listMemberships('bob'))[0]?.conversation.title).toBe(title);
  });
});
