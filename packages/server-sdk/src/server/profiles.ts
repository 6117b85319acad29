import * as v from 'valibot';
import type { Namespace } from 'socket.io';
import { ErrorCode, Id, ParleyError, UserProfile } from '@parley/protocol';
import type { Logger } from '../logger.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import { emitToRooms } from './fanout.js';
import { UserCache, type CachedUser } from './user-cache.js';

/**
 * Your app's users, as Parley shows them: Parley keeps no profiles and asks you.
 *
 * @example
 * createChatServer({ server, store, authenticate, users: {
 *   resolve: async (ids) => (await db.users.find({ _id: { $in: ids } })).map((u) => ({ id: u._id, name: u.name })),
 *   search: async (query, { limit }) => (await db.users.findByName(query, limit)).map((u) => ({ id: u._id, name: u.name })),
 * } });
 */
export interface UserDirectory {
  /**
   * The profiles of `ids` (leave out the ids you do not know). Answers are cached per node and
   * shared by every requester, so answer the same whoever asks: `requester` is who asked, for your
   * logs or tenancy checks. Without `resolve`, clients get `{ id }` only.
   */
  resolve?(ids: string[], context: { requester: string }): Promise<UserProfile[]>;
  /** People whose name matches `query` that `requester` may find (a people picker); at most `limit`. Without it, nobody is found. */
  search?(query: string, context: { requester: string; limit: number }): Promise<UserProfile[]>;
  /** How long a node keeps a resolved profile (default 60 000 ms; `chat.api.invalidateUsers` clears it sooner). */
  cacheTtlMs?: number;
  /** Profiles a node keeps at most; the least recently used go first (default 10 000). */
  maxCacheEntries?: number;
}

/** The profiles side of a node: resolve (batched, cached), search, and forgetting what changed. */
export interface Profiles {
  /** The profiles of `ids` that the app knows, in the order asked, each once. */
  resolve(ids: readonly string[], requester: string): Promise<UserProfile[]>;
  search(query: string, requester: string): Promise<UserProfile[]>;
  /** Forgets `ids` on every node and tells every connection (`users.changed`). */
  invalidate(ids: readonly string[]): void;
}

/** People one search answers at most: a picker's list. */
export const SEARCH_LIMIT = 20;
/** How long the app may take to answer before the request fails, retryable. */
const DIRECTORY_TIMEOUT_MS = 10_000;
/** The bus event that tells the other nodes of a cluster to forget profiles. */
const INVALIDATE_EVENT = 'parley:users.invalidate';
const UserIds = v.pipe(v.array(Id), v.minLength(1));

interface Pending {
  id: string;
  /** Invalidated while the app was being asked: answer with it, never cache it. */
  stale: boolean;
  promise: Promise<CachedUser>;
  settle(user: CachedUser): void;
  fail(err: ParleyError): void;
}

