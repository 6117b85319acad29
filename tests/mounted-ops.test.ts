import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter as PromCounter, Registry as PromRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger, type ChatServer, type ChatStore } from '@parley/server-sdk';
import { connectWire } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
import { openDirect, sendText } from './helpers/fixtures.js';

/** A server you mount Parley in yourself: Express, with Parley's ops handler under /ops. */
async function mountedApp(options: { store?: ChatStore; promClientRegistry?: PromRegistry } = {}) {
  const app = express();
  const http: Server = createServer(app);
  const dev = createDevAuth();
  const chat: ChatServer = createChatServer({
    server: http,
    store: options.store ?? createMemoryStore(),
    authenticate: dev.authenticate,
    logger: silentLogger,
    ...(options.promClientRegistry ? { promClientRegistry: options.promClientRegistry } : {}),
  });
  app.use('/ops', chat.ops);
  app.get('/hello', (_req, res) => void res.send('your own route'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const close = async () => {
    await chat.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  scope.adopt({ close });
  return { url, chat, token: (userId: string) => dev.issueToken(userId), close };
}

/** Resolves once `check` holds (polled on the event loop; fails after a generous deadline). */
async function waitForMetric(check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for the server to take the frame');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('health, readiness and metrics for a server mounted in your app', () => {
  it('answers /healthz, /readyz and /metrics under the mount path and leaves other routes to the app', async () => {
    const { url } = await mountedApp();
    expect(await (await fetch(`${url}/ops/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${url}/ops/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, store: 'ok', draining: false });
    const metrics = await fetch(`${url}/ops/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('# TYPE parley_connections gauge');
    expect(await (await fetch(`${url}/hello`)).text()).toBe('your own route');
    expect((await fetch(`${url}/ops/nothing-here`)).status).toBe(404);
  });

  it('is not ready when the store fails, nor while the server drains', async () => {
    const store = createMemoryStore();
    const failing = Object.create(store) as ChatStore;
    failing.getConversation = () => Promise.reject(new Error('connection refused'));
    const broken = await mountedApp({ store: failing });
    const answer = await fetch(`${broken.url}/ops/readyz`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ ready: false, store: 'error' });

    // A send still being stored keeps the server draining (not closed) while we ask.
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = Object.create(store) as ChatStore;
    slow.append = async (input) => {
      await gate;
      return store.append(input);
    };
    const healthy = await mountedApp({ store: slow });
    const client = await connectWire(healthy.url, { token: await healthy.token('alice') });
    await client.waitFor((f) => f.type === 'welcome');
    const conversationId = await openDirect(client, 'bob');
    client.send({ type: 'send', conversationId, clientMsgId: 'in-flight-1', data: { text: 'slow' } });
    await waitForMetric(() => healthy.chat.metrics.frames.get({ type: 'send' }) === 1);
    const closing = healthy.chat.close({ drainMs: 30_000 });
    const draining = await fetch(`${healthy.url}/ops/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ ready: false, draining: true });
    release();
    await closing;
    client.close();
  });

  it("joins the app's prom-client registry: Parley's series are served next to the app's own", async () => {
    const register = new PromRegistry();
    const own = new PromCounter({ name: 'app_orders_total', help: 'Orders placed.', registers: [register] });
    own.inc(3);
    const { url, token } = await mountedApp({ promClientRegistry: register });
    const alice = await connectWire(url, { token: await token('alice') });
    await alice.waitFor((f) => f.type === 'welcome');
    await sendText(alice, await openDirect(alice, 'bob'), 'counted');
    const text = await register.metrics();
    expect(text).toContain('app_orders_total 3');
    expect(text).toContain('parley_sends_total{outcome="stored"} 1');
    expect(text).toMatch(/parley_ack_latency_seconds_bucket\{le="\+Inf"\} 1/);
    expect(text).toContain('parley_connections 1');
    const json = await register.getMetricsAsJSON();
    expect(json.find((m) => m.name === 'parley_sends_total')).toMatchObject({ type: 'counter' });
    alice.close();
  });
});
