import type {
  AckFrame,
  ConversationFrame,
  EventFrame,
  LogEvent,
  ServerFrame,
  SettingsResultFrame,
  SyncResultFrame,
  WatchResultFrame,
} from '@parley/protocol';
import { connectWire, nextId, type WireClient } from './wire-client.js';
import type { TestServer } from './test-server.js';

export const isEvent = (f: ServerFrame): f is EventFrame => f.type === 'event';
export const isAck = (f: ServerFrame): f is AckFrame => f.type === 'ack';

export async function connectAs(server: TestServer, userId: string, deviceId?: string): Promise<WireClient> {
  const client = await connectWire(server.url, { token: await server.token(userId), ...(deviceId ? { deviceId } : {}) });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

export async function createGroup(client: WireClient, members: string[], title = 'team'): Promise<string> {
  const answer = await client.request<ConversationFrame>({ type: 'group.create', reqId: nextId(), title, members });
  if (answer.type !== 'conversation') throw new Error(`group.create failed: ${JSON.stringify(answer)}`);
  return answer.conversation.id;
}

export async function openDirect(client: WireClient, userId: string): Promise<string> {
  const answer = await client.request<ConversationFrame>({ type: 'direct.open', reqId: nextId(), userId });
  if (answer.type !== 'conversation') throw new Error(`direct.open failed: ${JSON.stringify(answer)}`);
  return answer.conversation.id;
}

export async function sendText(client: WireClient, conversationId: string, text: string, clientMsgId = nextId('m-')): Promise<AckFrame> {
  client.send({ type: 'send', conversationId, clientMsgId, data: { text } });
  const frame = await client.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
  if (frame.type !== 'ack') throw new Error(`send failed: ${JSON.stringify(frame)}`);
  return frame;
}

/** Message texts a wire client received live for a conversation, in arrival order ('' for a message without text). */
export function liveTexts(client: WireClient, conversationId: string): string[] {
  return client.frames
    .filter(isEvent)
    .map((f) => f.event)
    .filter((e): e is Extract<LogEvent, { kind: 'message' }> => e.kind === 'message' && e.conversationId === conversationId)
    .map((e) => e.data.text ?? '');
}

/** Pages through sync until `hasMore` is false, like a reconnecting client does. */
export async function syncAll(client: WireClient, cursors: Record<string, number>): Promise<{ events: LogEvent[]; results: SyncResultFrame[] }> {
  const events: LogEvent[] = [];
  const results: SyncResultFrame[] = [];
  const position = { ...cursors };
  for (let page = 0; page < 100; page++) {
    const result = await client.request<SyncResultFrame>({
      type: 'sync',
      reqId: nextId(),
      cursors: Object.entries(position).map(([conversationId, seq]) => ({ conversationId, seq })),
    });
    results.push(result);
    for (const event of result.events) {
      events.push(event);
      position[event.conversationId] = Math.max(position[event.conversationId] ?? 0, event.seq);
    }
    if (!result.hasMore) return { events, results };
  }
  throw new Error('sync did not finish in 100 pages');
}

/**
 * Polls `check` until it holds; on timeout fails with `message` (a function to say what it saw
 * last). For conditions no frame or event announces, such as a store row a handler writes.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  message: string | (() => string | Promise<string>) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof message === 'string' ? message : await message()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** WATCH, answered: resolves once the server has the new set in effect, with what it watches. */
export async function watch(client: WireClient, conversationIds: string[]): Promise<string[]> {
  const answer = await client.request<WatchResultFrame>({ type: 'watch', reqId: nextId('watch-'), conversationIds });
  if (answer.type !== 'watch.result') throw new Error(`watch failed: ${JSON.stringify(answer)}`);
  return answer.conversationIds;
}

/**
 * A round-trip barrier: resolves once the server answered a request of this connection (a
 * settings read, which changes nothing). The server writes a socket's frames in order, so every
 * frame it sent this connection before reading the request has arrived by then: once a push was
 * emitted (another recipient got it, or it was answered), this proves it did not reach `client`
 * without waiting for a while.
 */
export async function roundTrip(client: WireClient): Promise<void> {
  await client.request<SettingsResultFrame>({ type: 'settings', reqId: nextId('barrier-') });
}
