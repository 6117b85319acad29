import { describe, expect, it } from 'vitest';
import { start as startHttp } from '../examples/mount-servers/src/plain-http.js';
import { start as startExpress } from '../examples/mount-servers/src/express.js';
import { start as startFastify } from '../examples/mount-servers/src/fastify.js';
import { connectWire, nextId } from './helpers/wire-client.js';
import { isEvent } from './helpers/fixtures.js';

describe.each([
  ['plain http', startHttp],
  ['Express', startExpress],
  ['Fastify', startFastify],
])('mounting on %s', (_name, start) => {
  it('serves the app, the socket and the history API on one port', async () => {
    const app = await start(0);
    try {
      expect((await fetch(app.url)).status).toBe(200);
      const alice = await connectWire(app.url, { token: await app.issueToken('alice') });
      const bob = await connectWire(app.url, { token: await app.issueToken('bob') });
      alice.send({ type: 'direct.open', reqId: 'open', userId: 'bob' });
      const opened = await alice.waitFor((f) => f.type === 'conversation');
      if (opened.type !== 'conversation') throw new Error('not opened');
      const conversationId = opened.conversation.id;
      alice.send({ type: 'send', conversationId, clientMsgId: nextId('ex-'), data: { text: 'mounted' } });
      const pushed = await bob.waitFor((f) => isEvent(f) && f.event.kind === 'message');
      expect(pushed).toMatchObject({ event: { seq: 2, data: { text: 'mounted' } } });

      const res = await fetch(`${app.url}/api/conversations/${conversationId}/messages`, {
        headers: { authorization: `Bearer ${await app.issueToken('bob')}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { events: Array<{ seq: number }> };
      expect(body.events.map((e) => e.seq)).toEqual([1, 2]);
      alice.close();
      bob.close();
    } finally {
      await app.close();
    }
  });
});
