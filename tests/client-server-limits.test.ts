import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, texts, waitFor } from './helpers/sdk.js';

const scope = testScope();

describe('send() checks the limits the server announced in its welcome', () => {
  it('refuses a text over a lowered maxTextLength at once, readable, queueing and storing nothing', async () => {
    const s = await scope.server({ limits: { maxTextLength: 100 } });
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');

    const refused = await alice.send(id, 'x'.repeat(101)).then(() => new Error('resolved'), (e: unknown) => e);
    expect(refused).toBeInstanceOf(ParleyError);
    expect((refused as ParleyError).code).toBe(ErrorCode.BAD_FRAME);
    expect((refused as ParleyError).message).toBe('A message can be at most 100 characters (this one has 101)');
    // Nothing shows as pending or failed (the app keeps the draft instead), and bob gets only the next one.
    expect(alice.getMessages(id)).toEqual([]);

    await alice.send(id, 'y'.repeat(100));
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, 10_000, 'ack');
    await waitFor(bob, (c) => texts(c, id).length === 1, 10_000, 'delivery');
    expect(texts(bob, id)).toEqual(['y'.repeat(100)]);
  });

  it('before any welcome, the protocol limit applies (the server checks again)', async () => {
    const s = await scope.server({ limits: { maxTextLength: 100 } });
    const offline = scope.client({ url: 'http://127.0.0.1:9', token: s.token }, 'carol');
    const queued = await offline.send('some-conversation', 'z'.repeat(101));
    expect(queued.status).toBe('pending');
  });
});
