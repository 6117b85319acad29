import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { Server as SocketServer, type Namespace, type Socket } from 'socket.io';
import * as v from 'valibot';
import {
  ErrorCode,
  errorCodeName,
  FRAME_EVENT,
  HandshakeAuth,
  Limits,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  ParleyError,
  type HandshakeRefusal,
  type LimitsShape,
  type ServerFrame,
} from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import type { Authenticate } from '../auth/types.js';
import { createJsonLogger, type Logger } from '../logger.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';
import { KeyedQueue } from '../keyed-queue.js';
import { isOriginAllowed, normalizeOrigin } from './origins.js';
import { DeadlineWheel } from './deadline-timer.js';
import { guardInbound, UserConnections } from './connection-guard.js';
import { type CanAddMembers, type CanCreateConversation, type Connection, type MessageOptions, type ServerContext } from './context.js';
import { dispatchFrame } from './dispatch.js';
import { emitToRooms, joinRoom, userRoom } from './fanout.js';
import { createProtocolEdge, negotiate } from './protocol-edge.js';
import { createRestHandler, type RestHandler } from './rest.js';
import { createChatMetrics, type ChatMetrics } from '../metrics/chat-metrics.js';
import type { PromClientRegistry } from '../metrics/prom-client-bridge.js';
import { createOpsHandler, type OpsHandler } from './ops-handler.js';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { createPresenceService, type PresenceOptions } from '../presence/presence-service.js';
import type { ScaleOut } from '../scale-out/types.js';
import { createHookRunner, type WriteHooks } from './hooks.js';
import { SlowMode } from './slow-mode.js';
import { StoredEvents, type StoredEventListener } from './stored-events.js';
import { MembershipCache } from './membership-cache.js';
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookOptions } from './webhooks.js';
import { createChatApi, type ChatApi } from './server-api.js';
import { createProfiles, type UserDirectory } from './profiles.js';
import { ReportChannel, type ReportListener } from './reports.js';
import { createAttachments, type AttachmentOptions } from './attachments.js';
import { vapidPublicKey } from './push-subscriptions.js';
import { finishLater, stopBackgroundRetries } from './system-events.js';
import { createNotifications, type NotificationOptions } from './notifications.js';
import { chatNotifications, type ChatNotifications } from './push-subscriptions.js';
import { createSearch, type SearchOptions } from './search.js';

