import { ErrorCode, Limits, ParleyError } from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import type { ClientStorage, OutboxEntry } from '../storage/client-storage.js';
import { applyRead, initialChatState, isSent, type ChatState } from '../state/chat-state.js';
import { findEntry, newEntry, putEntry } from '../state/outbox.js';
import type { ChatCore } from '../core/chat-core.js';
import { loadCachedState, withCached } from '../core/cached-state.js';
import { markReadTarget, shownMessage, repeatedSend, sendLimits } from '../core/client-rules.js';
import { entryContent, validateSend } from '../core/send-content.js';
import { prepareFiles } from '../files/file-input.js';
import { dropFiles, storeFiles } from '../files/stored-files.js';
import type { Timers } from '../core/timers.js';
import { createViewStore } from '../core/view-store.js';
import type { ChatClient, Logger } from '../types.js';
import { createWatchCounts } from '../core/watch-counts.js';
import { createCallAnswerer, createForwardedCalls } from './forwarded-calls.js';
import { forwarders, invoke, type LeaderMethod, type OwnMethod } from './forwarded-methods.js';
import { createTabWatches, type TabWatches } from './tab-watches.js';
import { applyUpdate, diffUpdate, fullUpdate, type StateUpdate } from './state-sync.js';
import { isTabMessage, type TabMessage } from './tab-messages.js';
import type { TabEnvironment } from './tab-environment.js';
import { searchFrame, searchHere, unreachable } from '../client/search.js';
import type { SearchResults } from '../search-types.js';

export interface TabClientOptions {
  storage: ClientStorage & { readonly scope: string };
  env: TabEnvironment;
  timers: Timers;
  logger: Logger;
  requestTimeoutMs: number;
  autoConnect: boolean;
  /** Starts the full client when this tab leads, from the state the tab already shows. */
  createCore(start: { initialState: ChatState; onCommit(before: ChatState, after: ChatState): void; onServerError?(error: ParleyError): void }): ChatCore;
}

/**
 * One client per tab, one connection per origin: the tabs elect a leader with a Web Lock. The
 * leader runs the full client (socket, outbox, sync) and shares its state on a BroadcastChannel;
 * the others show that state, store their sends in the shared outbox and forward the calls listed
 * in `FORWARDED` to the leader. When the leader goes (tab closed, crashed, `close()`), the browser
 * releases its lock, the next tab in line takes it, reads the outbox from storage and resends
 * what was not acked with the same clientMsgId, so nothing is lost and the server's dedup keeps
 * it single.
 */
