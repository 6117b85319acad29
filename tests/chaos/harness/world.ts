import { createChatClient, createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import type { Rng } from './prng.js';

/** The options of `createChatClient` a chaos device uses, in a form every release accepts. */
export type CreateClient = (options: {
  url: string;
  getToken: () => Promise<string>;
  storage: ReturnType<typeof createMemoryStorage>;
  deviceId: string;
  reconnect: { baseMs: number; maxMs: number };
  ackTimeoutMs: number;
  requestTimeoutMs: number;
}) => ChatClient;

/** One installation of the real client SDK (outbox, retries, sync), connected through the proxy. */
export interface Device {
  readonly userId: string;
  readonly deviceId: string;
  readonly chat: ChatClient;
  /** The device runs a previous release's client (text only on the wire it speaks). */
  readonly previous?: boolean;
}

/** A `chat.send()` the harness made: the oracle checks that each ends ACKed or visibly failed. */
export interface SentRecord {
  readonly device: Device;
  readonly conversationId: string;
  readonly clientMsgId: string;
  readonly text: string;
  /** What else the message carries (current clients only): app data and mentions, stored as sent. */
  readonly custom?: Record<string, unknown>;
  readonly mentions?: readonly string[];
  /** Position of this `send()` call among the device's calls: the order its messages must be stored in. */
  readonly callIndex: number;
}

export interface WorldOptions {
  url: string;
  issueToken(userId: string): Promise<string>;
  rng: Rng;
  /** Resend after this long without an ACK (the SDK's default is 10 s; chaos runs are short). */
  ackTimeoutMs?: number;
}

/**
 * The users, their devices and conversations of a chaos run, and the traffic they make. All of
 * it goes through the SDK exactly as an app would use it.
 */
export class World {
  readonly devices: Device[] = [];
  /** Conversation id → member user ids (membership does not change during a run). */
  readonly conversations = new Map<string, readonly string[]>();
  readonly sent: SentRecord[] = [];
  /** `send()` calls made per device so far; numbered when called, not when they resolve. */
  private readonly calls = new Map<Device, number>();

  constructor(private readonly options: WorldOptions) {}

  /**
   * `create`: which release's `createChatClient` this device runs (default: the current one; a
   * previous release's, from its snapshot in tests/fixtures/releases, for mixed-version runs).
   */
  addDevice(
    userId: string,
    deviceId = `${userId}-d${this.devices.filter((d) => d.userId === userId).length}`,
    create: CreateClient = createChatClient,
  ): Device {
    const chat = create({
      url: this.options.url,
      getToken: () => this.options.issueToken(userId),
      storage: createMemoryStorage(),
      deviceId,
      reconnect: { baseMs: 50, maxMs: 1000 },
      ackTimeoutMs: this.options.ackTimeoutMs ?? 1500,
      requestTimeoutMs: 5000,
    });
    const device = { userId, deviceId, chat, ...(create === createChatClient ? {} : { previous: true }) };
    this.devices.push(device);
    return device;
  }

  /** Creates a group and waits until every member device knows it, so each holds it from seq 1. */
  async createGroup(owner: Device, members: readonly string[], timeoutMs = 20_000): Promise<string> {
    await until(() => owner.chat.getSnapshot().connection.status === 'online', timeoutMs, `${owner.deviceId} online`);
    const { id } = await owner.chat.createGroup({ title: `chaos ${this.conversations.size}`, members: members.filter((m) => m !== owner.userId) });
    const all = [...new Set([owner.userId, ...members])];
    this.conversations.set(id, all);
    await until(() => this.membersOf(id).every((d) => d.chat.getConversation(id) !== undefined), timeoutMs, `group ${id} on every device`);
    return id;
  }

  membersOf(conversationId: string): Device[] {
    const members = this.conversations.get(conversationId) ?? [];
    return this.devices.filter((d) => members.includes(d.userId));
  }

  async send(device: Device, conversationId: string): Promise<void> {
    const callIndex = this.calls.get(device) ?? 0;
    this.calls.set(device, callIndex + 1);
    const text = `${device.deviceId}#${callIndex}`;
    if (device.previous) {
      const view = await device.chat.send(conversationId, text);
      this.sent.push({ device, conversationId, clientMsgId: view.clientMsgId!, text, callIndex });
      return;
    }
    // Every other message of a current device carries app data, and mentions another member: the
    // oracle checks they are stored and shown exactly as sent.
    const { rng } = this.options;
    const others = (this.conversations.get(conversationId) ?? []).filter((u) => u !== device.userId);
    const custom = callIndex % 2 === 1 ? { n: callIndex, from: device.deviceId, nested: [{ k: 'é🙂' }, null, 1.5] } : undefined;
    const mentions = others.length > 0 && rng.chance(0.3) ? [rng.pick(others)] : undefined;
    const view = await device.chat.send(conversationId, custom ? { text, custom } : text, mentions ? { mentions } : {});
    this.sent.push({
      device, conversationId, clientMsgId: view.clientMsgId!, text, callIndex, ...(custom ? { custom } : {}), ...(mentions ? { mentions } : {}),
    });
  }

  /**
   * Every device that belongs to a conversation sends to random ones of its conversations, one
   * message every `everyMs` on average, until `durationMs` passed. Resolves when it stopped.
   * With `burst` > 1 a device sends that many at once (one conversation), then pauses as long:
   * several of its messages are in flight together, as when a user types fast or comes online.
   */
  async traffic(durationMs: number, everyMs: number, senders: readonly Device[] = this.devices, burst = 1): Promise<void> {
    const { rng } = this.options;
    const stopAt = Date.now() + durationMs;
    await Promise.all(
      senders.map(async (device) => {
        const mine = [...this.conversations].filter(([, members]) => members.includes(device.userId)).map(([id]) => id);
        if (mine.length === 0) return;
        await sleep(rng.int(0, everyMs));
        while (Date.now() < stopAt) {
          const conversationId = rng.pick(mine);
          const count = burst > 1 ? rng.int(1, burst * 2 - 1) : 1;
          for (let i = 0; i < count; i++) await this.send(device, conversationId);
          await sleep(count * rng.int(everyMs >> 1, everyMs + (everyMs >> 1)));
        }
      }),
    );
  }

  /** Waits until no outbox entry is still pending: each is ACKed or failed. */
  async settle(timeoutMs: number): Promise<boolean> {
    return until(() => this.sent.every((s) => statusOf(s) !== 'pending'), timeoutMs, 'outboxes settled').then(
      () => true,
      () => false,
    );
  }

  close(): void {
    for (const device of this.devices) device.chat.close();
  }
}

export function statusOf(record: SentRecord): 'pending' | 'sent' | 'failed' | 'missing' {
  return record.device.chat.getMessages(record.conversationId).find((m) => m.clientMsgId === record.clientMsgId)?.status ?? 'missing';
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