export interface ChatServerOptions {
  /** The Node HTTP server to mount on (plain `http`, Express's, Fastify's `server`). */
  server?: HttpServer;
  /** Or an existing socket.io server to share; Parley then uses its own namespace. */
  io?: SocketServer;
  /** Namespace when sharing `io` (default `/parley`); the default namespace otherwise. */
  namespace?: string;
  /** socket.io path when Parley creates the server (default `/parley/socket.io`). */
  path?: string;
  store: ChatStore;
  /** Verifies tokens at every handshake and REST call (see `createJwtAuthenticator`). */
  authenticate: Authenticate;
  /** Browser origins allowed besides same-origin (default none); `'*'` for any. */
  allowedOrigins?: string[] | '*';
  /** Lower the protocol limits for this deployment (never above `Limits`). */
  limits?: Partial<LimitsShape>;
  /**
   * Token buckets: `sends` per user, `frames` per connection, `userFrames` per user over all of
   * their connections on this node, `typing` per user and conversation.
   */
  rateLimits?: { sends?: RateLimit; conversations?: RateLimit; frames?: RateLimit; userFrames?: RateLimit; typing?: RateLimit };
  /** Connections one user may hold open on this node; more are refused at the handshake (default 20). */
  maxConnectionsPerUser?: number;
  /** Decide who may create which conversations (default: anyone, with anyone). */
  canCreateConversation?: CanCreateConversation;
  /**
   * Decide whether a user may put others into a conversation: direct opens that create one,
   * group creation, members.add (default: anyone may add anyone). Refused: FORBIDDEN.
   */
  canAddMembers?: CanAddMembers;
  /** Conversations up to this many members get receipt updates pushed to all (default 100). */
  receiptFanoutMax?: number;
  /** Presence: its backend, and the TTL, grace period and heartbeat interval (see `PresenceOptions`). */
  presence?: PresenceOptions;
  /** How long a typing indicator shows on receiving clients without a new `typing` frame (default 5000). */
  typingTtlMs?: number;
  /** socket.io's ping interval when Parley creates the server (default 25 000 ms). */
  pingIntervalMs?: number;
  /** How long socket.io waits for a pong before closing the connection (default 20 000 ms). */
  pingTimeoutMs?: number;
  logger?: Logger;
  /** Where Parley records its metrics (default: a registry of its own, see `chat.metrics`). */
  metrics?: ChatMetrics;
  /**
   * Your app's prom-client registry (e.g. prom-client's default `register`): Parley's series join
   * it, so your existing `/metrics` endpoint serves them. Ignored when you pass `metrics`.
   */
  promClientRegistry?: PromClientRegistry;
  /**
   * Run several nodes as one (see `@parley/server-sdk/redis`): cross-node delivery, shared rate
   * limits, resync after bus outages. When you pass your own `io`, set its adapter yourself.
   */
  scaleOut?: ScaleOut;
  /** Conversations above this many members push live events only to watching connections (default 200). */
  fanoutThreshold?: number;
  /** Edits: the window a sender has (default 24 h) and whether prior versions stay in the store (default no). */
  messages?: MessageOptions;
  /** Your rules for what users write: `beforeSend`, `beforeChange`, their deadline and failure rule (see `WriteHooks`). */
  hooks?: WriteHooks;
  /**
   * Signed HTTP deliveries of every stored event (or the kinds each endpoint asks for), queued in
   * the store before the ACK: at least once, retried with backoff, dead-lettered, replayable.
   * See docs/webhooks.md.
   */
  webhooks?: WebhookOptions;
  /**
   * Your users' profiles (names, avatars) and people search, which clients ask for with `users`:
   * resolved in batches, cached per node (see `UserDirectory`, docs/server.md "Profiles").
   */
  users?: UserDirectory;
  /**
   * Files in messages: where the bytes go (a `BlobStore`: `createDiskBlobStore()`, or
   * `createS3BlobStore()` from `@parley/server-sdk/s3`) and the rules for them (size, types, quota,
   * URL lifetimes). Without it the server takes no files (`welcome.limits.maxAttachmentBytes` is 0).
   * See docs/media.md.
   */
  attachments?: AttachmentOptions;
  /**
   * Notifications of messages to people who are away: Web Push with your VAPID keys and/or your
   * own `notify` channel (FCM, APNs, email), queued in the store before each ACK, collapsed per
   * conversation, delayed while a device of the user is connected, cancelled by a read. Without
   * it the server sends none and does no work for them. See docs/notifications.md.
   */
  notifications?: NotificationOptions;
  /**
   * Message search: the index (default: the store's own), the rate limit, how soon messages are
   * indexed. `false` turns search off (`search` is refused with FORBIDDEN). See docs/search.md.
   */
  search?: SearchOptions | false;
}