export function createTabClient(options: TabClientOptions): ChatClient {
  const { storage, env, timers, logger } = options;
  const tabId = uuidv7();
  const store = createViewStore(
    initialChatState({ status: options.autoConnect ? 'connecting' : 'idle', attempt: 0 }),
    (err) => logger.error('parley: an event listener threw', { error: String(err) }),
    timers,
  );
  /** Profiles this tab asked the leader for and has not seen arrive; asked in one call per tick. */
  const askedUsers = new Set<string>();
  let usersToAsk: string[] = [];
  /** What this tab shows: told to every new leader, so its connection keeps pushing it live. */
  const watched = createWatchCounts();
  /** Whose presence this tab follows: followed again through every new leader. */
  const followed = new Set<string>();
  /** This tab's sends the leader has not shown back yet: kept visible meanwhile. */
  const unconfirmed = new Map<string, OutboxEntry>();
  let role: 'idle' | 'follower' | 'leader' = 'idle';
  let core: ChatCore | null = null;
  let tabWatches: TabWatches | null = null;
  /** The leading tab last heard from (null until one is). */
  let leaderId: string | null = null;
  let channel: ReturnType<TabEnvironment['openChannel']> | null = null;
  let abort: AbortController | null = null;
  let releaseLock: (() => void) | null = null;

  const show = (next: ChatState) => store.show(next);
  const post = (message: TabMessage) => channel?.postMessage(message);
  const calls = createForwardedCalls({ tabId, newId: uuidv7, post, timers, timeoutMs: options.requestTimeoutMs });
  const answer = createCallAnswerer({ tabId, post });
  /** The full client, when this tab leads. */
  const leading = () => (role === 'leader' ? core : null);

  /** The leader's state, plus this tab's sends it has not taken in yet. */
  const withUnconfirmed = (next: ChatState): ChatState => {
    let outbox = next.outbox;
    for (const [id, entry] of [...unconfirmed]) {
      const settled = next.conversations.get(entry.conversationId)?.events.some((e) => isSent(e) && e.clientMsgId === id);
      if (settled || findEntry(next.outbox, id)) unconfirmed.delete(id);
      else outbox = putEntry(outbox, entry);
    }
    return outbox === next.outbox ? next : { ...next, outbox };
  };

  const shareWatches = () => {
    if (tabWatches) tabWatches.set(tabId, watched.ids());
    else post({ kind: 'watch', from: tabId, conversationIds: watched.ids() });
  };

  /** A new leader's connection follows nobody yet. */
  const followAgain = () => {
    if (followed.size > 0) call('subscribePresence', [[...followed]]).catch(() => undefined);
  };

  function becomeLeader(): void {
    role = 'leader';
    unconfirmed.clear();
    const leader = (core = options.createCore({
      initialState: store.state,
      onCommit: (before, after) => {
        if (role !== 'leader') return;
        show(after);
        const update = diffUpdate(before, after);
        if (update) post({ kind: 'state', from: tabId, update });
      },
      onServerError: (error) => store.emit({ type: 'error', event: { error } }),
    }));
    tabWatches = createTabWatches(leader.client);
    shareWatches();
    followAgain();
    // The other tabs answer with what they show and re-send the calls the previous leader left unanswered.
    post({ kind: 'state', from: tabId, update: fullUpdate(store.state) });
    calls.runHere(leader.client);
  }

  function onMessage(data: unknown): void {
    if (!isTabMessage(data)) return;
    const message = data;
    if (message.kind === 'signOut') {
      void own.close();
      show({ ...store.state, connection: { status: 'closed', attempt: 0, lastError: new ParleyError(ErrorCode.UNAUTHORIZED, 'signed out in another tab') } });
      return;
    }
    const leader = leading();
    if (leader) {
      if (message.kind === 'hello') post({ kind: 'state', from: tabId, update: fullUpdate(store.state) });
      else if (message.kind === 'adopt') leader.adoptOutboxEntry(message.entry);
      else if (message.kind === 'watch') tabWatches?.set(message.from, message.conversationIds);
      else if (message.kind === 'bye') tabWatches?.drop(message.from);
      else if (message.kind === 'call') answer(leader.client, message);
      return;
    }
    if (message.kind === 'state') {
      show(withUnconfirmed(applyUpdate(store.state, message.update as StateUpdate)));
      if (message.from !== leaderId) {
        leaderId = message.from;
        shareWatches();
        followAgain();
        calls.leaderChanged(message.from);
      }
    } else if (message.kind === 'reply' && message.to === tabId) {
      calls.settle(message);
    }
  }

  /** Runs a method here if this tab leads, otherwise on the leader. */
  function call(method: LeaderMethod, args: unknown[]): Promise<unknown> {
    const leader = leading();
    if (leader) return invoke(leader.client, method, args);
    if (role === 'idle') return Promise.reject(new ParleyError(ErrorCode.UNAVAILABLE, 'not connected (idle)'));
    return calls.forward(method, args);
  }

  // Shows the cached history and outbox at once, before (or without) any leader.
  void loadCachedState(storage, Limits.syncTailEvents).then(
    (cached) => {
      if (leaderId === null && role !== 'leader') show(withCached(store.state, cached));
    },
    (err: unknown) => logger.error('parley: could not read storage', { error: String(err) }),
  );

  const own: Pick<ChatClient, OwnMethod> = {
    async send(conversationId, content, sendOptions = {}) {
      const leader = leading();
      if (leader) return leader.client.send(conversationId, content, sendOptions);
      const clientMsgId = sendOptions.clientMsgId ?? uuidv7();
      const limits = sendLimits(store.state);
      const { data, files } = validateSend(conversationId, clientMsgId, content, sendOptions, limits);
      // The leading tab uploads the files: it reads their bytes from the storage the tabs share.
      const shared = storage.files;
      if (files.length > 0 && !shared) {
        throw new ParleyError(ErrorCode.UNAVAILABLE, 'This tab cannot send files: its storage keeps no files (ClientStorage.files) for the tab holding the connection');
      }
      if (role === 'idle' && store.state.connection.status === 'closed') throw new ParleyError(ErrorCode.UNAVAILABLE, 'the client is closed');
      const repeated = repeatedSend(store.state, store.reads, conversationId, clientMsgId);
      if (repeated) return repeated;
      const attachments = shared && files.length > 0 ? await storeFiles(shared, await prepareFiles(files, limits), uuidv7) : undefined;
      // The quote comes from the leader's state this tab mirrors, so the pending reply shows it too.
      const entry = newEntry(clientMsgId, conversationId, { ...entryContent(store.state, conversationId, data), ...(attachments ? { attachments } : {}) }, timers.now());
      try {
        await storage.outbox.put(entry);
      } catch (err) {
        if (shared && attachments) await dropFiles(shared, attachments);
        throw ParleyError.from(err);
      }
      // Leadership may have come to this tab while the entry was being written.
      const now = leading();
      if (now) now.adoptOutboxEntry(entry);
      else {
        unconfirmed.set(entry.clientMsgId, entry);
        show({ ...store.state, outbox: putEntry(store.state.outbox, entry) });
        post({ kind: 'adopt', from: tabId, entry });
      }
      return shownMessage(store.reads, entry, store.state.userId);
    },
    markRead(conversationId, seq) {
      const leader = leading();
      if (leader) return leader.client.markRead(conversationId, seq);
      const target = markReadTarget(store.state, conversationId, seq);
      if (target === undefined) return;
      show(applyRead(store.state, conversationId, target));
      call('markRead', [conversationId, target]).catch(() => undefined);
    },
    watch(conversationIds) {
      watched.add(conversationIds);
      shareWatches();
    },
    unwatch(conversationIds) {
      watched.remove(conversationIds);
      shareWatches();
    },
    async subscribePresence(userIds) {
      for (const id of userIds) followed.add(id);
      const result = (await call('subscribePresence', [userIds])) as { denied: string[] };
      for (const id of result.denied) followed.delete(id);
      return result;
    },
    unsubscribePresence(userIds) {
      for (const id of userIds) followed.delete(id);
      call('unsubscribePresence', [userIds]).catch(() => undefined);
    },
    async getLocalFile(localId) {
      const leader = leading();
      if (leader) return leader.client.getLocalFile(localId);
      return storage.files?.get(localId);
    },
    async search(query, options = {}) {
      const leader = leading();
      if (leader) return leader.client.search(query, options);
      const frame = searchFrame(query, options);
      try {
        return (await call('search', [query, options])) as SearchResults;
      } catch (err) {
        // No leading tab to answer (or it went): this tab searches the storage the tabs share.
        if (!unreachable(err) || options.cursor !== undefined) throw ParleyError.from(err);
        return searchHere(store.state, storage, frame);
      }
    },
    getUser(userId) {
      const leader = leading();
      if (leader) return leader.client.getUser(userId);
      const held = store.state.users;
      if (held.has(userId)) {
        askedUsers.delete(userId);
        return held.get(userId) ?? undefined;
      }
      if (!askedUsers.has(userId)) {
        askedUsers.add(userId);
        usersToAsk.push(userId);
        if (usersToAsk.length === 1) {
          queueMicrotask(() => {
            const ids = usersToAsk;
            usersToAsk = [];
            // A failed fetch may be asked again by the next read.
            call('loadUsers', [ids]).catch(() => undefined).finally(() => {
              for (const id of ids) askedUsers.delete(id);
            });
          });
        }
      }
      return undefined;
    },
    connect() {
      store.start();
      // A tab that takes part already asks the one connection to start again (it may be
      // `unauthorized` and the app has new credentials): here if it leads, else on the leader.
      if (role === 'leader') return core?.client.connect();
      if (role === 'follower') return void call('connect', []).catch(() => undefined);
      role = 'follower';
      leaderId = null;
      const { connection } = store.state;
      if (connection.status === 'idle' || connection.status === 'closed') show({ ...store.state, connection: { status: 'connecting', attempt: 0 } });
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
    async close() {
      const leader = core;
      if (!leader) post({ kind: 'bye', from: tabId });
      role = 'idle';
      core = null;
      tabWatches = null;
      const landed = leader?.client.close();
      abort?.abort();
      releaseLock?.();
      releaseLock = abort = null;
      channel?.close();
      channel = null;
      calls.failAll(new ParleyError(ErrorCode.UNAVAILABLE, 'the client was closed'));
      show({ ...store.state, connection: { status: 'closed', attempt: 0 } });
      store.stop();
      // A follower writes nothing itself; the leading core's queued writes land first.
      await landed;
    },
    async signOut() {
      post({ kind: 'signOut', from: tabId });
      const leader = leading();
      void own.close();
      // The leading core lets its queued cache writes land before it clears the storage.
      if (leader) await leader.client.signOut();
      else await storage.clear();
    },
    ...store.reads,
  };

  const client: ChatClient = { ...own, ...forwarders(call) };
  if (options.autoConnect) client.connect();
  return client;
}
