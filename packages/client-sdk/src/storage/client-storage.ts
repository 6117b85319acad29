import type { Change, ChangeTarget, ConversationSummary, CustomData, LogEvent } from '@parley/protocol';

/**
 * The message a queued reply quotes, as the client knew it when the reply was queued: the id it
 * sends, and (when it held that message) what the server will copy, so the pending reply shows its
 * quote and the acked one enters the log exactly as the server stored it.
 */
export interface ReplyDraft {
  readonly messageId: string;
  readonly seq?: number;
  readonly senderId?: string;
  readonly preview?: string;
}

/**
 * A change of a message waiting in the outbox (an edit, a delete, a reaction added or taken
 * back): what the CHANGE frame says. `target` names the message by its server id, or, for the
 * device's own message that may still be in flight, by the `clientMsgId` it was sent with.
 */
export interface QueuedChange {
  readonly target: ChangeTarget;
  readonly change: Change;
}

/**
 * A file of a queued message: what the upload slot declares, where its bytes are kept on this
 * device (`localId`, a key of `ClientStorage.files`), and how far its upload got: `id` once the
 * server issued a slot (a cut upload renews that slot), `uploaded` once the bytes are stored.
 *
 * @example
 * const waiting = entry.attachments?.filter((a) => !a.uploaded).map((a) => a.name);
 */
export interface OutboxAttachment {
  /** This device's key for the bytes (`ClientStorage.files`); also `AttachmentView.localId`. */
  readonly localId: string;
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  /** `type/subtype`, lower case, no parameters. */
  readonly mimeType: string;
  readonly width?: number;
  readonly height?: number;
  /** A tiny `data:image/…;base64,` preview, for images. */
  readonly preview?: string;
  /** The server's attachment id, once an upload slot was issued. */
  readonly id?: string;
  /** The bytes are stored at the server's blob store (the message may be sent once all are). */
  readonly uploaded?: boolean;
}

/**
 * A message or a change waiting in the outbox: kept until the server acks it or the user discards
 * it. The content fields are all optional and new ones are only ever added, so an entry written by
 * an older release (`text` only) reads and sends as is: no stored entry needs migrating.
 */
export interface OutboxEntry {
  /** UUIDv7: entries replay in id order, which is creation order. */
  readonly clientMsgId: string;
  readonly conversationId: string;
  /** Absent for a message of app data only (`custom`). */
  readonly text?: string;
  readonly custom?: CustomData;
  readonly mentions?: readonly string[];
  readonly replyTo?: ReplyDraft;
  /** The id of the thread's root message, for a thread reply. */
  readonly threadId?: string;
  /**
   * The message's files, in the order shown. It is sent once every one is uploaded (it holds back
   * the later entries of its conversation meanwhile), naming them by their server ids.
   */
  readonly attachments?: readonly OutboxAttachment[];
  /** Times the files were uploaded again after the server found an upload incomplete (UPLOAD_INCOMPLETE). */
  readonly reuploads?: number;
  /**
   * Set when the entry is a change of a message rather than a message (sent as CHANGE, in the
   * same per-conversation order as messages). Entries written by releases before protocol 5 have
   * none: they are messages.
   */
  readonly change?: QueuedChange;
  /** Local creation time, for display only. */
  readonly createdAt: number;
  readonly status: 'pending' | 'failed';
  /** Sends of this entry so far (first send included). */
  readonly attempts: number;
  /** When it was last emitted on a socket; unset if never sent on the current connection. */
  readonly lastSentAt?: number;
  /** Earliest time of the next retry after a retryable nack. */
  readonly retryAt?: number;
  /** Why it failed, for `status: 'failed'`. */
  readonly error?: { readonly code: number; readonly message: string };
}

/**
 * Where the client keeps what must survive a reload: the outbox, a few meta values (the device
 * id) and the cache of the conversation log. Every method is async so an IndexedDB (or SQLite,
 * AsyncStorage…) implementation fits behind the same interface.
 *
 * @example
 * const chat = createChatClient({ url, getToken, storage: createMemoryStorage() });
 */
export interface ClientStorage {
  /**
   * Set by storage that several tabs (or windows) of one origin share, such as one IndexedDB
   * database: clients on the same scope elect one of them to hold the connection. Unset for
   * storage private to one client.
   */
  readonly scope?: string;
  readonly outbox: {
    /** Every entry, in `clientMsgId` order. */
    list(): Promise<OutboxEntry[]>;
    put(entry: OutboxEntry): Promise<void>;
    delete(clientMsgId: string): Promise<void>;
  };
  readonly meta: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };
  readonly conversations: {
    list(): Promise<ConversationSummary[]>;
    put(summary: ConversationSummary): Promise<void>;
    /** Drops the conversation with its cached events and cursor. */
    delete(conversationId: string): Promise<void>;
  };
  readonly events: {
    /** The newest `limit` cached events of a conversation (before `beforeSeq` if given), ascending. */
    list(conversationId: string, options?: { beforeSeq?: number; limit?: number }): Promise<LogEvent[]>;
    /**
     * Stores events; an event with a seq already stored replaces the stored copy. The log never
     * changes, but the client's copy of an event does: a newer fold of a message (from a history
     * page), or a deleted message's erased form, which must not keep the deleted text on disk.
     */
    put(events: readonly LogEvent[]): Promise<void>;
  };
  readonly cursors: {
    /** Highest contiguous seq held, per conversation. */
    list(): Promise<Record<string, number>>;
    set(conversationId: string, seq: number): Promise<void>;
  };
  /**
   * The bytes of files waiting to be uploaded, by `OutboxAttachment.localId`: written before the
   * message enters the outbox, deleted once it is stored by the server or discarded. Storage
   * without `files` keeps them in the client's memory only: a reload or a crash loses them, and
   * their messages then fail (a new tab cannot read another tab's memory either).
   */
  readonly files?: ClientFileStore;
  /**
   * Deletes everything this storage holds (outbox, meta, cache): `chat.signOut()` calls it after
   * closing the client. IndexedDB deletes its database; file storage removes its journal.
   */
  clear(): Promise<void>;
}

/**
 * Where a client keeps the bytes of files it has not uploaded yet. A Blob is what comes back,
 * whatever was put (`Uint8Array` bytes are wrapped).
 *
 * @example
 * const files: ClientFileStore = { put: async (id, data) => map.set(id, data instanceof Blob ? data : new Blob([data])), get: async (id) => map.get(id), delete: async (id) => void map.delete(id) };
 */
export interface ClientFileStore {
  put(localId: string, data: Blob | Uint8Array): Promise<void>;
  /** The bytes, or undefined when none are kept under `localId`. */
  get(localId: string): Promise<Blob | undefined>;
  /** Deleting what is not there is not an error. */
  delete(localId: string): Promise<void>;
}