export function createProfiles(deps: { nsp: Namespace; metrics: ChatMetrics; logger: Logger; directory: UserDirectory | undefined }): Profiles {
  const { directory, logger } = deps;
  const cache = new UserCache(directory?.cacheTtlMs ?? 60_000, directory?.maxCacheEntries ?? 10_000);
  const inFlight = new Map<string, Pending>();
  /** Ids to ask for at the end of this tick, per requester: every `users` frame of the tick in one call. */
  let queued: Map<string, Pending[]> | null = null;

  const forgetLocally = (ids: readonly string[]) => {
    cache.delete(ids);
    for (const id of ids) {
      const pending = inFlight.get(id);
      if (pending) pending.stale = true;
      inFlight.delete(id);
    }
    // After the cache is clear, so a client asking again at once gets the new profile.
    emitToRooms(deps, 'everyone', { type: 'users.changed', userIds: [...ids] }, { local: true });
  };

  // The other nodes' invalidations arrive over the cluster's bus; anything malformed is skipped.
  deps.nsp.on(INVALIDATE_EVENT, (ids: unknown) => {
    if (v.is(UserIds, ids)) forgetLocally(ids);
  });

  async function ask(requester: string, pendings: Pending[]): Promise<void> {
    let answer: unknown;
    try {
      answer = await withDeadline(Promise.resolve(directory?.resolve?.(pendings.map((p) => p.id), { requester }) ?? []));
    } catch (err) {
      logger.error('users: the app could not resolve users', { err, count: pendings.length });
      const error = new ParleyError(ErrorCode.UNAVAILABLE, 'user profiles are unavailable, retry later', { cause: err });
      for (const pending of pendings) {
        if (inFlight.get(pending.id) === pending) inFlight.delete(pending.id);
        pending.fail(error);
      }
      return;
    }
    const found = validProfiles(answer, new Set(pendings.map((p) => p.id)), logger, 'resolve');
    for (const pending of pendings) {
      const user = found.get(pending.id) ?? null;
      if (inFlight.get(pending.id) === pending) inFlight.delete(pending.id);
      if (!pending.stale) cache.set(pending.id, user);
      pending.settle(user);
    }
  }

  function flush(): void {
    const batches = queued ?? new Map<string, Pending[]>();
    queued = null;
    for (const [requester, pendings] of batches) void ask(requester, pendings);
  }

  function load(id: string, requester: string): CachedUser | Promise<CachedUser> {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const flying = inFlight.get(id);
    if (flying) return flying.promise;
    const pending = deferred(id);
    inFlight.set(id, pending);
    if (!queued) {
      queued = new Map();
      // setImmediate runs after the poll phase: the frames read from every socket in this turn
      // of the event loop join the batch.
      setImmediate(flush);
    }
    const list = queued.get(requester) ?? [];
    list.push(pending);
    queued.set(requester, list);
    return pending.promise;
  }

  return {
    async resolve(ids, requester) {
      const unique = [...new Set(ids)];
      // Nothing to ask: ids are all there is (clients show them).
      if (!directory?.resolve) return unique.map((id) => ({ id }));
      const users = await Promise.all(unique.map((id) => load(id, requester)));
      return users.filter((user): user is UserProfile => user !== null);
    },
    async search(query, requester) {
      if (!directory?.search) return [];
      let answer: unknown;
      try {
        answer = await withDeadline(directory.search(query, { requester, limit: SEARCH_LIMIT }));
      } catch (err) {
        logger.error('users: the app could not search users', { err });
        throw new ParleyError(ErrorCode.UNAVAILABLE, 'people search is unavailable, retry later', { cause: err });
      }
      return [...validProfiles(answer, null, logger, 'search').values()].slice(0, SEARCH_LIMIT);
    },
    invalidate(ids) {
      const unique = [...new Set(v.parse(UserIds, ids))];
      forgetLocally(unique);
      if (sharesServerSideEmit(deps.nsp)) deps.nsp.serverSideEmit(INVALIDATE_EVENT, unique);
    },
  };
}

/**
 * The profiles in the app's answer that are valid and were asked for (`asked`; null: any), by
 * id, first one wins. The app's mistakes are logged and left out, never sent to clients.
 */
function validProfiles(answer: unknown, asked: ReadonlySet<string> | null, logger: Logger, what: string): Map<string, UserProfile> {
  const out = new Map<string, UserProfile>();
  if (!Array.isArray(answer)) {
    logger.error(`users: the app's ${what} answered something other than an array; nobody shown`);
    return out;
  }
  let invalid = 0;
  for (const entry of answer) {
    const parsed = v.safeParse(UserProfile, entry);
    if (!parsed.success) invalid++;
    else if ((asked === null || asked.has(parsed.output.id)) && !out.has(parsed.output.id)) out.set(parsed.output.id, parsed.output);
  }
  if (invalid > 0) logger.warn(`users: the app's ${what} returned invalid profiles; left out`, { invalid });
  return out;
}

function deferred(id: string): Pending {
  let settle!: (user: CachedUser) => void;
  let fail!: (err: ParleyError) => void;
  const promise = new Promise<CachedUser>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Every waiter handles it; this keeps a failed batch nobody waits for any more from being unhandled.
  promise.catch(() => undefined);
  return { id, stale: false, promise, settle, fail };
}

function withDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the app did not answer in ${DIRECTORY_TIMEOUT_MS} ms`)), DIRECTORY_TIMEOUT_MS);
    timer.unref?.();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether the namespace's adapter reaches other nodes with `serverSideEmit` (the Redis adapter
 * does; socket.io's in-memory adapter only prints a warning): its method is an override of the
 * base adapter's, the one highest up its prototype chain.
 */
function sharesServerSideEmit(nsp: Namespace): boolean {
  const adapter = nsp.adapter as unknown as { serverSideEmit?: unknown };
  let base: unknown = adapter.serverSideEmit;
  for (let proto: unknown = Object.getPrototypeOf(adapter); proto; proto = Object.getPrototypeOf(proto)) {
    const own = Object.getOwnPropertyDescriptor(proto, 'serverSideEmit');
    if (own) base = own.value;
  }
  return adapter.serverSideEmit !== base;
}
