import {
  ErrorCode,
  Limits,
  PROTOCOL_VERSION,
  ParleyError,
  parseClientFrame,
  type ClientFrame,
  type ConversationSummary,
  type HistoryResultFrame,
  type ServerFrame,
  type SyncResultFrame,
} from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import {
  applyHistoryResult,
  applyRead,
  applySummary,
  initialChatState,
  removeConversations,
  type ChatState,
} from '../state/chat-state.js';
import { olderPageBefore } from '../state/conversation-state.js';
import { createSnapshotBuilder } from '../state/views.js';
import { createSocketTransport } from '../transport/socket-transport.js';
import type { TransportFactory } from '../transport/transport.js';
import type { ChatClient, ChatClientOptions, Logger, MessageView } from '../types.js';
import type { OutboxEntry } from '../storage/client-storage.js';
import { createTabClient, type ChatCore } from '../tabs/tab-client.js';
import { resolveTabEnvironment } from '../tabs/tab-environment.js';
import { DEFAULT_BACKOFF } from '../state/backoff.js';
import { createConnection } from './connection.js';
import { createOutboxSender } from './outbox-sender.js';
import { createCachePersistence, loadCachedConversations } from './persistence.js';
import { createFrameHandler } from './frame-handler.js';
import { createRequestTracker } from './requests.js';
import { createSyncCoordinator } from './sync-coordinator.js';
import { createClientSignals } from './presence-typing.js';
import { memberStatuses } from '../state/receipts.js';
import { systemTimers, type Timers } from '../core/timers.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Test seams: a different wire or clock. Not part of the public options. */
export interface ChatClientInternals {
  transport?: TransportFactory;
  timers?: Timers;
  /** The state to start from (a tab taking over the connection starts from what it shows). */
  initialState?: Pick<ChatState, 'userId' | 'conversations' | 'outbox'>;
  /** Sees every committed state (the leading tab shares it with the other tabs). */
  onCommit?(before: ChatState, after: ChatState): void;
}

function validated(frame: ClientFrame): ClientFrame {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) throw new ParleyError(ErrorCode.BAD_FRAME, parsed.message);
  return parsed.frame;
}

export function createChatClientWith(options: ChatClientOptions, internals: ChatClientInternals = {}): ChatClient {
  return createChatCore(options, internals).client;
}

