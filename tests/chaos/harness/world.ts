import { createChatClient, createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { GroupAdmin } from './group-admin.js';
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
  /** Its outbox (to tell when it settled: every entry, message or change, acked or failed). */
  readonly storage?: ReturnType<typeof createMemoryStorage>;
}

/** A change (edit, delete, react, unreact) the harness queued through the SDK. */
export interface ChangeRecord {
  readonly device: Device;
  readonly conversationId: string;
  readonly kind: 'edit' | 'delete' | 'react' | 'unreact';
  /** The original text of the message it targets (what the harness sent). */
  readonly target: string;
  /** The new text, for an edit: `editText(target, n)`. */
  readonly text?: string;
}

/**
 * The text of a message as sent, and of its n-th edit: an edit names its target without
 * repeating it, so a search of the store for a message's text never finds its edits, and an
 * edit shown on another message betrays itself.
 */
export const sentText = (deviceId: string, callIndex: number) => `[${deviceId}#${callIndex}]`;
export const editText = (target: string, n: number) => `{${target.slice(1, -1)}|edit ${n}}`;
/** The sent text an edit text names. */
export const editTarget = (text: string) => (/^\{(.+)\|edit \d+\}$/.exec(text)?.[1] ?? null);
const REACTIONS = ['👍', '🎉', 'ok_hand'];

/** A `chat.send()` the harness made: the oracle checks that each ends ACKed or visibly failed. */
export interface SentRecord {
  readonly device: Device;
  readonly conversationId: string;
  readonly clientMsgId: string;
  readonly text: string;
  /** What else the message carries (current clients only): app data and mentions, stored as sent. */
  readonly custom?: Record<string, unknown>;
  readonly mentions?: readonly string[];
  /** The files it carries (current clients only, `World.fileRate`): stored with the message, in this order. */
  readonly files?: readonly SentFile[];
  /** Position of this `send()` call among the device's calls: the order its messages must be stored in. */
  readonly callIndex: number;
}

/** A file the harness attached: what the stored message must carry. */
export interface SentFile {
  readonly name: string;
  readonly size: number;
  readonly mimeType: string;
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
  readonly changes: ChangeRecord[] = [];
  /** Changes the SDK refused before queueing (a message deleted meanwhile, say): not sent, not checked. */
  refusedChanges = 0;
  /** How often a device changes a message instead of sending one (current devices only). */
  changeRate = 0.35;
  /**
   * How often a current device's user changes one of its groups instead (details or roles, as
   * the owner, or tried as a member: refused), through `admin`.
   */
  adminRate = 0.1;
  /** How often a current device's message carries files (one or two, 1 byte to 192 KiB each). */
  fileRate = 0;
  readonly admin: GroupAdmin;
  /** `send()` calls made per device so far; numbered when called, not when they resolve. */
  private readonly calls = new Map<Device, number>();

  constructor(private readonly options: WorldOptions) {
    this.admin = new GroupAdmin(options.url, options.issueToken, options.rng);
  }

  /**
   * `create`: which release's `createChatClient` this device runs (default: the current one; a
   * previous release's, from its snapshot in tests/fixtures/releases, for mixed-version runs).
   */
  addDevice(
    userId: string,
    deviceId = `${userId}-d${this.devices.filter((d) => d.userId === userId).length}`,
    create: CreateClient = createChatClient,
  ): Device {
    const storage = createMemoryStorage();
    const chat = create({
      url: this.options.url,
      getToken: () => this.options.issueToken(userId),
      storage,
      deviceId,
      reconnect: { baseMs: 50, maxMs: 1000 },
      ackTimeoutMs: this.options.ackTimeoutMs ?? 1500,
      requestTimeoutMs: 5000,
    });
    const device = { userId, deviceId, chat, storage, ...(create === createChatClient ? {} : { previous: true }) };
    this.devices.push(device);
    return device;
  }

