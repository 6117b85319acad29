import { describe, expect, it } from 'vitest';
import { startReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

describe('operations endpoints of the reference server', () => {
  it('reports health, readiness and Prometheus metrics that follow the traffic', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory']);
    scope.adopt({ close: () => server.kill() });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, store: 'ok', draining: false });

    const alice = scope.adopt(await connectWire(server.url, { token: await server.issueToken('alice') }));
    await alice.waitFor((f) => f.type === 'welcome');
    alice.send({ type: 'direct.open', reqId: 'o', userId: 'bob' });
    const opened = await alice.waitFor((f) => f.type === 'conversation');
    if (opened.type !== 'conversation') throw new Error('not opened');
    for (let i = 0; i < 3; i++) {
      alice.send({ type: 'send', conversationId: opened.conversation.id, clientMsgId: nextId('ops-'), data: { text: 'x' } });
    }
    alice.send({ type: 'send', conversationId: 'nope', clientMsgId: nextId('ops-'), data: { text: 'x' } });
    await alice.waitFor((f) => f.type === 'nack');
    await alice.waitFor(() => alice.frames.filter((f) => f.type === 'ack').length === 3);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(metric(text, 'parley_connections')).toBe(1);
    expect(text).toContain('parley_sends_total{outcome="stored"} 3');
    expect(text).toContain('parley_frame_errors_total{code="NOT_FOUND"} 1');
    expect(text).toContain('parley_handshakes_total{result="ok"} 1');
    expect(metric(text, 'parley_ack_latency_seconds_count')).toBe(3);
    expect(text).toMatch(/parley_store_latency_seconds_count\{op="append"\} [1-9]/);
  });
});
