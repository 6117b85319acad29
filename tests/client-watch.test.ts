import { describe, expect, it } from 'vitest';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, waitFor } from './helpers/sdk.js';

const scope = testScope();
const WAIT = 30_000;

describe('chat.watch() on a large conversation, over real sockets', { timeout: 90_000 }, () => {
  it('catches up on what came while unwatched, then receives every later message live, once and in order', async () => {
    // Above 3 members, only watching connections get live pushes.
    const server = await scope.server({ fanoutThreshold: 3 });
    const owner = scope.client(server, 'owner');
    const reader = scope.client(server, 'reader');
    await waitFor(owner, online, WAIT, 'owner online');
    await waitFor(reader, online, WAIT, 'reader online');
    const { id } = await owner.createGroup({ title: 'big', members: ['reader', 'x1', 'x2', 'x3'] });
    for (let n = 0; n < 3; n += 1) await owner.send(id, `before ${n}`);
    await waitFor(owner, (c) => sentTexts(c, id).length === 3, WAIT, 'the first three stored');

    reader.watch([id]);
    await waitFor(reader, (c) => sentTexts(c, id).length === 3, WAIT, 'the catch-up after watch');
    // From here on only the live push brings messages: no gap to notice, no reconnect.
    for (let n = 0; n < 5; n += 1) await owner.send(id, `after ${n}`);
    await waitFor(reader, (c) => sentTexts(c, id).length === 8, WAIT, 'live pushes to the watcher');
    expect(sentTexts(reader, id)).toEqual([0, 1, 2].map((n) => `before ${n}`).concat([0, 1, 2, 3, 4].map((n) => `after ${n}`)));
    expect(reader.getMessages(id).map((m) => m.seq)).toEqual([...new Set(reader.getMessages(id).map((m) => m.seq))]);
  });
});