  /** Creates a group and waits until every member device knows it, so each holds it from seq 1. */
  async createGroup(owner: Device, members: readonly string[], timeoutMs = 20_000): Promise<string> {
    await until(() => owner.chat.getSnapshot().connection.status === 'online', timeoutMs, `${owner.deviceId} online`);
    const { id } = await owner.chat.createGroup({ title: `chaos ${this.conversations.size}`, members: members.filter((m) => m !== owner.userId) });
    const all = [...new Set([owner.userId, ...members])];
    this.conversations.set(id, all);
    this.admin.setOwner(id, owner.userId);
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
    const text = sentText(device.deviceId, callIndex);
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
    const files = this.fileRate > 0 && rng.chance(this.fileRate) ? this.files(device, callIndex) : undefined;
    const content = files ? { text, ...(custom ? { custom } : {}), attachments: files.map((f) => f.input) } : custom ? { text, custom } : text;
    const view = await device.chat.send(conversationId, content, mentions ? { mentions } : {});
    this.sent.push({
      device, conversationId, clientMsgId: view.clientMsgId!, text, callIndex, ...(custom ? { custom } : {}), ...(mentions ? { mentions } : {}),
      ...(files ? { files: files.map((f) => f.sent) } : {}),
    });
  }

  /** One or two files of seeded bytes, named after the message that carries them. */
  private files(device: Device, callIndex: number): Array<{ input: { data: Uint8Array; name: string; type: string }; sent: SentFile }> {
    const { rng } = this.options;
    return Array.from({ length: rng.int(1, 2) }, (_, i) => {
      const size = rng.chance(0.2) ? rng.int(1, 64) : rng.int(1024, 192 * 1024);
      const data = new Uint8Array(size);
      for (let b = 0; b < size; b += 4096) data[b] = rng.int(0, 255);
      const mimeType = i === 0 ? 'image/png' : 'application/pdf';
      const name = `${device.deviceId}-${callIndex}-${i}.${i === 0 ? 'png' : 'pdf'}`;
      return { input: { data, name, type: mimeType }, sent: { name, size, mimeType } };
    });
  }

  /**
   * Changes one of the messages the device shows in a conversation, as a user would: reacts to
   * any (or takes its reaction back), edits or (rarely) deletes one of its own. The SDK may refuse
   * before queueing (the message was deleted meanwhile): counted, not recorded.
   */
  async change(device: Device, conversationId: string): Promise<void> {
    const { rng } = this.options;
    const shown = device.chat.getMessages(conversationId).filter((m) => !m.deleted && m.text !== undefined);
    const own = shown.filter((m) => m.senderId === device.userId && m.clientMsgId !== undefined);
    const roll = rng.int(0, 99);
    const message = roll < 55 || own.length === 0 ? (shown.length > 0 ? rng.pick(shown) : undefined) : rng.pick(own);
    if (!message) return;
    const id = message.id ?? message.clientMsgId!;
    const target = this.originalText(message.text!);
    try {
      if (roll < 55) {
        const key = rng.pick(REACTIONS);
        const mine = message.reactions.some((r) => r.key === key && r.mine);
        await (mine ? device.chat.unreact(conversationId, id, key) : device.chat.react(conversationId, id, key));
        this.changes.push({ device, conversationId, kind: mine ? 'unreact' : 'react', target });
      } else if (roll < 90) {
        const text = editText(target, this.changes.filter((c) => c.target === target && c.kind === 'edit').length + 1);
        await device.chat.edit(conversationId, id, text);
        this.changes.push({ device, conversationId, kind: 'edit', target, text });
      } else {
        await device.chat.delete(conversationId, id);
        this.changes.push({ device, conversationId, kind: 'delete', target });
      }
    } catch {
      this.refusedChanges++;
    }
  }

  /** The sent text behind what a message shows now (itself, or the target of the edit shown). */
  private originalText(shown: string): string {
    const target = editTarget(shown);
    return target === null ? shown : `[${target}]`;
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
          for (let i = 0; i < count; i++) {
            if (!device.previous && rng.chance(this.adminRate)) await this.admin.act(device.userId, conversationId, this.conversations.get(conversationId) ?? []);
            else if (!device.previous && rng.chance(this.changeRate)) await this.change(device, conversationId);
            else await this.send(device, conversationId);
          }
          await sleep(count * rng.int(everyMs >> 1, everyMs + (everyMs >> 1)));
        }
      }),
    );
  }

  /** Waits until no outbox entry (message or change) is still pending: each is ACKed or failed. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const outboxesSettled = async () => {
      for (const device of this.devices) {
        if (!device.storage) continue;
        if ((await device.storage.outbox.list()).some((entry) => entry.status === 'pending')) return false;
      }
      return true;
    };
    while (Date.now() < deadline) {
      if (this.sent.every((s) => statusOf(s) !== 'pending') && (await outboxesSettled())) return true;
      await sleep(50);
    }
    return false;
  }

  close(): void {
    this.admin.close();
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
