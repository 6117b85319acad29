/**
 * What tab coordination needs from the runtime: an exclusive named lock held for as long as a
 * callback's promise is pending (the Web Locks API) and a channel that reaches the other tabs of
 * the origin (BroadcastChannel). Injectable, so tests and unusual hosts can bring their own.
 *
 * @example
 * createChatClient({ url, getToken, storage, tabs: { locks: navigator.locks, openChannel: (name) => new BroadcastChannel(name) } });
 */
export interface TabEnvironment {
  locks: TabLocks;
  openChannel(name: string): TabChannel;
}

/** The part of `LockManager` the client uses. */
export interface TabLocks {
  request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The part of `BroadcastChannel` the client uses: a message reaches every other tab, not this one. */
export interface TabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** `'auto'`: coordinate where the runtime can; `'single'`: never (every client talks to the server). */
export type TabsOption = 'auto' | 'single' | TabEnvironment;

type Host = {
  navigator?: { locks?: TabLocks };
  BroadcastChannel?: new (name: string) => TabChannel;
};

/**
 * The environment to coordinate tabs with, or null to run as a single client: when asked not to,
 * when the storage is not shared between tabs (memory), or when the runtime lacks Web Locks or
 * BroadcastChannel (Node, old browsers). Read when a client is created, never at import.
 */
export function resolveTabEnvironment(option: TabsOption | undefined, sharedScope: string | undefined): TabEnvironment | null {
  if (option === 'single' || sharedScope === undefined) return null;
  if (option !== undefined && option !== 'auto') return option;
  const host = globalThis as Host;
  const locks = host.navigator?.locks;
  const Channel = host.BroadcastChannel;
  if (!locks || !Channel) return null;
  return { locks, openChannel: (name) => new Channel(name) };
}
