import { expect } from 'vitest';
import { until } from '../helpers/fixtures.js';

/** A message as both releases' clients and today's show it (the fields these tests read). */
export interface HeldMessage {
  readonly seq?: number;
  readonly text?: string;
  readonly senderId: string;
  readonly status: string;
  readonly receipt?: string;
}

/** One user's device, whichever client runs on it: what the mixed-cluster tests do and read. */
export interface Device {
  readonly name: string;
  readonly userId: string;
  send(conversationId: string, text: string): Promise<unknown>;
  markRead(conversationId: string): void;
  typing(conversationId: string): void;
  getMessages(conversationId: string): readonly HeldMessage[];
  getSnapshot(): {
    readonly connection: { readonly status: string; readonly lastError?: unknown };
    readonly typing: Readonly<Record<string, readonly string[]>>;
  };
  close(): void;
}

/** A message sent during the deploy: its text (unique in its conversation) and the device that sent it. */
export interface Sent {
  text: string;
  from: string;
}

export const WAIT = 90_000;
export const statusOf = (device: Device): string => device.getSnapshot().connection.status;

/** What a device holds of a conversation, for a failure message: `seq:text` (`?` while pending). */
export function held(device: Device, conversationId: string): string {
  const messages = device.getMessages(conversationId).map((m) => `${m.seq ?? '?'}:${m.text}`);
  return `${device.name} (${statusOf(device)}) holds [${messages.join(', ')}]`;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, seen: () => string = () => ''): Promise<void> {
  await until(check, WAIT, () => `${what}; ${seen()}`);
}

export async function waitOnline(devices: readonly Device[]): Promise<void> {
  for (const d of devices) await waitUntil(() => statusOf(d) === 'online', `${d.name} online`, () => JSON.stringify(d.getSnapshot().connection));
}

/**
 * Waits until every device holds every message sent to the conversation, stored (with a seq),
 * then checks what a user would notice: each message once, nothing else, in seq order, in the
 * same order on every device, and each device's messages in the order it sent them.
 */
export async function expectConverged(devices: readonly Device[], conversationId: string, sent: readonly Sent[]): Promise<void> {
  const storedTexts = (d: Device) => new Set(d.getMessages(conversationId).flatMap((m) => (m.seq === undefined ? [] : [m.text])));
  await waitUntil(
    () => devices.every((d) => sent.every((m) => storedTexts(d).has(m.text))),
    `every device to hold the ${sent.length} messages of ${conversationId}`,
    () => devices.map((d) => held(d, conversationId)).join('; '),
  );
  const orders = devices.map((d) => d.getMessages(conversationId).map((m) => ({ seq: m.seq, text: m.text })));
  for (const [i, order] of orders.entries()) {
    const why = held(devices[i]!, conversationId);
    expect([...order.map((m) => m.text)].sort(), why).toEqual(sent.map((m) => m.text).sort());
    const seqs = order.map((m) => m.seq ?? -1);
    expect(seqs.every((seq, j) => j === 0 || seq > seqs[j - 1]!), `seq order: ${why}`).toBe(true);
    expect(order, `the same order as ${devices[0]!.name}: ${why}`).toEqual(orders[0]);
  }
  const texts = orders[0]!.map((m) => m.text ?? '');
  // One device's messages keep their order; two devices of one user may interleave either way.
  for (const from of new Set(sent.map((m) => m.from))) {
    const mine = sent.filter((m) => m.from === from).map((m) => m.text);
    expect(texts.filter((t) => mine.includes(t)), `${from}'s messages in the order sent`).toEqual(mine);
  }
}
