import { Limits, type ServerFrame, type UserProfile, type UsersResultFrame } from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import type { ChatState } from '../state/chat-state.js';
import { withProfiles } from '../state/people-state.js';
import type { Logger } from '../types.js';
import type { RequestFrame } from './server-requests.js';

/** Profiles fetched on demand, batched: every id asked within one tick goes in one `users` request. */
export interface Profiles {
  /** Fetches what is not held or on its way; resolves once those ids are answered (or failed). */
  load(userIds: readonly string[]): Promise<void>;
  /** The user's profile if held; otherwise its fetch starts. */
  get(userId: string): UserProfile | undefined;
  /** The app changed these users (`users.changed`): held ones are fetched again. */
  changed(userIds: readonly string[]): void;
  /**
   * A connection came up: ids asked while none was are fetched now, and after a reconnect every
   * profile held is fetched again (a `users.changed` pushed while this device was away is missed).
   */
  welcomed(): void;
}

export function createProfiles(deps: {
  getState(): ChatState;
  commit(next: ChatState): void;
  request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
  logger: Logger;
}): Profiles {
  const inFlight = new Map<string, Promise<void>>();
  /** Asked but not answered (offline, a failed request): fetched again on the next welcome. */
  const wanted = new Set<string>();
  let batch: { ids: Set<string>; done: Promise<void> } | null = null;
  let welcomes = 0;

  async function fetchChunk(ids: string[]): Promise<void> {
    try {
      const reply = (await deps.request({ type: 'users', reqId: uuidv7(), userIds: ids }, 'users.result')) as UsersResultFrame;
      const state = deps.getState();
      deps.commit({ ...state, users: withProfiles(state.users, ids, reply.users) });
      for (const id of ids) wanted.delete(id);
    } catch (err) {
      deps.logger.debug('parley: profiles not fetched', { error: String(err) });
    }
  }

  function flush(ids: Set<string>): Promise<void> {
    const all = [...ids];
    const chunks: Promise<void>[] = [];
    for (let i = 0; i < all.length; i += Limits.maxUserIdsPerRequest) chunks.push(fetchChunk(all.slice(i, i + Limits.maxUserIdsPerRequest)));
    return Promise.all(chunks).then(() => undefined);
  }

  /** Puts ids in this tick's batch (started once the tick's synchronous calls are done). */
  function enqueue(ids: readonly string[]): Promise<void> {
    if (!batch) {
      const current: { ids: Set<string>; done: Promise<void> } = { ids: new Set(), done: Promise.resolve() };
      current.done = Promise.resolve().then(() => {
        if (batch === current) batch = null;
        return flush(current.ids);
      });
      batch = current;
    }
    const { done } = batch;
    for (const id of ids) {
      batch.ids.add(id);
      wanted.add(id);
      const settled = done.finally(() => {
        if (inFlight.get(id) === settled) inFlight.delete(id);
      });
      inFlight.set(id, settled);
    }
    return done;
  }

  const load = (userIds: readonly string[], again = false): Promise<void> => {
    const held = deps.getState().users;
    const fresh = [...new Set(userIds)].filter((id) => again || (!inFlight.has(id) && !held.has(id)));
    const waits = [...new Set(userIds)].map((id) => inFlight.get(id)).filter((p): p is Promise<void> => p !== undefined);
    return Promise.all([...waits, ...(fresh.length > 0 ? [enqueue(fresh)] : [])]).then(() => undefined);
  };

  return {
    load: (userIds) => load(userIds),
    get(userId) {
      const held = deps.getState().users;
      if (!held.has(userId)) void load([userId]);
      return held.get(userId) ?? undefined;
    },
    changed(userIds) {
      const held = deps.getState().users;
      // The old profile stays shown until the new one lands; an id the app dropped goes then.
      const ask = userIds.filter((id) => held.has(id) || wanted.has(id));
      if (ask.length > 0) void load(ask, true);
    },
    welcomed() {
      const again = ++welcomes > 1 ? [...deps.getState().users.keys()] : [];
      const ask = [...new Set([...wanted, ...again])];
      if (ask.length > 0) void load(ask, true);
    },
  };
}
