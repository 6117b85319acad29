import type { OutboxEntry } from '../storage/client-storage.js';
import type { ChatClient } from '../types.js';

/** A full client (socket, outbox, sync) as the leading tab runs it for every tab of the origin. */
export interface ChatCore {
  readonly client: ChatClient;
  /** Takes a message another tab stored in the shared outbox. */
  adoptOutboxEntry(entry: OutboxEntry): void;
}
