import {
  ErrorCode,
  Limits,
  PROTOCOL_VERSION,
  ParleyError,
  type ClientFrame,
  type ConversationSummary,
  type SyncResultFrame,
} from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { applyRead, applySummary, initialChatState, removeConversations, type ChatState } from '../state/chat-state.js';
import { DEFAULT_BACKOFF } from '../state/backoff.js';
import { createSocketTransport } from '../transport/socket-transport.js';
import type { TransportFactory } from '../transport/transport.js';
import type { ChatClient, ChatClientOptions, Logger, MessageView } from '../types.js';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { ChatCore } from '../core/chat-core.js';
import { loadCachedState, withCached } from '../core/cached-state.js';
import { markReadTarget, repeatedSend, shownMessage, sendLimits } from '../core/client-rules.js';
import { entryContent, validateSend } from '../core/send-content.js';
import { checkThreadRoot, findMessage, prepareChange, type ChangeRequest } from '../core/change-rules.js';
import { systemTimers, type Timers } from '../core/timers.js';
import { createViewStore } from '../core/view-store.js';
import { withBlocks } from '../state/people-state.js';
import { createWatchCounts } from '../core/watch-counts.js';
import { tellAuthError, tokenFor } from './auth.js';
import { createConnection } from './connection.js';
import { createOutboxSender } from './outbox-sender.js';
import { createCachePersistence } from './persistence.js';
import { createFrameHandler } from './frame-handler.js';
import { createPresenceTyping } from './presence-typing.js';
import { createReceiptSender } from './receipt-sender.js';
import { createRequestTracker } from './requests.js';
import { createServerRequests } from './server-requests.js';
import { createProfiles } from './profiles.js';
import { createSyncCoordinator } from './sync-coordinator.js';
import { createWatchSender } from './watch-sender.js';
import { createUploadSender } from './upload-sender.js';
import { createAttachmentUrls } from './attachment-urls.js';
import { createSearch } from './search.js';
import { createTimelineWindows } from './timeline-windows.js';
import { createMemoryFiles } from '../files/memory-files.js';
import { prepareFiles } from '../files/file-input.js';
import { putFile } from '../files/put-file.js';
import { dropFiles, storeFiles } from '../files/stored-files.js';
import { resolveAgainst } from '../files/resolve-url.js';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Test seams: a different wire or clock. Not part of the public options. */
export interface ChatClientInternals {
  transport?: TransportFactory;
  timers?: Timers;
  /** The state to start from (a tab taking over the connection starts from what it shows). */
  initialState?: Pick<ChatState, 'userId' | 'conversations' | 'outbox'>;
  /** Sees every committed state (the leading tab shares it with the other tabs). */
  onCommit?(before: ChatState, after: ChatState): void;
  /** A server error that answered no request (the leading tab fires it in its own tab's store). */
  onServerError?(error: ParleyError): void;
}

export function createChatClientWith(options: ChatClientOptions, internals: ChatClientInternals = {}): ChatClient {
  return createChatCore(options, internals).client;
}

