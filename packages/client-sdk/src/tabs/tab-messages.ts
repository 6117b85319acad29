import type { OutboxEntry } from '../storage/client-storage.js';
import type { StateUpdate } from './state-sync.js';

/**
 * The messages tabs exchange on their channel. Every one names its sender; replies name their
 * recipient, since a channel reaches every tab.
 */
export type TabMessage =
  /** A tab joined (or lost its leader) and wants the whole state. */
  | { readonly kind: 'hello'; readonly from: string }
  /** From the leading tab: its state, whole or changed. */
  | { readonly kind: 'state'; readonly from: string; readonly update: StateUpdate }
  /** A following tab stored a message in the shared outbox: the leading tab sends it. */
  | { readonly kind: 'adopt'; readonly from: string; readonly entry: OutboxEntry }
  /** The conversations a tab shows (all of them, replacing what it said before): the leading tab watches them. */
  | { readonly kind: 'watch'; readonly from: string; readonly conversationIds: readonly string[] }
  /** A tab closed: the leading tab forgets what it watched for it. */
  | { readonly kind: 'bye'; readonly from: string }
  /** A tab signed out: every tab of the storage closes (the user's local data is being deleted). */
  | { readonly kind: 'signOut'; readonly from: string }
  | { readonly kind: 'call'; readonly from: string; readonly id: string; /** A `ChatClient` method name. */
      readonly method: string; readonly args: readonly unknown[] }
  | {
      readonly kind: 'reply';
      readonly from: string;
      readonly to: string;
      readonly id: string;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: { readonly code: number; readonly message: string };
    };

const KINDS = new Set<string>(['hello', 'state', 'adopt', 'watch', 'bye', 'signOut', 'call', 'reply']);

/** Other code on the page may use a channel of the same name: ignore what is not ours. */
export function isTabMessage(data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { kind, from } = data as { kind?: unknown; from?: unknown };
  return typeof kind === 'string' && KINDS.has(kind) && typeof from === 'string';
}