export interface ChatServer {
  /** Your backend's hands: create conversations, add and remove members, send, edit, delete, read (see `ChatApi`). */
  readonly api: ChatApi;
  /**
   * Each log event this node stores (every kind, from clients and from `api`), once, after it is
   * durable and before anyone is told of it. Returns a function that stops listening. For
   * delivery that survives crashes, use `webhooks`.
   */
  on(type: 'event', listener: StoredEventListener): () => void;
  /** Each report of a message this node stored (a repeat with a new reason too); see docs/server.md "Reports". */
  on(type: 'report', listener: ReportListener): () => void;
  /** The webhook queue: list deliveries by state, replay dead ones (undefined without `webhooks`). */
  readonly webhooks: Pick<WebhookDispatcher, 'list' | 'replay' | 'notice'> | undefined;
  /** Push subscriptions and notify settings from your backend (undefined without `notifications`). */
  readonly notifications: ChatNotifications | undefined;
  /** The socket.io server (yours, if you passed `io`). */
  readonly io: SocketServer;
  /** The namespace Parley serves. */
  readonly nsp: Namespace;
  /** REST middleware: `GET /conversations`, `GET /conversations/:id/messages`. Works with Express too. */
  readonly rest: RestHandler;
  /** Prometheus metrics: `chat.metrics.registry.render()` is the text exposition. */
  readonly metrics: ChatMetrics;
  /**
   * `GET /healthz`, `/readyz` (the store answers a read and the server is not draining) and
   * `/metrics` for your own HTTP app: `app.use('/parley', chat.ops)` with Express, or call it from
   * a plain `http` request handler. Other paths go to `next`, or get a 404 without one.
   */
  readonly ops: OpsHandler;
  /**
   * Graceful shutdown: refuses new connections, waits up to `drainMs` (default 5 s) for frames in
   * flight, then disconnects clients (they reconnect elsewhere). Leaves the store open.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

const DEFAULT_RATE_LIMITS = {
  sends: { perSecond: 50, burst: 200 },
  frames: { perSecond: 200, burst: 400 },
  userFrames: { perSecond: 400, burst: 800 },
  typing: { perSecond: 1, burst: 3 },
  // Conversations a user creates: 30 at once, then one every 2 s (30 a minute).
  conversations: { perSecond: 0.5, burst: 30 },
} satisfies Record<string, RateLimit>;

/**
 * Mounts Parley on a Node HTTP server.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createChatServer, createMemoryStore, createJwtAuthenticator } from '@parley/server-sdk';
 *
 * const server = createServer();
 * createChatServer({
 *   server,
 *   store: createMemoryStore(),
 *   authenticate: createJwtAuthenticator({ algorithms: ['HS256'], secret, issuer: 'me', audience: 'chat' }),
 * });
 * server.listen(8080);
 */
export function createChatServer(options: ChatServerOptions): ChatServer {
  const limits = effectiveLimits(options.limits);
  const messages = messageOptions(options.messages);
  // What clients are told: the limits in force and, when edits have a window, its length (an app
  // offers "Edit" only inside it); no `editWindowMs` means no window.
  const welcomeLimits: Record<string, number> = {
    ...limits,
    ...(Number.isFinite(messages.editWindowMs) ? { editWindowMs: messages.editWindowMs } : {}),
  };
  const logger = options.logger ?? createJsonLogger({ level: 'warn' });
  const allowedOrigins = options.allowedOrigins ?? [];
  const ownsIo = !options.io;
  if (!options.io && !options.server) throw new TypeError('createChatServer: pass `server` or `io`');
  const io =
    options.io ??
    new SocketServer(options.server, {
      path: options.path ?? '/parley/socket.io',
      // Frames between maxFrameBytes and this get a typed FRAME_TOO_LARGE; larger ones close the connection.
      maxHttpBufferSize: Math.max(1_000_000, limits.maxFrameBytes * 2),
      allowRequest: (req, done) => done(null, isOriginAllowed(req, allowedOrigins)),
      cors: allowedOrigins === '*' ? { origin: true } : { origin: allowedOrigins.map((o) => normalizeOrigin(o) ?? o) },
      serveClient: false,
      pingInterval: options.pingIntervalMs ?? 25_000,
      pingTimeout: options.pingTimeoutMs ?? 20_000,
    });
  if (options.scaleOut && ownsIo) io.adapter(options.scaleOut.adapter);
  const nsp = io.of(options.namespace ?? (ownsIo ? '/' : '/parley'));
  const rates = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const metrics = options.metrics ?? createChatMetrics(options.promClientRegistry ? { promClientRegistry: options.promClientRegistry } : {});
  const store = instrumentStore(options.store, metrics);
  const attachments = options.attachments ? createAttachments(options.attachments, { store, logger, now: Date.now }) : null;
  // 0: this server takes no files (no blob store configured), so apps hide their attach button.
  welcomeLimits.maxAttachmentBytes = attachments ? Math.min(attachments.maxBytes, limits.maxAttachmentBytes) : 0;
  const presence = createPresenceService({
    fanout: { nsp, metrics },
    store,
    logger,
    maxSubscriptions: limits.maxPresenceSubscriptions,
    // A scale-out brings a shared presence backend, so every node sees every device.
    options: { ...options.presence, backend: options.presence?.backend ?? options.scaleOut?.presence },
  });
  const storedEvents = new StoredEvents(logger);
  const webhooks = options.webhooks ? createWebhookDispatcher({ store, logger, metrics }, options.webhooks) : undefined;
  storedEvents.useQueue(webhooks);
  const ctx: ServerContext = {
    nsp,
    store,
    logger,
    limits,
    sendLimiter: options.scaleOut ? options.scaleOut.limiter('sends', rates.sends) : new RateLimiter(rates.sends),
    typingLimiter: options.scaleOut ? options.scaleOut.limiter('typing', rates.typing) : new RateLimiter(rates.typing),
    canCreateConversation: options.canCreateConversation,
    canAddMembers: options.canAddMembers,
    createLimiter: options.scaleOut
      ? options.scaleOut.limiter('conversations', rates.conversations)
      : new RateLimiter(rates.conversations),
    receiptFanoutMax: options.receiptFanoutMax ?? 100,
    fanoutThreshold: options.fanoutThreshold ?? 200,
    metrics,
    typingTtlMs: options.typingTtlMs ?? 5_000,
    presence,
    messages,
    hooks: createHookRunner(options.hooks, { logger, metrics }),
    slowMode: new SlowMode((name, limit) => (options.scaleOut ? options.scaleOut.limiter(name, limit) : new RateLimiter(limit))),
    storedEvents,
    members: new MembershipCache(store),
    attachments,
    notifications: null,
    search: null,
    people: {
      profiles: createProfiles({ nsp, metrics, logger, directory: options.users }),
      reports: new ReportChannel(logger, webhooks ? (notice) => webhooks.notice(notice) : undefined),
    },
    now: Date.now,
  };
  if (options.notifications) {
    ctx.notifications = createNotifications(ctx, options.notifications);
    storedEvents.useQueue(ctx.notifications);
  }
  if (options.search !== false) ctx.search = createSearch(ctx, options.search);
  // Group changes a crash left half made (a store without transactions) get their events now.
  finishLater(ctx);
  // Web Push on: apps learn the key browsers subscribe with.
  const vapidKey = vapidPublicKey(ctx);
  const welcomePush = vapidKey ? { push: { vapidPublicKey: vapidKey } } : {};
  // Frames are limited per connection and per user on this node (whose connections the node
  // counts), so these stay local even with a scale-out.
  const frameBudget = { perConnection: new RateLimiter(rates.frames), perUser: new RateLimiter(rates.userFrames), metrics };
  const userConnections = new UserConnections(options.maxConnectionsPerUser ?? 20);
  let draining = false;
  let inFlight = 0;
  /** Presence updates of connections that just closed, still writing. */
  const departures = new Set<Promise<void>>();
  let drained: (() => void) | undefined;
  const unsubscribeScaleOut = [
    options.scaleOut?.onRecovered(() => {
      logger.warn('cross-node bus recovered: asking local clients to resync');
      emitToRooms(ctx, 'everyone', { type: 'resync', reason: 'bus-recovered' }, { local: true });
    }),
    options.scaleOut?.onError((err) => {
      metrics.redisErrors.inc();
      logger.warn('cross-node bus error', { err });
    }),
  ];

  nsp.use((socket, next) => {
    if (draining) {
      const refusal = new Error('server is shutting down') as Error & { data: unknown };
      refusal.data = { code: ErrorCode.UNAVAILABLE, message: 'server is shutting down', retryable: true };
      return next(refusal);
    }
    authenticateSocket(socket, options.authenticate)
      .then(() => {
        userConnections.hold(socket, (socket.data as SocketData).userId);
        metrics.handshakes.inc({ result: 'ok' });
        next();
      })
      .catch((err: unknown) => {
        const error = ParleyError.from(err, ErrorCode.UNAUTHORIZED);
        metrics.handshakes.inc({ result: errorCodeName(error.code) });
        if (error.code >= 5000) logger.error('handshake failed', { err });
        const refusal = new Error(error.message) as Error & { data: unknown };
        refusal.data = {
          code: error.code,
          message: error.message,
          retryable: error.retryable,
          ...(err instanceof ProtocolRefused ? { oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION } : {}),
        } satisfies HandshakeRefusal;
        next(refusal);
      });
  });

  // Every connection's token expiry, on one timer (deadline-timer.ts).
  const expiries = new DeadlineWheel<Socket>((socket) => socket.disconnect(true));
  nsp.on('connection', (socket) => {
    const { userId, deviceId, expiresAt } = socket.data as SocketData;
    const { protocol } = socket.data as SocketData;
    const edge = createProtocolEdge(protocol);
    const conn: Connection = {
      socket,
      userId,
      deviceId,
      protocol,
      bridged: options.scaleOut !== undefined,
      send: (frame: ServerFrame) => {
        const form = edge.outbound(frame);
        if (form) socket.emit(FRAME_EVENT, form);
      },
    };
    const queue = new KeyedQueue();
    void joinRoom(conn, userRoom(userId));
    conn.send({ type: 'welcome', protocol, userId, deviceId, serverTime: Date.now(), limits: welcomeLimits, ...welcomePush });
    // The size of the frame being decoded, read off the transport so that no frame is serialized
    // again to be measured: the engine emits `packet` and then, synchronously, the decoded event.
    // A frame with binary attachments arrives as a text packet followed by one packet per
    // attachment, and is decoded after the last: all of them count.
    let packetBytes = 0;
    socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
      if (packet.type !== 'message') return;
      const { data } = packet;
      if (typeof data === 'string') packetBytes = Buffer.byteLength(data);
      else packetBytes += data instanceof Uint8Array ? data.byteLength : data instanceof ArrayBuffer ? data.byteLength : 0;
    });
    guardInbound(socket, conn, frameBudget);
    socket.on(FRAME_EVENT, (raw: unknown) => {
      inFlight++;
      void dispatchFrame(ctx, conn, queue, edge.inbound(raw), packetBytes).finally(() => {
        if (--inFlight === 0) drained?.();
      });
    });
    metrics.connections.inc();
    presence.connected(conn).catch((err: unknown) => logger.error('presence: connect failed', { err }));
    socket.on('disconnect', () => {
      if (expiresAt) expiries.delete(expiresAt, socket);
      metrics.connections.dec();
      const leaving = presence.disconnected(conn).catch((err: unknown) => logger.error('presence: disconnect failed', { err }));
      departures.add(leaving);
      void leaving.finally(() => departures.delete(leaving));
    });
    // Armed last: a token already past its expiry disconnects at once, and the handler above must
    // see it. Any expiry works, even beyond setTimeout's 24.8-day range.
    if (expiresAt) expiries.add(expiresAt, socket);
  });

  return {
    api: createChatApi(ctx),
    on: ((type: 'event' | 'report', listener: StoredEventListener | ReportListener) => {
      // The overloads pair each type with its listener.
      if (type === 'event') return storedEvents.on(listener as StoredEventListener);
      if (type === 'report') return ctx.people.reports.on(listener as ReportListener);
      throw new TypeError(`chat.on: unknown event type ${String(type)}`);
    }) as ChatServer['on'],
    webhooks,
    notifications: ctx.notifications ? chatNotifications(ctx) : undefined,
    io,
    nsp,
    rest: createRestHandler(ctx, options.authenticate),
    metrics,
    ops: createOpsHandler({ store, registry: metrics.registry, isDraining: () => draining }),
    async close(closeOptions: { drainMs?: number } = {}) {
      // Stop taking connections, let frames already being handled finish (their ACKs go out),
      // then disconnect everyone: clients reconnect, with jittered backoff, to another node.
      draining = true;
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, closeOptions.drainMs ?? 5_000);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // This node's connections only: through a scale-out adapter a plain disconnect reaches every node.
      nsp.local.disconnectSockets(true);
      // Each connection's presence goes offline through the store: let that finish before the
      // caller closes the store.
      await Promise.allSettled([...departures]);
      presence.close();
      stopBackgroundRetries(ctx);
      // Attempts in flight finish (or are cut by their timeout); what is left stays queued in the store.
      await webhooks?.close();
      await ctx.notifications?.close();
      ctx.search?.close();
      await attachments?.close();
      for (const unsubscribe of unsubscribeScaleOut) unsubscribe?.();
      if (ownsIo) await new Promise<void>((resolve) => void io.close(() => resolve()));
    },
  };
}