/** The full client, plus what the leading tab needs to serve the others. */
export function createChatCore(options: ChatClientOptions, internals: ChatClientInternals = {}): ChatCore {
  const logger = options.logger ?? silentLogger;
  const timers = internals.timers ?? systemTimers;
  const storage = options.storage ?? createMemoryStorage();
  const backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  const cache = createCachePersistence(storage, logger);
  // Without `storage.files` the bytes of files to upload live as long as this client.
  const localFiles = storage.files ?? createMemoryFiles();
  const store = createViewStore(
    { ...initialChatState({ status: 'idle', attempt: 0 }), ...internals.initialState },
    (err) => logger.error('parley: an event listener threw', { error: String(err) }),
    timers,
  );
  const getState = () => store.state;
  let deviceId = options.deviceId;
  let closed = false;

  const commit = (next: ChatState) => {
    const before = store.state;
    store.show(next, () => {
      cache.persist(before, next);
      outbox.forgetSettled(before, next);
      if (before.conversations !== next.conversations) receipts.conversationsChanged();
      internals.onCommit?.(before, next);
    });
  };

  const connection = createConnection({
    transport: internals.transport ?? createSocketTransport({
      url: options.url,
      path: options.path ?? '/parley/socket.io',
      transports: options.transports ?? ['websocket'],
    }),
    auth: async () => {
      // The device id may still be loading from storage on the very first attempt.
      await ready;
      return { token: await tokenFor(options.getToken), deviceId: deviceId ?? '', protocol: PROTOCOL_VERSION };
    },
    backoff,
    welcomeTimeoutMs: requestTimeoutMs,
    timers,
    onState: (connectionState) => {
      commit({ ...getState(), connection: connectionState });
      // Before the sync that `welcome` starts, which waits for the watch to be in effect.
      if (connectionState.status === 'online' && watched.ids().length > 0) watches.send();
      // Offline, an upload under way cannot finish: it starts over once the client is back; and
      // back online is when uploads go on (the welcome's kick may come before this state does).
      if (connectionState.status === 'offline' || connectionState.status === 'closed') uploads.pause();
      if (connectionState.status === 'online') uploads.kick();
      // Requests waiting for a connection that will not come (refused protocol) fail now.
      if (connectionState.status === 'closed') {
        requests.rejectAll(connectionState.lastError ?? new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
      }
      if (connectionState.status === 'unauthorized') {
        const error = connectionState.lastError ?? new ParleyError(ErrorCode.UNAUTHORIZED, 'unauthorized');
        requests.rejectAll(error);
        // A retry after close() would revive a client the app is done with.
        tellAuthError(options, error, () => closed || client.connect(), logger);
      }
    },
    onFrame: (raw) => handleFrame(raw),
    onLost: () => {
      requests.connectionLost();
      sync.reset();
    },
  });
  const sendIfOnline = (frame: ClientFrame) => connection.sendIfOnline(frame);
  const isOnline = () => getState().connection.status === 'online';

  const requests = createRequestTracker({ timeoutMs: requestTimeoutMs, timers, emit: sendIfOnline });
  const server = createServerRequests({ getState, commit, requests, checkSync: () => sync.check() });
  const { request } = server;
  const profiles = createProfiles({ getState, commit, request, logger });
  const receipts = createReceiptSender({ getState, sendIfOnline, timers, deliveredDelayMs: options.deliveredDelayMs ?? 300 });
  const presenceTyping = createPresenceTyping({
    getState, commit, sendIfOnline, request, newId: uuidv7, timers, logger, typingThrottleMs: options.typingThrottleMs ?? 2000,
  });
  /** A URL the server gave, as the app and the uploader use it: a path is the chat server's. */
  const resolveUrl = (url: string) => resolveAgainst(url, connection.url ?? (typeof options.url === 'string' ? options.url : options.url[0]));
  const uploads = createUploadSender({
    getState, commit, files: localFiles, persist: (entry) => storage.outbox.put(entry), request, upload: options.uploadFile ?? putFile, resolveUrl,
    isOnline, newId: uuidv7, timers, backoff, logger, uploaded: () => outbox.pump(),
    // Three ack timeouts without a byte moving: the same patience the outbox has with an answer.
    stallMs: Math.max(5_000, 3 * (options.ackTimeoutMs ?? 10_000)),
  });
  const outbox = createOutboxSender({
    storage, timers, backoff, logger, ackTimeoutMs: options.ackTimeoutMs ?? 10_000, getState, commit, emit: sendIfOnline, isOnline,
    needLog: () => sync.requestFull(), uploads,
  });
  const attachmentUrls = createAttachmentUrls({
    request, newId: uuidv7, now: () => timers.now(), resolveUrl,
    maxPerRequest: () => getState().limits['maxAttachmentUrlsPerRequest'] ?? Limits.maxAttachmentUrlsPerRequest,
  });

  const search = createSearch({ getState, storage, ready: () => ready, request });
  const windows = createTimelineWindows({
    getState, commit, request, checkSync: () => sync.check(), loadOlder: server.methods.loadOlder, loadThread: server.methods.loadThread,
  });

  const sync = createSyncCoordinator({
    getState,
    commit,
    request: async (frame) => {
      const watching = watches.pending();
      if (watching) await watching;
      return (await request({ ...frame, reqId: uuidv7() }, 'sync.result')) as SyncResultFrame;
    },
    onFailure: (err) => {
      logger.warn('parley: sync failed', { error: String(err) });
      // An unanswered sync means the connection cannot be trusted: start over on a new one.
      connection.restart(ParleyError.from(err, ErrorCode.TIMEOUT));
    },
    dropUnplaced: () => {
      const unplaced = [...getState().conversations.values()].filter((c) => !c.server).map((c) => c.id);
      commit(removeConversations(getState(), unplaced));
    },
  });
  const watched = createWatchCounts();
  const watches = createWatchSender({ ids: () => watched.ids(), isOnline, newId: uuidv7, request, logger });

  const handleFrame = createFrameHandler({
    getState, commit, logger, markOnline: () => connection.markOnline(), welcomed: welcomedPush, refuseProtocol: (error) => connection.restart(error), sync, outbox, requests, takeSummary, receipts, presenceTyping,
    profiles,
    readBlocks: () => {
      // A server without blocks (or a refusal) leaves the list as it was: the cache's, or none.
      server.request({ type: 'blocks', reqId: uuidv7() }, 'blocks.result').then(
        (reply) => {
          if (reply.type === 'blocks.result') commit({ ...getState(), blocks: withBlocks(getState().blocks, reply.userIds) });
        },
        (err: unknown) => logger.debug('parley: block list not read', { error: String(err) }),
      );
    },
    serverError: (error) => (internals.onServerError ?? ((e: ParleyError) => store.emit({ type: 'error', event: { error: e } })))(error),
  });

  /** What the last welcome said about Web Push (undefined: no welcome yet), and who waits for one. */
  let pushConfig: { vapidPublicKey: string } | null | undefined;
  const pushWaiters = new Set<(config: { vapidPublicKey: string } | null) => void>();
  function welcomedPush(config: { vapidPublicKey: string } | null) {
    pushConfig = config;
    for (const resolve of [...pushWaiters]) resolve(config);
    pushWaiters.clear();
  }
  function getPushConfig(): Promise<{ vapidPublicKey: string } | null> {
    if (pushConfig !== undefined) return Promise.resolve(pushConfig);
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        pushWaiters.delete(done);
        reject(new ParleyError(ErrorCode.UNAVAILABLE, 'not connected: the server has not said whether it sends Web Push'));
      }, requestTimeoutMs);
      const done = (config: { vapidPublicKey: string } | null) => {
        timers.clearTimeout(timer);
        resolve(config);
      };
      pushWaiters.add(done);
    });
  }

  /** A summary from the server; a conversation the client holds no log position in needs its tail. */
  function takeSummary(summary: ConversationSummary) {
    commit(applySummary(getState(), summary));
    if (getState().conversations.get(summary.id)?.cursor === null) sync.requestFull();
  }

  const ready = (async () => {
    try {
      if (!deviceId) {
        deviceId = (await storage.meta.get('deviceId')) ?? uuidv7();
        await storage.meta.set('deviceId', deviceId);
      }
      const cached = await loadCachedState(storage, Limits.syncTailEvents);
      commit(withCached(getState(), cached));
    } catch (err) {
      logger.error('parley: could not read storage', { error: String(err) });
      deviceId ??= uuidv7();
    }
  })();

  /**
   * Checks a change and lands it in the outbox (see `planChange`); resolves with the message as
   * shown once the change is queued, as `send` does.
   */
  async function change(conversationId: string, messageId: string, request: ChangeRequest): Promise<MessageView> {
    if (closed) throw new ParleyError(ErrorCode.UNAVAILABLE, 'the client is closed');
    await ready;
    const { plan, view } = prepareChange(getState(), conversationId, messageId, request, uuidv7(), timers.now());
    await outbox.applyPlan(plan);
    return findMessage(getState(), conversationId, view.id ?? view.key)?.view ?? view;
  }

  const client: ChatClient = {
    async send(conversationId, content, sendOptions = {}) {
      const clientMsgId = sendOptions.clientMsgId ?? uuidv7();
      const limits = sendLimits(getState());
      const { data, files } = validateSend(conversationId, clientMsgId, content, sendOptions, limits);
      if (closed) throw new ParleyError(ErrorCode.UNAVAILABLE, 'the client is closed');
      await ready;
      if (data.threadId !== undefined) checkThreadRoot(getState(), conversationId, data.threadId);
      // The app's own id sent again (a double click, a retry after a crash): one message.
      const repeated = repeatedSend(getState(), store.reads, conversationId, clientMsgId);
      if (repeated) return repeated;
      const attachments = files.length > 0 ? await storeFiles(localFiles, await prepareFiles(files, limits), uuidv7) : undefined;
      // The same id may have been queued while the files were read and stored.
      const meanwhile = attachments && repeatedSend(getState(), store.reads, conversationId, clientMsgId);
      if (meanwhile) {
        await dropFiles(localFiles, attachments);
        return meanwhile;
      }
      let entry: OutboxEntry;
      try {
        entry = await outbox.enqueue(clientMsgId, conversationId, { ...entryContent(getState(), conversationId, data), ...(attachments ? { attachments } : {}) });
      } catch (err) {
        if (attachments) await dropFiles(localFiles, attachments);
        throw err;
      }
      presenceTyping.messageSent(conversationId);
      return shownMessage(store.reads, entry, getState().userId);
    },
    edit: (conversationId, messageId, content) => change(conversationId, messageId, { kind: 'edit', content }),
    async delete(conversationId, messageId) {
      await change(conversationId, messageId, { kind: 'delete' });
    },
    react: (conversationId, messageId, key) => change(conversationId, messageId, { kind: 'react', key }),
    unreact: (conversationId, messageId, key) => change(conversationId, messageId, { kind: 'unreact', key }),
    retry: (clientMsgId) => outbox.retry(clientMsgId),
    discard: (clientMsgId) => outbox.discard(clientMsgId),
    getAttachmentUrl: (conversationId, attachmentId) => attachmentUrls.get(conversationId, attachmentId),
    getLocalFile: (localId) => localFiles.get(localId),
    getPushConfig,
    ...server.methods,
    // After the server's methods: `loadOlder` pages an open window (`loadAround`) instead of the cache.
    ...windows,
    search,
    getUser: (userId) => profiles.get(userId),
    async loadUsers(userIds) {
      await profiles.load(userIds);
      const held = getState().users;
      return userIds.flatMap((id) => held.get(id) ?? []);
    },
    markRead(conversationId, seq) {
      const target = markReadTarget(getState(), conversationId, seq);
      if (target === undefined) return;
      commit(applyRead(getState(), conversationId, target));
      receipts.read(conversationId, target);
    },
    typing: (conversationId) => presenceTyping.typing(conversationId),
    subscribePresence: (userIds) => presenceTyping.subscribePresence(userIds),
    unsubscribePresence: (userIds) => presenceTyping.unsubscribePresence(userIds),
    setAway: (away) => presenceTyping.setAway(away),
    watch(conversationIds) {
      watched.add(conversationIds);
      watches.send();
      // A large conversation pushed nothing while unwatched: catch up, once the server confirmed
      // the watch (the sync waits for it), so no push falls between the two. On reconnect, the
      // sync after welcome does it.
      if (isOnline()) sync.requestFull();
    },
    unwatch(conversationIds) {
      watched.remove(conversationIds);
      watches.send();
    },
    connect() {
      closed = false;
      uploads.start();
      store.start();
      // Starts at once so requests made right away wait for the connection instead of failing.
      connection.start();
    },
    async close() {
      closed = true;
      connection.stop();
      outbox.stop();
      uploads.stop();
      attachmentUrls.clear();
      receipts.close();
      presenceTyping.close();
      store.stop();
      sync.reset();
      requests.rejectAll(new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
      // The cache is written behind the state: let what is queued land (a failed write is logged).
      await ready.catch(() => undefined);
      await cache.idle();
    },
    async signOut() {
      // Writes already queued must land before the data goes, or they would bring some back.
      await client.close();
      await storage.clear();
    },
    ...store.reads,
  };

  if (options.autoConnect ?? true) client.connect();
  return {
    client,
    // After start-up, so the outbox read from storage cannot replace an entry adopted meanwhile.
    adoptOutboxEntry: (entry: OutboxEntry) => void ready.then(() => outbox.adopt(entry)),
  };
}
