import { ErrorCode, ParleyError } from '@parley/protocol';
import type { ChatClient } from '../types.js';

/** What a following tab asks the leading tab to run, answered back on the channel. */
export const FORWARDED = [
  'retry', 'discard', 'openDirect', 'createGroup', 'addMembers', 'removeMembers', 'loadOlder', 'loadThread',
  // Changes run on the leader: it holds the outbox whose rules they follow (an unsent message is changed in place).
  'edit', 'delete', 'react', 'unreact',
  'typing', 'setAway', 'getSettings', 'updateSettings',
  // Protocol 6: requests answered by the server, which only the leading tab's connection reaches.
  'updateConversation', 'setRole', 'getBans', 'unban', 'mute', 'unmute', 'block', 'unblock', 'loadUsers', 'searchUsers', 'report',
  // Protocol 7: download URLs come from the server (and the leader's cache of them).
  'getAttachmentUrl',
  // Protocol 8: notification choices and Web Push, answered by the server; the welcome's push key is the leader's.
  'setNotify', 'getPushConfig', 'registerPush', 'unregisterPush',
  // Protocol 9: jumping to a message; the window it opens is in the state the leader shares with every tab.
  'loadAround', 'loadNewer', 'closeWindow',
] as const;

/**
 * Forwarded calls that must not run twice: when the leading tab goes before answering one, it
 * may have reached the server already, so it fails with UNAVAILABLE instead of going to the next
 * leader (a second `createGroup` would make a second group).
 */
export const NOT_REPEATABLE: ReadonlySet<string> = new Set<ForwardedMethod>(['createGroup']);

/**
 * What every tab does itself: reads from the state it shows, its own lifecycle, and what it keeps
 * a record of before the leader acts on it (so a new leader can be told again).
 */
export const OWN = [
  'send', 'markRead', 'watch', 'unwatch', 'subscribePresence', 'unsubscribePresence', 'connect', 'close', 'signOut',
  'subscribe', 'on', 'getSnapshot', 'getConversation', 'getMessages', 'getTimeline', 'getThread', 'getReceipts',
  // Read from the state the tab mirrors; a profile not held yet is fetched through the leader (`loadUsers`).
  'getBlocks', 'isBlocked', 'getUser',
  // The bytes of pending files are in the storage the tabs share.
  'getLocalFile',
  // Asked of the leader; searched here, in the storage the tabs share, when the leader cannot answer.
  'search',
] as const;

export type ForwardedMethod = (typeof FORWARDED)[number];
export type OwnMethod = (typeof OWN)[number];

/**
 * Every `ChatClient` method is decided: a method added to `ChatClient` and listed in neither
 * list fails to compile here, naming it, so following tabs cannot silently lack it.
 */
export type Undecided<C = ChatClient> = Exclude<keyof C, ForwardedMethod | OwnMethod>;
export const EVERY_METHOD_DECIDED: [Undecided] extends [never] ? true : Undecided = true;

/**
 * What the leading tab runs for another tab: the forwarded methods and the server half of some of
 * a tab's own (`connect` from a following tab restarts the one connection, e.g. out of `unauthorized`).
 */
export type LeaderMethod = ForwardedMethod | 'markRead' | 'subscribePresence' | 'unsubscribePresence' | 'connect' | 'search';
const LEADER_RUNS: ReadonlySet<string> = new Set<LeaderMethod>([...FORWARDED, 'markRead', 'subscribePresence', 'unsubscribePresence', 'connect', 'search']);

/** Runs a call another tab forwarded, on the leading tab's client. */
export function invoke(client: ChatClient, method: string, args: readonly unknown[]): Promise<unknown> {
  if (!LEADER_RUNS.has(method)) return Promise.reject(new ParleyError(ErrorCode.BAD_FRAME, `cannot forward ${method}`));
  const fn = client[method as LeaderMethod] as (...values: unknown[]) => unknown;
  try {
    return Promise.resolve(fn.apply(client, [...args]));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * The forwarded methods of a following tab, each one call through `forward`. A fire-and-forget
 * method's rejection is caught here, so it never becomes an unhandled rejection.
 */
export function forwarders(forward: (method: ForwardedMethod, args: unknown[]) => Promise<unknown>): Pick<ChatClient, ForwardedMethod> {
  const methods: Partial<Record<ForwardedMethod, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const method of FORWARDED) {
    methods[method] = (...args) => {
      const pending = forward(method, args);
      pending.catch(() => undefined);
      return pending;
    };
  }
  // Each entry forwards its arguments untouched and resolves with the leader's answer to the same method.
  return methods as unknown as Pick<ChatClient, ForwardedMethod>;
}
