import type { ChatClient } from '@parley/client-sdk';
import { sdkClient } from '../helpers/sdk.js';
import { devToken } from './cluster-nodes.js';
import { held, waitUntil, type Device } from './devices.js';
import type { ReleaseChatClient, ReleaseClientModule, ReleaseClientOptions } from './releases.js';

/** The part of an old app's storage these tests read: the seq up to which it holds the log without a hole. */
export interface ReleaseStorage {
  cursors: { list(): Promise<Record<string, number>> };
}
/** An old app, with the warnings it logged (an old client logs each frame it cannot parse and drops it). */
export type OldDevice = Device & { chat: ReleaseChatClient; storage: ReleaseStorage; warnings: string[] };
export type CurrentDevice = Device & { chat: ChatClient };

/** An old release's app connected to the node at `url`, on its own memory storage. */
export function oldDevice(mod: ReleaseClientModule, url: string, userId: string, name: string): OldDevice {
  const storage = mod.createMemoryStorage() as ReleaseStorage;
  const warnings: string[] = [];
  const note = (message: string, fields?: unknown) => void warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
  // Every release takes a logger, though the suite's description of their options leaves it out.
  const options: ReleaseClientOptions & { logger: object } = {
    logger: { debug: () => {}, info: () => {}, warn: note, error: note },
    url,
    getToken: () => devToken(url, userId),
    storage,
    deviceId: name,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: 2000,
    deliveredDelayMs: 20,
    typingThrottleMs: 20,
  };
  const chat = mod.createChatClient(options);
  return { ...deviceOf(chat, userId, name), chat, storage, warnings };
}

/** Today's app connected to the node at `url`. */
export function currentDevice(url: string, userId: string, name: string): CurrentDevice {
  const chat = sdkClient({ url, token: (user) => devToken(url, user) }, userId, { deviceId: name });
  return { ...deviceOf(chat, userId, name), chat };
}

function deviceOf(chat: ReleaseChatClient | ChatClient, userId: string, name: string): Device {
  return {
    name,
    userId,
    send: (conversationId, text) => chat.send(conversationId, text),
    markRead: (conversationId) => chat.markRead(conversationId),
    typing: (conversationId) => chat.typing(conversationId),
    getMessages: (conversationId) => chat.getMessages(conversationId),
    getSnapshot: () => chat.getSnapshot(),
    close: () => void chat.close(),
  };
}

/** The warnings of an old app that say it dropped a frame it could not parse. */
export const invalidFrames = (device: OldDevice): string[] => device.warnings.filter((w) => w.includes('invalid frame'));

/** The highest seq a device holds of a conversation. */
export const lastSeqOf = (device: Device, conversationId: string): number =>
  Math.max(0, ...device.getMessages(conversationId).map((m) => m.seq ?? 0));

/** An old app holds every seq of the conversation up to `lastSeq`: its stored cursor says so. */
export async function expectNoHole(device: OldDevice, conversationId: string, lastSeq: number): Promise<void> {
  await waitUntil(
    async () => (await device.storage.cursors.list())[conversationId] === lastSeq,
    `${device.name} to hold the log of ${conversationId} without a hole up to ${lastSeq}`,
    () => `${held(device, conversationId)}; its warnings: ${device.warnings.join(' | ').slice(0, 2000)}`,
  );
}
