import { ErrorCode, Limits, ParleyError, parseClientFrame, type ConversationSummary } from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import type { ClientStorage, OutboxEntry } from '../storage/client-storage.js';
import { applyRead, initialChatState, type ChatState } from '../state/chat-state.js';
import { findEntry, newEntry, putEntry } from '../state/outbox.js';
import { createSnapshotBuilder } from '../state/views.js';
import { loadCachedConversations } from '../client/persistence.js';
import type { Timers } from '../core/timers.js';
import type { ChatClient, LoadOlderResult, Logger, MessageView } from '../types.js';
import { applyUpdate, diffUpdate, fullUpdate, type StateUpdate } from './state-sync.js';
import { memberStatuses } from '../state/receipts.js';
import { isTabMessage, type TabMessage } from './tab-messages.js';
import type { TabEnvironment } from './tab-environment.js';

/** A full client running in the leading tab. */
export interface ChatCore {
  readonly client: ChatClient;
  /** Takes a message another tab stored in the shared outbox. */
  adoptOutboxEntry(entry: OutboxEntry): void;
}

export interface TabClientOptions {
  storage: ClientStorage & { readonly scope: string };
  env: TabEnvironment;
  timers: Timers;
  logger: Logger;
  requestTimeoutMs: number;
  autoConnect: boolean;
  /** Starts the full client when this tab leads, from the state the tab already shows. */
  createCore(start: { initialState: ChatState; onCommit(before: ChatState, after: ChatState): void }): ChatCore;
}

interface Call {
  resolve(value: unknown): void;
  reject(error: ParleyError): void;
  timer: unknown;
}

/**
 * One client per tab, one connection per origin: the tabs elect a leader with a Web Lock. The
 * leader runs the full client (socket, outbox, sync) and shares its state on a BroadcastChannel;
 * the others show that state, store their sends in the shared outbox and forward every other call
 * to the leader. When the leader goes (tab closed, crashed, `close()`), the browser releases its
 * lock, the next tab in line takes it, reads the outbox from storage and resends what was not
 * acked with the same clientMsgId, so nothing is lost and the server's dedup keeps it single.
 */
