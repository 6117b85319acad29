import type { TestServer } from '../helpers/test-server.js';
import { until } from '../helpers/fixtures.js';
import { loadReleaseClient, type ReleaseChatClient, type ReleaseClientOptions, type ReleaseMessageView, type ReleaseName } from './releases.js';

/**
 * A previous release's app (its committed snapshot; protocol 4 by default), as the message-model
 * tests drive it: the client, the part of its memory storage they read, and every warning it
 * logged (it logs each frame it cannot parse, and drops it).
 */
export interface OldApp {
  readonly name: string;
  readonly chat: ReleaseChatClient;
  readonly storage: OldStorage;
  readonly warnings: string[];
  /** Resolves once the app's storage writes have landed (reopen the same storage after it). */
  close(): Promise<void>;
}

/** The releases' memory storage, as far as these tests read it (their own API). */
export interface OldStorage {
  events: { list(conversationId: string, options?: { limit?: number }): Promise<Array<{ seq: number; kind: string }>> };
  cursors: { list(): Promise<Record<string, number>> };
  outbox: { list(): Promise<Array<{ clientMsgId: string }>> };
}

const LONG = 60_000;

export interface OldAppOptions {
  /** Its device id. Default: `<userId>-<release>`. */
  name?: string;
  /** The storage of an app closed before (the same device opened again). Default: empty storage. */
  reopen?: OldStorage;
  /** Default: protocol-4, the previous release. */
  release?: ReleaseName;
}

/**
 * A previous release's app of `userId` (protocol 4 unless told): on empty storage (a fresh
 * install, or a reload after clearing it), or on the storage of an app closed before.
 */
export async function startOldApp(server: Pick<TestServer, 'url' | 'token'>, userId: string, options: OldAppOptions = {}): Promise<OldApp> {
  const release = options.release ?? 'protocol-4';
  const name = options.name ?? `${userId}-${release}`;
  const reopen = options.reopen;
  const mod = await loadReleaseClient(release);
  const storage = reopen ?? (mod.createMemoryStorage() as OldStorage);
  const warnings: string[] = [];
  const note = (message: string, fields?: unknown) => void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
  // The release takes a logger, though the suite's description of its options leaves it out.
  const clientOptions: ReleaseClientOptions & { logger: object } = {
    logger: { debug: () => {}, info: () => {}, warn: note, error: note },
    url: server.url,
    getToken: () => server.token(userId),
    storage,
    deviceId: name,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: 2000,
    deliveredDelayMs: 20,
    typingThrottleMs: 20,
  };
  const chat = mod.createChatClient(clientOptions);
  return { name, chat, storage, warnings, close: async () => void (await chat.close()) };
}

export const statusOf = (app: OldApp): string => app.chat.getSnapshot().connection.status;

/** What the app shows of a conversation, for failure messages: `seq:text`. */
export const shown = (app: OldApp, conversationId: string): string =>
  `${app.name} (${statusOf(app)}) shows ${JSON.stringify(app.chat.getMessages(conversationId).map((m) => `${m.seq ?? '?'}:${m.text ?? ''}`))}; warnings: ${app.warnings.join(' | ').slice(0, 2000)}`;

export async function waitOnline(app: OldApp): Promise<void> {
  await until(() => statusOf(app) === 'online', LONG, () => `${app.name} online; ${JSON.stringify(app.chat.getSnapshot().connection)}`);
}

/** Waits until the app shows a stored message with this text; returns it. */
export async function waitShown(app: OldApp, conversationId: string, text: string): Promise<ReleaseMessageView> {
  const find = () => app.chat.getMessages(conversationId).find((m) => m.text === text && m.seq !== undefined);
  await until(() => find() !== undefined, LONG, () => `${app.name} to show "${text}"; ${shown(app, conversationId)}`);
  return find()!;
}

/**
 * Waits until the app's stored cursor reaches `lastSeq`, then returns the seqs its cache holds:
 * the old app advances its cursor only over a log without a hole, so a frame it dropped or a
 * change it had no form for would stop it short.
 */
export async function heldSeqs(app: OldApp, conversationId: string, lastSeq: number): Promise<number[]> {
  await until(
    async () => (await app.storage.cursors.list())[conversationId] === lastSeq,
    LONG,
    async () => `${app.name}'s cursor at ${lastSeq}: ${JSON.stringify(await app.storage.cursors.list())}; ${shown(app, conversationId)}`,
  );
  return (await app.storage.events.list(conversationId, { limit: 10_000 })).map((e) => e.seq);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
