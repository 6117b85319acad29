import type {
  ConversationPatch,
  ConversationSummary,
  CustomData,
  MemberRole,
  ParleyError,
  UserPresence,
  UserProfile,
  UserSettings,
} from '@parley/protocol';
import type { MemberReceiptStatus } from './state/receipts.js';
import type { ClientStorage } from './storage/client-storage.js';
import type { TabsOption } from './tabs/tab-environment.js';
import type { FileInput } from './files/file-input.js';
import type { FileUploader } from './files/put-file.js';

/** A Web Push subscription as the browser's `PushSubscription.toJSON()` gives it. */
export interface PushSubscriptionInput {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

/**
 * Where the connection stands:
 * - `idle`: created with `autoConnect: false`, `connect()` not called yet;
 * - `connecting`: the first attempt is under way;
 * - `online`: the server welcomed this connection;
 * - `reconnecting`: lost or refused; the next attempt is at `nextAttemptAt`;
 * - `offline`: the runtime reports no network; attempts resume when it comes back;
 * - `unauthorized`: the server refused the credentials (or `getToken` rejected with an
 *   UNAUTHORIZED `ParleyError`); no more attempts until `connect()` or `onAuthError`'s `retry()`;
 * - `upgrade-required`: the server no longer speaks this app's protocol version: only an update of
 *   the app helps (ask the user to reload). The outbox is kept and goes out from the updated app;
 *   no more attempts until `connect()`;
 * - `server-outdated`: the server is older than this app's protocol version (typically a node not
 *   yet upgraded in a rolling deploy); attempts go on, slowly, until one reaches a server that
 *   speaks it; the outbox waits;
 * - `closed`: `close()` was called.
 */
export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'online'
  | 'reconnecting'
  | 'offline'
  | 'unauthorized'
  | 'upgrade-required'
  | 'server-outdated'
  | 'closed';

/**
 * @example
 * const { status, nextAttemptAt, lastError } = chat.getSnapshot().connection;
 * if (status === 'reconnecting' && nextAttemptAt) showRetryIn(nextAttemptAt - Date.now(), lastError?.message);
 */
export interface ConnectionState {
  readonly status: ConnectionStatus;
  /** Consecutive failed attempts; 0 once online. */
  readonly attempt: number;
  /** Epoch ms of the next scheduled attempt while `reconnecting`. */
  readonly nextAttemptAt?: number;
  /** Why the last attempt or connection failed. */
  readonly lastError?: ParleyError;
}

export type { AttachmentView, FailedChange, MessageView, ReactionView, ReplyView, SystemItem, TimelineItem, UploadProgress } from './message-types.js';
import type { MessageView, TimelineItem } from './message-types.js';
export type { LoadAroundResult, SearchHitView, SearchOptions, SearchResults, TimelineWindowView } from './search-types.js';
import type { LoadAroundResult, SearchOptions, SearchResults, TimelineWindowView } from './search-types.js';

/**
 * A conversation summary with the locally maintained unread count and read watermark.
 *
 * @example
 * const badge = chat.getConversation(id)?.unread ?? 0;
 */
export interface ConversationView extends ConversationSummary {
  readonly unread: number;
  /** Of the unread messages, those that mention this user (the protocol's `isUnreadMention`). */
  readonly unreadMentions: number;
  readonly readSeq: number;
  /** Whether older events exist than the oldest loaded one (see `loadOlder`). */
  readonly hasOlder: boolean;
  /**
   * Whether the user muted this conversation and `mutedUntil` is still ahead: stay quiet about it
   * (no sound, no badge highlight). The view flips back by itself when `mutedUntil` passes.
   * (Inherited from the summary and kept current from the log: `admins`, `ownerId`, this user's
   * `role`, `title`, `image`, `description`, `custom`, `slowModeMs`, `mutedUntil`.)
   *
   * @example
   * const isAdmin = c.role === 'owner' || c.role === 'admin';
   * <Row title={c.title} dimmed={c.muted} />
   */
  readonly muted: boolean;
}

/**
 * An immutable picture of the client; a new object only when something in it changed.
 *
 * @example
 * const snapshot = useSyncExternalStore(chat.subscribe, chat.getSnapshot, chat.getSnapshot);
 */
export interface ChatSnapshot {
  readonly connection: ConnectionState;
  /** The authenticated user, once a server welcomed the client. */
  readonly userId: string | null;
  /** Newest activity first. */
  readonly conversations: readonly ConversationView[];
  /**
   * Per conversation: the main timeline's confirmed messages by seq, then own pending/failed ones
   * in creation order (thread replies: `getThread`).
   */
  readonly messages: Readonly<Record<string, readonly MessageView[]>>;
  /** Per conversation: the ids of other users typing now; indicators expire by themselves. */
  readonly typing: Readonly<Record<string, readonly string[]>>;
  /** Presence of the users followed with `subscribePresence`. */
  readonly presence: Readonly<Record<string, UserPresence>>;
  /**
   * The users this user blocks (private to them), as the server last said; empty until the first
   * connection read it (or the cache had it). Apps hide or collapse their messages in groups.
   */
  readonly blocks: readonly string[];
  /**
   * The profiles fetched so far (`getUser`), by user id, as the app's server describes them; ids
   * the app does not know are absent.
   */
  readonly users: Readonly<Record<string, UserProfile>>;
  /**
   * The limits the server's last `welcome` announced, by name (the `Limits` keys, and
   * `editWindowMs` when edits have a window); empty until a server welcomed this client.
   * `maxAttachmentBytes` is 0 when the server takes no files: hide the attach button.
   *
   * @example
   * const canAttach = (chat.getSnapshot().limits.maxAttachmentBytes ?? 0) > 0;
   */
  readonly limits: Readonly<Record<string, number>>;
  /**
   * Per conversation: the detached window of its timeline the user jumped to (`loadAround`),
   * which `getTimeline` shows instead of the newest messages; absent when none is open.
   */
  readonly windows: Readonly<Record<string, TimelineWindowView>>;
}

/**
 * Structured logging; pass pino, console-like or your own.
 *
 * @example
 * createChatClient({ url, getToken, logger: { debug() {}, info: console.info, warn: console.warn, error: console.error } });
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What `onAuthError` may do besides signing the user out.
 *
 * @example
 * onAuthError: async (error, { retry }) => { if (await session.refresh()) retry(); else showSignIn(); }
 */
export interface AuthErrorActions {
  /** Connects again (as `connect()` does): `getToken` is asked afresh. */
  retry(): void;
}

/**
 * @example
 * createChatClient({ url: 'https://chat.example.com', getToken, reconnect: { baseMs: 1000, maxMs: 60_000 } });
 */
export interface ChatClientOptions {
  /**
   * Server origin, e.g. `https://chat.example.com`, or several nodes of one cluster: each
   * attempt after a failed or lost connection goes to the next one in the list (round robin,
   * with the usual backoff and jitter), starting with the first.
   */
  url: string | readonly string[];
  /**
   * Called before every connection attempt, so expired tokens get refreshed. Rejecting with a
   * `ParleyError` of code UNAUTHORIZED means "signed out": the connection goes `unauthorized`.
   * Any other failure (a network error) is retried with backoff.
   */
  getToken: () => Promise<string> | string;
  /**
   * The connection went `unauthorized` (the server refused the token, e.g. it expired and the
   * refresh gave no valid one, or `getToken` rejected with UNAUTHORIZED). Refresh the session
   * and call `retry()`, or sign the user out. Meanwhile requests reject at once with
   * UNAUTHORIZED and `send()` keeps queueing to the outbox. Default: none (the app calls
   * `connect()` when it has new credentials).
   */
  onAuthError?: (error: ParleyError, actions: AuthErrorActions) => void;
  /** Outbox, meta and cache. Default: `createMemoryStorage()`. */
  storage?: ClientStorage;
  /** Stable id of this installation. Default: generated once and kept in `storage` meta. */
  deviceId?: string;
  /** socket.io path. Default `/parley/socket.io`. */
  path?: string;
  /** socket.io transports. Default `['websocket']`. */
  transports?: ('websocket' | 'polling' | 'webtransport')[];
  /** Resend an un-acked message after this long while online. Default 10 000. */
  ackTimeoutMs?: number;
  /** Give up on an unanswered request after this long. Default 15 000. */
  requestTimeoutMs?: number;
  /** Reconnect and retry backoff: delay = random(0, min(maxMs, baseMs·2^attempt)). Default 500 / 30 000. */
  reconnect?: { baseMs?: number; maxMs?: number };
  /** Receives diagnostics (invalid frames, storage failures). Default: silent. */
  logger?: Logger;
  /** Connect at creation. Default true. */
  autoConnect?: boolean;
  /** Delivered receipts are sent in batches, at most this long after a message arrives. Default 300. */
  deliveredDelayMs?: number;
  /** `typing()` sends at most one frame per conversation per this interval. Default 2000. */
  typingThrottleMs?: number;
  /**
   * How the bytes of a file are PUT to the URL the server signed for them. Default: XMLHttpRequest
   * where there is one (browsers, React Native: progress as the bytes go), else fetch (Node).
   */
  uploadFile?: FileUploader;
  /**
   * Several tabs of one app on storage they share (IndexedDB). `'auto'` (default): the tabs elect
   * one leader (Web Locks) that holds the only connection and flushes the shared outbox, and
   * share its state with the others (BroadcastChannel); where either API is missing, or the
   * storage is private (memory), the client runs on its own. `'single'`: every tab connects and
   * flushes the outbox itself (the server's dedup still keeps each message single). Or pass the
   * two APIs yourself.
   */
  tabs?: TabsOption;
}

/**
 * What `loadOlder` fetched.
 *
 * @example
 * const { hasMore } = await chat.loadOlder(id);
 */
export interface LoadOlderResult {
  /** Events added to the log (messages and membership changes). */
  readonly loaded: number;
  /** Whether still older events exist. */
  readonly hasMore: boolean;
}

/**
 * What a message says, when it is more than text: `text`, app data (`custom`: a plain JSON object
 * of at most `Limits.maxCustomBytes` bytes, stored and delivered as is), or both (one at least).
 *
 * @example
 * await chat.send(id, { text: 'Order shipped', custom: { kind: 'order', orderId: 'A-1042' } });
 */
export interface MessageContent {
  text?: string;
  custom?: CustomData;
}

/**
 * What `send()` takes: a message's text and app data, and files (`attachments`: at most
 * `maxAttachmentsPerMessage`, each at most the server's `maxAttachmentBytes`, see `FileInput`).
 * Files alone make a message too. An edit changes text and custom data only: files stay.
 *
 * @example
 * await chat.send(id, { text: 'photos from Sunday', attachments: [...input.files] });
 * await chat.send(id, { attachments: [await fileFromPath('./report.pdf')] }); // Node
 */
export interface SendContent extends MessageContent {
  attachments?: readonly FileInput[];
}

/**
 * Options of one `send()`.
 *
 * @example
 * await chat.send(id, draft.text, { clientMsgId: draft.id }); // draft.id = uuidv7() when the draft began
 * await chat.send(id, '@bob see above', { replyTo: message.id, mentions: ['bob'] });
 */
export interface SendOptions {
  /**
   * The id (`MessageView.id`) of a stored message of the same conversation this one replies to.
   * The server quotes it (`replyTo` of the stored message); an id that is not a message of this
   * conversation fails the message with NOT_FOUND.
   */
  replyTo?: string;
  /**
   * Users the message mentions (at most `Limits.maxMentions`, each once): members of the
   * conversation, else the message fails with FORBIDDEN. They count it in `unreadMentions`.
   */
  mentions?: readonly string[];
  /**
   * Sends the message as a reply in the thread of this top-level message (its `MessageView.id`):
   * it shows in `chat.getThread(conversationId, threadId)`, not in `getMessages`, and the root's
   * `replyCount` grows. A deleted root keeps its thread and takes replies, as the server does.
   * A root that is not a top-level message of the conversation fails the message (NOT_FOUND);
   * one the client holds as a thread reply (threads are one level deep) is refused at once
   * (BAD_FRAME).
   */
  threadId?: string;
  /**
   * The message's id, when the app already has one (e.g. for a draft): a lowercase UUIDv7, as
   * `uuidv7()` makes. Sending again with the same id is a no-op that resolves with the same
   * message (the server stores it once). Unsent messages go out in id order, so an id made
   * earlier puts its message before those queued after it. Default: a fresh `uuidv7()`.
   */
  clientMsgId?: string;
}

/**
 * Options of `removeMembers`.
 *
 * @example
 * await chat.removeMembers(groupId, ['spammer'], { ban: true });
 */
export interface RemoveMembersOptions {
  /** Also ban them: they cannot be added back until `unban`. */
  ban?: boolean;
}

/**
 * What `chat.on(type, listener)` hands each listener, by type. Derived from state changes, so
 * every tab fires them once per change:
 * - `message`: a message entered a conversation's log above what the client knew of it (a push, a
 *   catch-up sync after being away, the user's own message once stored). Not fired for history:
 *   conversations first learned of (first sync, cache load), `loadOlder` pages.
 * - `ack`: one of the user's own queued messages or changes (edit, delete, reaction) is stored (by
 *   this device or seen via another path).
 * - `connection`: the connection status changed.
 * - `error`: a queued message or change failed for good (the message's `status: 'failed'`, or its
 *   `failedChanges`), or the server reported an error that answered no request.
 *
 * @example
 * const off = chat.on('message', (m) => { if (m.senderId !== chat.getSnapshot().userId) ding(); });
 */
export interface ChatEvents {
  message: MessageView;
  ack: { readonly clientMsgId: string; readonly conversationId: string; readonly seq: number; readonly id: string };
  connection: ConnectionState;
  error: { readonly error: ParleyError; readonly clientMsgId?: string; readonly conversationId?: string };
}

/**
 * The client returned by `createChatClient`.
 *
 * @example
 * const { id } = await chat.createGroup({ title: 'team', members: ['bob', 'carol'] });
 * await chat.send(id, 'hello team');
 * chat.markRead(id);
 */
export interface ChatClient {
  /**
   * Queues a message: it is in the outbox and shown as `pending` when the promise resolves.
   * `content` is the text, or `{ text?, custom?, attachments? }`. Rejects with a BAD_FRAME
   * `ParleyError` whose message a user can read ("A message can't be empty", "A message can be
   * at most 8,000 characters…", "“movie.mkv” is 2.1 GB: files can be at most 25 MB here", "This
   * server takes no files") and stores nothing, so keep the draft.
   *
   * Files: their bytes are stored with the message (`ClientStorage.files`: IndexedDB, the file
   * storage's directory, or memory) before the promise resolves, then uploaded in the background
   * (the view's `attachments[i].progress`), resumed after going offline, a reload or a change of
   * the tab holding the connection. The message is sent once every file is uploaded, and holds
   * back the later messages of its conversation meanwhile; a file the server refuses (type,
   * size, quota) fails the message (`status: 'failed'`, `error`). In a browser, images get their
   * `width`, `height` and a tiny `preview` computed here.
   *
   * @example
   * await chat.send(id, 'hello');
   * await chat.send(id, { text: 'the contract', attachments: [file] }, { replyTo: m.id });
   */
  send(conversationId: string, content: string | SendContent, options?: SendOptions): Promise<MessageView>;
  /**
   * Queues an edit of one of the user's own messages: `content` replaces its text and custom data
   * (mentions, reply and thread stay). `messageId` is the message's `id`, or its `clientMsgId`
   * (a pending message has no id yet). Resolves with the message as shown, the new content on it,
   * once the edit is queued (like `send`, offline too). An unsent message is edited in place (one
   * SEND). Rejects before queueing: BAD_FRAME for bad content, NOT_FOUND for a message the client
   * does not hold or that is deleted, FORBIDDEN for someone else's message or one past its
   * `editableUntil` (the server's edit window).
   */
  edit(conversationId: string, messageId: string, content: string | MessageContent): Promise<MessageView>;
  /**
   * Queues the delete of a message (the user's own; in a group its owner may delete any). Resolves
   * once queued; the message shows as a tombstone (`deleted: true`) at once. An unsent message is
   * simply dropped from the outbox. Deleting a deleted message does nothing. Rejects before
   * queueing: NOT_FOUND for a message the client does not hold, FORBIDDEN when not allowed.
   */
  delete(conversationId: string, messageId: string): Promise<void>;
  /**
   * Queues a reaction (`key`: an emoji or a short name, see `Limits.maxReactionKeyLength`).
   * Resolves with the message as shown, the reaction counted as `mine`. Reacting with a key the
   * user holds already does nothing. Rejects before queueing: BAD_FRAME for a bad key, NOT_FOUND
   * for a message not held or deleted, LIMIT_EXCEEDED past `maxReactionsPerUser` /
   * `maxReactionKeysPerMessage`.
   */
  react(conversationId: string, messageId: string, key: string): Promise<MessageView>;
  /** Takes a reaction back; the reverse of `react` (a key the user does not hold: nothing to do). */
  unreact(conversationId: string, messageId: string, key: string): Promise<MessageView>;
  /**
   * Fetches a page of a thread's replies (`rootId`: the root's `id`): the newest first, then older
   * ones on each further call, like `loadOlder`. Replies then show in `getThread`.
   */
  loadThread(conversationId: string, rootId: string, limit?: number): Promise<LoadOlderResult>;
  /** Sends a failed message or change again with the same clientMsgId. */
  retry(clientMsgId: string): Promise<void>;
  /**
   * Drops a failed (or still pending) message or change from the outbox and the view. A message
   * whose files are uploading is cancelled: the upload stops and the bytes kept on this device
   * are deleted before the promise resolves (a message already on its way may still be stored).
   */
  discard(clientMsgId: string): Promise<void>;
  /**
   * A URL that serves a file of a message of `conversationId` (its `AttachmentView.id`): signed,
   * short-lived, absolute. Calls within one tick are asked in one request; a URL is reused until
   * shortly before it expires, so ask again (or use `useAttachmentUrl`) rather than keep it.
   * Rejects with NOT_FOUND when the user may not see that file (not a member, deleted message),
   * UNAVAILABLE offline.
   *
   * @example
   * const url = await chat.getAttachmentUrl(m.conversationId, m.attachments![0]!.id!);
   * img.src = url;
   */
  getAttachmentUrl(conversationId: string, attachmentId: string): Promise<string>;
  /**
   * The bytes of a file of a pending message (its `AttachmentView.localId`), kept on this device
   * until the message is stored: show a pending image from them at once. Undefined once gone.
   *
   * @example
   * const blob = await chat.getLocalFile(a.localId!);
   * if (blob) img.src = URL.createObjectURL(blob);
   */
  getLocalFile(localId: string): Promise<Blob | undefined>;
  openDirect(userId: string): Promise<ConversationSummary>;
  createGroup(input: { title?: string; members: string[] }): Promise<ConversationSummary>;
  addMembers(conversationId: string, userIds: string[]): Promise<ConversationSummary>;
  /**
   * Removes members from a group: the user themselves (leave), or others as the owner or an admin
   * (an admin removes members only). With `ban: true` they are also banned: nobody can add them
   * back until `unban`. Rejects with FORBIDDEN when the user's role does not allow it.
   */
  removeMembers(conversationId: string, userIds: string[], options?: RemoveMembersOptions): Promise<ConversationSummary>;
  /**
   * Changes a group's details (the owner or an admin): `title`, `image` (an https URL),
   * `description`, `custom` (the app's data, replaced whole) and `slowModeMs`; `null` clears one.
   * Every member's view follows from the `conversation.updated` event (a timeline line too).
   *
   * @example
   * await chat.updateConversation(id, { title: 'Launch crew', slowModeMs: 30_000 });
   */
  updateConversation(conversationId: string, patch: ConversationPatch): Promise<ConversationSummary>;
  /**
   * Sets a member's role (the owner only): `admin` or `member`; `owner` hands the ownership over
   * (the user becomes an admin). Members see it through the `members.role` event.
   */
  setRole(conversationId: string, userId: string, role: MemberRole): Promise<ConversationSummary>;
  /** The users banned from a group (owner or admin). */
  getBans(conversationId: string): Promise<string[]>;
  /** Lifts bans (owner or admin); resolves with the users still banned. */
  unban(conversationId: string, userIds: string[]): Promise<string[]>;
  /**
   * Mutes a conversation for this user (all their devices) until `until` (epoch ms); without it,
   * until `unmute`. The view's `muted` and `mutedUntil` follow; private to the user.
   */
  mute(conversationId: string, until?: number): Promise<ConversationSummary>;
  unmute(conversationId: string): Promise<ConversationSummary>;
  /**
   * What this user is notified of in one conversation while away: `all`, `mentions`, or `null` for
   * their own level (`updateSettings({ notify })`). Private; the summary's `notify` follows on all
   * their devices. Muting silences a conversation whatever this says.
   *
   * @example
   * await chat.setNotify(bigGroupId, 'mentions');
   */
  setNotify(conversationId: string, level: 'all' | 'mentions' | null): Promise<ConversationSummary>;
  /**
   * Whether the server sends Web Push, and the VAPID public key to subscribe with; null when it
   * sends none (hide "Enable notifications"). Waits for the connection's welcome if there is none
   * yet (UNAVAILABLE after the request timeout).
   *
   * @example
   * const push = await chat.getPushConfig();
   * if (push) {
   *   const sub = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: push.vapidPublicKey });
   *   await chat.registerPush(sub.toJSON());
   * }
   */
  getPushConfig(): Promise<{ vapidPublicKey: string } | null>;
  /**
   * Registers this device's Web Push subscription (`PushSubscription.toJSON()`), replacing its
   * previous one: the user's notifications reach it while away. FORBIDDEN when the server sends no
   * Web Push, BAD_FRAME for a subscription it cannot use.
   */
  registerPush(subscription: PushSubscriptionInput): Promise<void>;
  /** This device gets no more Web Push (notifications turned off here); idempotent. `signOut()` does not call it for you. */
  unregisterPush(): Promise<void>;
  /**
   * Blocks a user: neither can open a direct conversation with the other, write in their existing
   * one, or add the other to a group; they don't see each other's presence or typing. Resolves
   * with the block list after the change (all the user's devices get it).
   */
  block(userId: string): Promise<readonly string[]>;
  unblock(userId: string): Promise<readonly string[]>;
  /** The users this user blocks (`getSnapshot().blocks`). */
  getBlocks(): readonly string[];
  isBlocked(userId: string): boolean;
  /**
   * A user's profile (name, image, the app's data) if fetched already, else `undefined`, and the
   * fetch starts: every id asked within one tick goes in one request. Subscribers are told when
   * profiles arrive; a profile the app changes (`users.changed`) is fetched again.
   *
   * @example
   * const name = chat.getUser(m.senderId)?.name ?? m.senderId;
   */
  getUser(userId: string): UserProfile | undefined;
  /** Fetches profiles (batched with `getUser`'s) and resolves with those the app knows. */
  loadUsers(userIds: readonly string[]): Promise<UserProfile[]>;
  /** People whose name matches `query`, as the app's server decides (a people picker). */
  searchUsers(query: string): Promise<UserProfile[]>;
  /**
   * Reports a message of a conversation the user is a member of to the app's moderators, with a
   * reason; reporting it again updates the reason. Resolves with the report's id.
   */
  report(conversationId: string, messageId: string, reason: string): Promise<string>;
  /**
   * Fetches the page of events before the oldest loaded one; while a window is open
   * (`loadAround`), the page before the window's oldest event, added to the window.
   */
  loadOlder(conversationId: string, limit?: number): Promise<LoadOlderResult>;
  /**
   * Searches the user's messages: online the server (authoritative: only conversations the user
   * is a member of, edited messages by their current text, deleted ones never), plus the user's
   * own messages still in the outbox that match; offline (not connected, or the request failed
   * on the network or timed out) what this device holds: the cached messages of every
   * conversation still held (read from storage a page at a time per conversation, never the
   * whole cache at once) and the outbox, matched by the same rule as the server
   * (`matchSearch` of `@parley/protocol`), current text only, deleted never. Marked by `source`
   * and `offline` (see `SearchResults`). Rejects with BAD_FRAME for an empty or too long query
   * or a bad option, RATE_LIMITED when the server says the user searches too often, NOT_FOUND
   * for a `conversationId` the user is not a member of.
   *
   * @example
   * const { hits, offline, cursor } = await chat.search('quarterly report', { order: 'relevance' });
   * hits.map((h) => <Result key={`${h.conversationId}:${h.seq}`} hit={h} onClick={() => chat.loadAround(h.conversationId, h.seq)} />);
   */
  search(query: string, options?: SearchOptions): Promise<SearchResults>;
  /**
   * Loads the timeline around `seq` so the view can scroll there: a search hit, a quoted message
   * (`m.replyTo.seq`), the first unread (`conversation.readSeq + 1`). A seq in the cached,
   * gap-free timeline is answered from the cache (no request, and an open window closes). Any
   * other is fetched (`history` around it) and, unless it reaches the cached timeline, kept as a
   * detached window (`getSnapshot().windows[id]`) that `getTimeline` shows: `loadOlder` and
   * `loadNewer` page it, and it joins the cache when a newer page reaches it. The cache itself
   * never holds a gap. With `threadId`, the thread's replies are paged (`loadThread`) until `seq`
   * is held, and `getThread` shows it. `limit`: events in the window (default 50).
   *
   * @example
   * await chat.loadAround(id, m.replyTo!.seq!);
   * document.getElementById(`msg-${m.replyTo!.seq}`)?.scrollIntoView({ block: 'center' });
   */
  loadAround(conversationId: string, seq: number, options?: { threadId?: string; limit?: number }): Promise<LoadAroundResult>;
  /**
   * Pages an open window forward (newer events), joining it to the cached timeline once it
   * reaches it (the window then closes: the timeline shows the cache, newest messages included).
   * `hasMore`: still newer events than the window's newest. Without a window: nothing to load.
   */
  loadNewer(conversationId: string, limit?: number): Promise<LoadOlderResult>;
  /** Closes the conversation's window: `getTimeline` shows the newest messages again ("jump to latest"). */
  closeWindow(conversationId: string): void;
  /** Moves the read watermark (default: the newest held seq) and tells the server. */
  markRead(conversationId: string, seq?: number): void;
  /** Each other member's status for one of the user's messages (small conversations only). */
  getReceipts(conversationId: string, seq: number): readonly MemberReceiptStatus[];
  /** The user is typing: call on every keystroke; throttled, and others' indicators expire by themselves. */
  typing(conversationId: string): void;
  /** Follows users' presence (only those who share a conversation; the others come back `denied`). */
  subscribePresence(userIds: readonly string[]): Promise<{ denied: string[] }>;
  unsubscribePresence(userIds: readonly string[]): void;
  /** Marks this device idle (`away`) or active; the user is `online` while any device is active. */
  setAway(away: boolean): void;
  /**
   * Says these conversations are on screen. Conversations above the server's fan-out threshold
   * push live events only to watching connections; the client also catches up on them at once.
   * Counted: each `watch` needs one `unwatch`. Kept across reconnects.
   */
  watch(conversationIds: readonly string[]): void;
  unwatch(conversationIds: readonly string[]): void;
  /** The user's privacy settings, kept by the server for all their devices. */
  getSettings(): Promise<UserSettings>;
  /**
   * Changes settings: hide read receipts, presence or last seen; `notify` (`all`, `mentions`,
   * `none`): what the user is notified of while away, in every conversation without its own choice.
   */
  updateSettings(patch: Partial<UserSettings>): Promise<UserSettings>;
  connect(): void;
  /**
   * Stops timers, listeners and the socket. Pending requests reject; the outbox stays in storage.
   * Resolves once what the client had queued for its storage has landed: await it before opening
   * another client on the same storage (a reload in place, a user switch without sign-out).
   */
  close(): Promise<void>;
  /**
   * Closes, then deletes the user's local data (outbox, cache, device id) from `storage`: for
   * sign-out on a shared device. Messages still queued are discarded (check
   * `getSnapshot().messages` for `pending` ones first). In tabs, every tab of the storage closes.
   */
  signOut(): Promise<void>;
  /** Listens to one kind of event (see `ChatEvents`); returns the unsubscribe. */
  on<K extends keyof ChatEvents>(type: K, listener: (event: ChatEvents[K]) => void): () => void;
  subscribe(listener: () => void): () => void;
  getSnapshot(): ChatSnapshot;
  getConversation(conversationId: string): ConversationView | undefined;
  /**
   * A conversation's main timeline: top-level messages by seq (tombstones included), then the
   * user's pending ones. Thread replies are not in it: their root shows `replyCount`.
   */
  getMessages(conversationId: string): readonly MessageView[];
  /**
   * A conversation's main timeline with its membership changes: the messages of `getMessages`
   * and a `SystemItem` per change held (created, added, removed, left, ownership passed on,
   * details changed, roles changed), in
   * seq order, the user's pending messages last. The same array while nothing in it changed.
   * While a window is open (`loadAround`, `getSnapshot().windows[id]`), the window instead: its
   * messages and lines from `fromSeq` to `toSeq`, live changes folded in, no pending messages
   * (they come after the newest); `getMessages` keeps showing the cached timeline.
   */
  getTimeline(conversationId: string): readonly TimelineItem[];
  /**
   * A thread's replies (`rootId`: the root's `id`) by seq, then the user's pending replies: what
   * the client holds (`loadThread` fetches the rest). The same array while nothing in it changed.
   */
  getThread(conversationId: string, rootId: string): readonly MessageView[];
}