export function createTabClient(options: TabClientOptions): ChatClient {
  const { storage, env, timers, logger } = options;
  const tabId = uuidv7();
  const listeners = new Set<() => void>();
  const buildSnapshot = createSnapshotBuilder();
  const calls = new Map<string, Call>();
  /** This tab's sends the leader has not shown back yet: kept visible meanwhile. */
  const unconfirmed = new Map<string, OutboxEntry>();
  let state = initialChatState({ status: options.autoConnect ? 'connecting' : 'idle', attempt: 0 });
  let snapshot = buildSnapshot(state);
  let role: 'idle' | 'follower' | 'leader' = 'idle';
  let core: ChatCore | null = null;
  let channel: ReturnType<TabEnvironment['openChannel']> | null = null;
  let abort: AbortController | null = null;
  let releaseLock: (() => void) | null = null;
  let heardLeader = false;

  const show = (next: ChatState) => {
    if (next === state) return;
    state = next;
    const nextSnapshot = buildSnapshot(next);
    if (nextSnapshot === snapshot) return;
    snapshot = nextSnapshot;
    for (const listener of [...listeners]) listener();
  };

  const post = (message: TabMessage) => channel?.postMessage(message);
  const isLeader = () => role === 'leader';

  /** The leader's state, plus this tab's sends it has not taken in yet. */
  const withUnconfirmed = (next: ChatState): ChatState => {
    let outbox = next.outbox;
    for (const [id, entry] of [...unconfirmed]) {
      const settled = next.conversations.get(entry.conversationId)?.events.some((e) => e.kind === 'message' && e.clientMsgId === id);
      if (settled || findEntry(next.outbox, id)) unconfirmed.delete(id);
      else outbox = putEntry(outbox, entry);
    }
    return outbox === next.outbox ? next : { ...next, outbox };
  };

  const failCalls = (error: ParleyError) => {
    for (const [id, call] of [...calls]) {
      calls.delete(id);
      timers.clearTimeout(call.timer);
      call.reject(error);
    }
  };

  function becomeLeader(): void {
    role = 'leader';
    unconfirmed.clear();
    // Calls the previous leader took will get no answer; they are not repeated (not all are idempotent).
    failCalls(new ParleyError(ErrorCode.UNAVAILABLE, 'the tab holding the connection went away'));
    core = options.createCore({
      initialState: state,
      onCommit: (before, after) => {
        if (role !== 'leader') return;
        show(after);
        const update = diffUpdate(before, after);
        if (update) post({ kind: 'state', from: tabId, update });
      },
    });
    post({ kind: 'state', from: tabId, update: fullUpdate(state) });
  }

  function onMessage(data: unknown): void {
    if (!isTabMessage(data)) return;
    const message = data;
    if (role === 'leader' && core) {
      const leader = core;
      if (message.kind === 'hello') post({ kind: 'state', from: tabId, update: fullUpdate(state) });
      else if (message.kind === 'adopt') leader.adoptOutboxEntry(message.entry);
      else if (message.kind === 'call') answer(leader.client, message);
      return;
    }
    if (message.kind === 'state') {
      heardLeader = true;
      show(withUnconfirmed(applyUpdate(state, message.update as StateUpdate)));
    } else if (message.kind === 'reply' && message.to === tabId) {
      const call = calls.get(message.id);
      if (!call) return;
      calls.delete(message.id);
      timers.clearTimeout(call.timer);
      if (message.ok) call.resolve(message.value);
      else call.reject(new ParleyError((message.error?.code ?? ErrorCode.INTERNAL) as ErrorCode, message.error?.message ?? 'failed'));
    }
  }

  function answer(client: ChatClient, message: Extract<TabMessage, { kind: 'call' }>): void {
    const reply = (result: { ok: true; value: unknown } | { ok: false; error: { code: number; message: string } }) =>
      post({ kind: 'reply', from: tabId, to: message.from, id: message.id, ...result });
    invoke(client, message.method, message.args).then(
      (value) => reply({ ok: true, value }),
      (err: unknown) => {
        const error = ParleyError.from(err);
        reply({ ok: false, error: { code: error.code, message: error.message } });
      },
    );
  }

  /** Runs a method here if this tab leads, otherwise on the leader. */
  function call<T>(method: string, args: unknown[]): Promise<T> {
    if (role === 'leader' && core) return invoke(core.client, method, args) as Promise<T>;
    if (role === 'idle') return Promise.reject(new ParleyError(ErrorCode.UNAVAILABLE, 'not connected (idle)'));
    return new Promise<T>((resolve, reject) => {
      const id = uuidv7();
      const timer = timers.setTimeout(() => {
        calls.delete(id);
        reject(new ParleyError(ErrorCode.TIMEOUT, `${method} got no answer from the leading tab in time`));
      }, options.requestTimeoutMs);
      calls.set(id, { resolve: (value) => resolve(value as T), reject, timer });
      post({ kind: 'call', from: tabId, id, method, args });
    });
  }

  // Shows the cached history and outbox at once, before (or without) any leader.
  void (async () => {
    try {
      const [entries, conversations] = await Promise.all([storage.outbox.list(), loadCachedConversations(storage, Limits.syncTailEvents)]);
      const userId = (await storage.meta.get('userId')) ?? null;
      if (heardLeader || isLeader()) return;
      show({ ...state, userId: state.userId ?? userId, conversations: new Map([...conversations, ...state.conversations]), outbox: entries });
    } catch (err) {
      logger.error('parley: could not read storage', { error: String(err) });
    }
  })();

  const client: OwnMethods = {
    async send(conversationId, text) {
      if (role === 'leader' && core) return core.client.send(conversationId, text);
      if (role === 'idle' && state.connection.status === 'closed') throw new ParleyError(ErrorCode.UNAVAILABLE, 'the client is closed');
      const entry = newEntry(uuidv7(), conversationId, text, timers.now());
      const parsed = parseClientFrame({ type: 'send', conversationId, clientMsgId: entry.clientMsgId, data: { text } });
      if (!parsed.ok) throw new ParleyError(ErrorCode.BAD_FRAME, parsed.message);
      await storage.outbox.put(entry);
      // Leadership may have come to this tab while the entry was being written.
      if (role === 'leader' && core) core.adoptOutboxEntry(entry);
      else {
        unconfirmed.set(entry.clientMsgId, entry);
        show({ ...state, outbox: putEntry(state.outbox, entry) });
        post({ kind: 'adopt', from: tabId, entry });
      }
      const pending: MessageView = {
        key: entry.clientMsgId, clientMsgId: entry.clientMsgId, conversationId, senderId: state.userId ?? '', text, ts: entry.createdAt, status: 'pending',
      };
      return client.getMessages(conversationId).find((m) => m.key === entry.clientMsgId) ?? pending;
    },
    retry: (clientMsgId) => call<void>('retry', [clientMsgId]),
    discard: (clientMsgId) => call<void>('discard', [clientMsgId]),
    openDirect: (userId) => call<ConversationSummary>('openDirect', [userId]),
    createGroup: (input) => call<ConversationSummary>('createGroup', [input]),
    addMembers: (conversationId, userIds) => call<ConversationSummary>('addMembers', [conversationId, userIds]),
    removeMembers: (conversationId, userIds) => call<ConversationSummary>('removeMembers', [conversationId, userIds]),
    loadOlder: (conversationId, limit) => call<LoadOlderResult>('loadOlder', limit === undefined ? [conversationId] : [conversationId, limit]),
    markRead(conversationId, seq) {
      if (role === 'leader' && core) return core.client.markRead(conversationId, seq);
      const conv = state.conversations.get(conversationId);
      const target = seq ?? Math.max(conv?.cursor ?? 0, conv?.summary?.lastSeq ?? 0);
      show(applyRead(state, conversationId, target));
      call<void>('markRead', [conversationId, target]).catch(() => undefined);
    },
    // Synchronous by contract, so a following tab answers from the state the leader shares.
    getReceipts(conversationId, seq) {
      if (role === 'leader' && core) return core.client.getReceipts(conversationId, seq);
      const conv = state.conversations.get(conversationId);
      return conv ? memberStatuses(conv.receipts, seq, state.userId) : [];
    },
    connect() {
      if (role !== 'idle') return;
      role = 'follower';
      heardLeader = false;
      if (state.connection.status === 'idle' || state.connection.status === 'closed') show({ ...state, connection: { status: 'connecting', attempt: 0 } });
      const name = `parley:${storage.scope}`;
      channel = env.openChannel(name);
      channel.addEventListener('message', (event) => onMessage(event.data));
      const controller = (abort = new AbortController());
      env.locks
        .request(`${name}:leader`, { signal: controller.signal }, () => new Promise<void>((resolve) => {
          if (controller.signal.aborted) return resolve();
          releaseLock = resolve;
          becomeLeader();
        }))
        .catch((err: unknown) => {
          if (!controller.signal.aborted) logger.error('parley: could not take part in tab election', { error: String(err) });
        });
      post({ kind: 'hello', from: tabId });
    },
    close() {
      const leader = core;
      role = 'idle';
      core = null;
      leader?.client.close();
      abort?.abort();
      releaseLock?.();
      releaseLock = abort = null;
      channel?.close();
      channel = null;
      failCalls(new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
      show({ ...state, connection: { status: 'closed', attempt: 0 } });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
    getConversation: (id) => snapshot.conversations.find((c) => c.id === id),
    getMessages: (id) => snapshot.messages[id] ?? EMPTY,
  };

  if (options.autoConnect) client.connect();
  // Methods this file does not know (added to ChatClient later) run on the leading tab: here
  // when this tab leads, forwarded otherwise. Their rejections are also caught here, so a
  // fire-and-forget call from a following tab cannot become an unhandled rejection.
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || Reflect.has(target, prop)) return Reflect.get(target, prop, receiver);
      if (role === 'leader' && core) {
        const value: unknown = Reflect.get(core.client, prop);
        return typeof value === 'function' ? value.bind(core.client) : value;
      }
      return (...args: unknown[]) => {
        const pending = call<unknown>(prop, args);
        pending.catch(() => undefined);
        return pending;
      };
    },
  }) as OwnMethods as ChatClient;
}

/** The methods a tab client implements itself; the rest go through the leading tab. */
type OwnMethods = Pick<
  ChatClient,
  | 'send' | 'retry' | 'discard' | 'openDirect' | 'createGroup' | 'addMembers' | 'removeMembers' | 'loadOlder' | 'markRead'
  | 'getReceipts'
  | 'connect' | 'close' | 'subscribe' | 'getSnapshot' | 'getConversation' | 'getMessages'
>;

const EMPTY: readonly MessageView[] = Object.freeze([]);

/** Runs a forwarded call on the leading tab's client. */
function invoke(client: ChatClient, method: string, args: readonly unknown[]): Promise<unknown> {
  const fn: unknown = LOCAL_ONLY.has(method) ? undefined : Reflect.get(client, method);
  if (typeof fn !== 'function') return Promise.reject(new ParleyError(ErrorCode.BAD_FRAME, `cannot forward ${method}`));
  try {
    return Promise.resolve(fn.apply(client, args));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** What each tab does for itself and never asks the leader to do. */
const LOCAL_ONLY = new Set(['send', 'connect', 'close', 'subscribe', 'getSnapshot', 'getConversation', 'getMessages', 'getReceipts']);
