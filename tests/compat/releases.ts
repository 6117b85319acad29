import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The committed snapshots of past releases (scripts/snapshot-release.mjs). A missing file fails
 * the test that needs it, never skips it: a compatibility suite that quietly ran nothing would
 * let a release strand its users.
 */
export const RELEASES_DIR = fileURLToPath(new URL('../fixtures/releases/', import.meta.url));
export type ReleaseName = 'protocol-2' | 'protocol-3' | 'protocol-4' | 'protocol-5' | 'protocol-6' | 'protocol-7' | 'protocol-8';

export function releaseFile(release: ReleaseName, file: string): string {
  const path = join(RELEASES_DIR, release, file);
  if (!existsSync(path)) {
    throw new Error(`release snapshot file missing: ${path} (bundles: scripts/snapshot-release.mjs, see the snapshot's RELEASE.md; parley.sqlite: tests/fixtures/releases/make-sqlite-fixture.mjs)`);
  }
  return path;
}

// The bundles carry no types: these describe the part of an old client's public API the suite
// uses, as that release shipped it (every release shares it; protocol 4's additions are marked).
export interface ReleaseMessageView {
  readonly key: string;
  readonly clientMsgId?: string;
  /** The stored message's id (protocol 4: what `replyTo` names). */
  readonly id?: string;
  readonly seq?: number;
  readonly conversationId: string;
  readonly senderId: string;
  readonly text: string;
  readonly status: 'pending' | 'sent' | 'failed';
  readonly receipt?: 'sent' | 'delivered' | 'read';
  /** Protocol 4: app data, mentions, the quoted message. */
  readonly custom?: unknown;
  readonly mentions?: readonly string[];
  readonly replyTo?: { readonly messageId: string; readonly preview?: string };
}

/** Protocol 4's `send()`: content (text and/or app data) and options (mentions, a reply). */
export interface ReleaseContent {
  text?: string;
  custom?: unknown;
}
export interface ReleaseSendOptions {
  replyTo?: string;
  mentions?: readonly string[];
  clientMsgId?: string;
}

export interface ReleaseChatClient {
  /** Protocols 2 and 3 take text only; protocol 4 takes content and options too. */
  send(conversationId: string, content: string | ReleaseContent, options?: ReleaseSendOptions): Promise<ReleaseMessageView>;
  openDirect(userId: string): Promise<{ id: string }>;
  createGroup(input: { title?: string; members: string[] }): Promise<{ id: string }>;
  removeMembers(conversationId: string, userIds: string[]): Promise<{ id: string }>;
  markRead(conversationId: string, seq?: number): void;
  typing(conversationId: string): void;
  /** Protocol 4 resolves once the writes it queued for its storage have landed. */
  close(): void | Promise<void>;
  subscribe(listener: () => void): () => void;
  getSnapshot(): {
    readonly connection: { readonly status: string; readonly lastError?: { readonly code: number } };
    readonly typing: Readonly<Record<string, readonly string[]>>;
  };
  getMessages(conversationId: string): readonly ReleaseMessageView[];
}

export interface ReleaseClientOptions {
  url: string;
  getToken: () => Promise<string>;
  storage?: unknown;
  deviceId?: string;
  reconnect?: { baseMs?: number; maxMs?: number };
  ackTimeoutMs?: number;
  deliveredDelayMs?: number;
  typingThrottleMs?: number;
}

export interface ReleaseClientModule {
  createChatClient(options: ReleaseClientOptions): ReleaseChatClient;
  createMemoryStorage(): unknown;
}

export async function loadReleaseClient(release: ReleaseName): Promise<ReleaseClientModule> {
  const mod = (await import(pathToFileURL(releaseFile(release, 'client.mjs')).href)) as Partial<ReleaseClientModule>;
  if (typeof mod.createChatClient !== 'function' || typeof mod.createMemoryStorage !== 'function') {
    throw new Error(`${release}/client.mjs does not export createChatClient and createMemoryStorage`);
  }
  return mod as ReleaseClientModule;
}

/** An old client with the suite's fast reconnects, on its own memory storage. */
export function releaseClient(
  mod: ReleaseClientModule,
  server: { url: string; token(userId: string): Promise<string> },
  userId: string,
): ReleaseChatClient {
  return mod.createChatClient({
    url: server.url,
    getToken: () => server.token(userId),
    storage: mod.createMemoryStorage(),
    deviceId: `${userId}-old-${Math.random().toString(36).slice(2, 8)}`,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: 2000,
    deliveredDelayMs: 20,
    typingThrottleMs: 20,
  });
}