/** The full client, plus what the leading tab needs to serve the others. */
export function createChatCore(options: ChatClientOptions, internals: ChatClientInternals = {}): ChatCore {
  const logger = options.logger ?? silent;
  const timers = internals.timers ?? systemTimers;
  const storage = options.storage ?? createMemoryStorage();
  const backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const listeners = new Set<() => void>();
  const buildSnapshot = createSnapshotBuilder();
  const cache = createCachePersistence(storage, logger);
  let state: ChatState = { ...initialChatState({ status: 'idle', attempt: 0 }), ...internals.initialState };
  let snapshot = buildSnapshot(state);
  let deviceId = options.deviceId;
  let closed = false;

  const commit = (next: ChatState) => {
    if (next === state) return;
    const before = state;
    state = next;
    cache.persist(before, next);
    outbox.forgetSettled(before, next);
    if (before.conversations !== next.conversations) signals.conversationsChanged();
    internals.onCommit?.(before, next);
    const nextSnapshot = buildSnapshot(next);
    if (nextSnapshot === snapshot) return;
    snapshot = nextSnapshot;
    for (const listener of [...listeners]) listener();
  };

  const signals = createClientSignals({
    getState: () => state,
    commit,
    send: (frame) => isOnline() && connection.send(frame),
    request: (frame, answer) => request(frame, answer),
    newId: uuidv7,
    timers,
    logger,
    deliveredDelayMs: options.deliveredDelayMs ?? 300,
    typingThrottleMs: options.typingThrottleMs ?? 2000,
  });

  const connection = createConnection({
    transport: internals.transport ?? createSocketTransport({
      url: options.url,
      path: options.path ?? '/parley/socket.io',
      transports: options.transports ?? ['websocket'],
    }),
    auth: async () => {
      // The device id may still be loading from storage on the very first attempt.
      await ready;
      return { token: await options.getToken(), deviceId: deviceId ?? '', protocol: PROTOCOL_VERSION };
    },
    backoff,
    welcomeTimeoutMs: requestTimeoutMs,
    timers,
    onState: (connectionState) => {
      commit({ ...state, connection: connectionState });
      // Requests waiting for a connection that will not come (refused protocol) fail now.
      if (connectionState.status === 'online') sendWatched();
      if (connectionState.status === 'closed') {
        requests.rejectAll(connectionState.lastError ?? new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
      }
    },
    onFrame: (raw) => handleFrame(raw),
    onLost: () => {
      requests.connectionLost();
      sync.reset();
    },
  });
  const isOnline = () => state.connection.status === 'online';
  /** Conversations on screen, counted by how many views show them. */
  const watched = new Map<string, number>();
  const sendWatched = () => {
    if (isOnline()) connection.send({ type: 'watch', conversationIds: [...watched.keys()].slice(-Limits.maxUserIdsPerRequest) });
  };

  const requests = createRequestTracker({
    timeoutMs: requestTimeoutMs,
    timers,
    emit: (frame) => isOnline() && connection.send(frame),
  });

  const outbox = createOutboxSender({
    storage, timers, backoff, logger,
    ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    getState: () => state,
    commit,
    emit: (frame) => isOnline() && connection.send(frame),
    isOnline,
  });

  const sync = createSyncCoordinator({
    getState: () => state,
    commit,
    request: async (frame) => (await request({ ...frame, reqId: uuidv7() }, 'sync.result')) as SyncResultFrame,
    onFailure: (err) => {
      logger.warn('parley: sync failed', { error: String(err) });
      // An unanswered sync means the connection cannot be trusted: start over on a new one.
      connection.restart(ParleyError.from(err, ErrorCode.TIMEOUT));
    },
    dropUnplaced: () => {
      const unplaced = [...state.conversations.values()].filter((c) => !c.server).map((c) => c.id);
      commit(removeConversations(state, unplaced));
    },
  });

  const handleFrame = createFrameHandler({
    getState: () => state,
    commit,
    logger,
    markOnline: () => connection.markOnline(),
    sync,
    outbox,
    requests,
    takeSummary,
    sendReceipt,
    signals,
  });

  async function request(frame: Extract<ClientFrame, { reqId: string }>, answer: ServerFrame['type']): Promise<ServerFrame> {
    const status = state.connection.status;
    if (status === 'idle' || status === 'closed' || status === 'offline') {
      throw new ParleyError(ErrorCode.UNAVAILABLE, `not connected (${status})`);
    }
    const reply = await requests.request(validated(frame) as typeof frame);
    if (reply.type !== answer) throw new ParleyError(ErrorCode.INTERNAL, `expected ${answer}, got ${reply.type}`);
    return reply;
  }

  async function conversationRequest(frame: Extract<ClientFrame, { reqId: string }>): Promise<ConversationSummary> {
    const reply = await request(frame, 'conversation');
    return reply.type === 'conversation' ? reply.conversation : Promise.reject(new ParleyError(ErrorCode.INTERNAL, 'unexpected reply'));
  }

  /** A summary from the server; a conversation the client holds no log position in needs its tail. */
  function takeSummary(summary: ConversationSummary) {
    commit(applySummary(state, summary));
    if (state.conversations.get(summary.id)?.cursor === null) sync.requestFull();
  }

  function sendReceipt(conversationId: string, seq: number) {
    if (isOnline()) connection.send({ type: 'receipt', conversationId, deliveredSeq: seq, readSeq: seq });
  }

  const ready = (async () => {
    try {
      if (!deviceId) {
        deviceId = (await storage.meta.get('deviceId')) ?? uuidv7();
        await storage.meta.set('deviceId', deviceId);
      }
      const [entries, conversations, userId] = await Promise.all([
        storage.outbox.list(),
        loadCachedConversations(storage, Limits.syncTailEvents),
        storage.meta.get('userId'),
      ]);
      // The last user is known before any welcome, so a cold start offline shows own messages as own.
      commit({ ...state, userId: state.userId ?? userId ?? null, conversations: new Map([...conversations, ...state.conversations]), outbox: entries });
    } catch (err) {
      logger.error('parley: could not read storage', { error: String(err) });
      deviceId ??= uuidv7();
    }
  })();

  const client: ChatClient = {
    async send(conversationId, text) {
      const clientMsgId = uuidv7();
      validated({ type: 'send', conversationId, clientMsgId, data: { text } });
      if (closed) throw new ParleyError(ErrorCode.UNAVAILABLE, 'the client is closed');
      await ready;
      const entry = await outbox.enqueue(clientMsgId, conversationId, text);
      signals.messageSent(conversationId);
      const shown = client.getMessages(conversationId).find((m) => m.key === clientMsgId);
      const pending: MessageView = {
        key: clientMsgId, clientMsgId, conversationId, senderId: state.userId ?? '', text, ts: entry.createdAt, status: 'pending',
      };
      return shown ?? pending;
    },
    retry: (clientMsgId) => outbox.retry(clientMsgId),
    discard: (clientMsgId) => outbox.discard(clientMsgId),
    openDirect: (userId) => conversationRequest({ type: 'direct.open', reqId: uuidv7(), userId }),
    createGroup: ({ title, members }) =>
      conversationRequest(title === undefined
        ? { type: 'group.create', reqId: uuidv7(), members }
        : { type: 'group.create', reqId: uuidv7(), title, members }),
    addMembers: (conversationId, userIds) => conversationRequest({ type: 'members.add', reqId: uuidv7(), conversationId, userIds }),
    removeMembers: (conversationId, userIds) => conversationRequest({ type: 'members.remove', reqId: uuidv7(), conversationId, userIds }),
    async loadOlder(conversationId, limit = Limits.defaultPageSize) {
      const conv = state.conversations.get(conversationId);
      const beforeSeq = conv ? olderPageBefore(conv) : undefined;
      if (beforeSeq !== undefined && beforeSeq <= 1) return { loaded: 0, hasMore: false };
      const frame = beforeSeq === undefined
        ? { type: 'history' as const, reqId: uuidv7(), conversationId, limit }
        : { type: 'history' as const, reqId: uuidv7(), conversationId, beforeSeq, limit };
      const reply = (await request(frame, 'history.result')) as HistoryResultFrame;
      const held = state.conversations.get(conversationId)?.events.length ?? 0;
      commit(applyHistoryResult(state, reply));
      const loaded = (state.conversations.get(conversationId)?.events.length ?? 0) - held;
      sync.check();
      return { loaded, hasMore: reply.hasMore };
    },
    markRead(conversationId, seq) {
      const conv = state.conversations.get(conversationId);
      if (!conv) return;
      const target = seq ?? Math.max(conv.cursor ?? 0, conv.summary?.lastSeq ?? 0);
      if (target <= conv.readSeq) return;
      commit(applyRead(state, conversationId, target));
      sendReceipt(conversationId, target);
    },
    getReceipts(conversationId, seq) {
      const conv = state.conversations.get(conversationId);
      return conv ? memberStatuses(conv.receipts, seq, state.userId) : [];
    },
    typing: (conversationId) => signals.typing(conversationId),
    subscribePresence: (userIds) => signals.subscribePresence(userIds),
    unsubscribePresence: (userIds) => signals.unsubscribePresence(userIds),
    setAway: (away) => signals.setAway(away),
    watch(conversationIds) {
      for (const id of conversationIds) watched.set(id, (watched.get(id) ?? 0) + 1);
      sendWatched();
      // A large conversation pushed nothing while unwatched: catch up now (on reconnect, the
      // sync after welcome does it).
      if (isOnline()) sync.requestFull();
    },
    unwatch(conversationIds) {
      for (const id of conversationIds) {
        const count = (watched.get(id) ?? 0) - 1;
        if (count > 0) watched.set(id, count);
        else watched.delete(id);
      }
      sendWatched();
    },
    getSettings: () => signals.settings({}),
    updateSettings: (patch) => signals.settings(patch),
    connect() {
      closed = false;
      // Starts at once so requests made right away wait for the connection instead of failing.
      connection.start();
    },
    close() {
      closed = true;
      connection.stop();
      outbox.stop();
      signals.close();
      sync.reset();
      requests.rejectAll(new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    getConversation: (id) => snapshot.conversations.find((c) => c.id === id),
    getMessages: (id) => snapshot.messages[id] ?? EMPTY,
  };

  if (options.autoConnect ?? true) client.connect();
  return {
    client,
    // After start-up, so the outbox read from storage cannot replace an entry adopted meanwhile.
    adoptOutboxEntry: (entry: OutboxEntry) => void ready.then(() => outbox.adopt(entry)),
  };
}

const EMPTY: readonly MessageView[] = Object.freeze([]);

/**
 * Creates a Parley client: a store of conversations and messages kept in step with the server
 * log, an outbox that never loses a message, and a connection that comes back by itself.
 *
 * @example
 * const chat = createChatClient({ url: 'http://localhost:8080', getToken: async () => token });
 * const stop = chat.subscribe(() => render(chat.getSnapshot()));
 * const { id } = await chat.openDirect('bob');
 * await chat.send(id, 'hi Bob');
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const storage = options.storage;
  const env = resolveTabEnvironment(options.tabs, storage?.scope);
  if (!env || storage?.scope === undefined) return createChatClientWith(options);
  return createTabClient({
    storage: { ...storage, scope: storage.scope },
    env,
    timers: systemTimers,
    logger: options.logger ?? silent,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    autoConnect: options.autoConnect ?? true,
    createCore: ({ initialState, onCommit }) => createChatCore({ ...options, autoConnect: true }, { initialState, onCommit }),
  });
}