interface SocketData {
  userId: string;
  deviceId: string;
  /** The negotiated protocol version. */
  protocol: number;
  expiresAt: number | undefined;
}

async function authenticateSocket(socket: Socket, authenticate: Authenticate): Promise<void> {
  const auth = v.safeParse(HandshakeAuth, socket.handshake.auth);
  if (!auth.success) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'handshake needs { token, deviceId, protocol }');
  const protocol = negotiate(auth.output.protocol);
  if (protocol === null) throw new ProtocolRefused(auth.output.protocol);
  let identity;
  try {
    identity = await authenticate(auth.output.token, {
      deviceId: auth.output.deviceId,
      headers: socket.handshake.headers,
      address: socket.handshake.address,
    });
  } catch (err) {
    throw new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token', { cause: err });
  }
  if (!identity) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token');
  const data: SocketData = { userId: identity.userId, deviceId: auth.output.deviceId, protocol, expiresAt: identity.expiresAt };
  socket.data = data;
}

/** A client older than every version this server speaks: the refusal names the versions it does speak. */
class ProtocolRefused extends ParleyError {
  constructor(clientVersion: number) {
    super(
      ErrorCode.UNSUPPORTED_PROTOCOL,
      `protocol ${clientVersion} is no longer supported: this server speaks ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}; update the app`,
    );
  }
}

function effectiveLimits(overrides: Partial<LimitsShape> = {}): LimitsShape {
  const out: Record<string, number> = { ...Limits };
  for (const [key, value] of Object.entries(overrides)) {
    const max = (Limits as Record<string, number>)[key];
    if (max === undefined || typeof value !== 'number') continue;
    out[key] = Math.min(value, max);
  }
  return out as LimitsShape;
}

export type { IncomingMessage, ServerResponse };

const DAY_MS = 24 * 60 * 60 * 1000;

function messageOptions(options: MessageOptions = {}): Required<MessageOptions> {
  const editWindowMs = options.editWindowMs ?? DAY_MS;
  if (!(editWindowMs >= 0)) throw new TypeError('messages.editWindowMs must be a number of ms ≥ 0 (or Infinity)');
  return { editWindowMs, keepEditHistory: options.keepEditHistory ?? false };
}
