import type { LogEvent, MemberRole } from '@parley/protocol';
import type { ChatStore, StoredConversation } from '../store/types.js';

/** What the send path reads of a membership: who, and with which role. */
export interface MemberView {
  userId: string;
  role: MemberRole;
}

/** Event kinds that change nothing about who is a member or their role; every other kind does. */
const KEEPS_MEMBERS: ReadonlySet<string> = new Set([
  'message',
  'message.edited',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'conversation.updated',
]);

/** The members of one conversation as of seq `knownThrough` (every change up to it, maybe later ones too). */
interface Entry {
  /** The seq the members were read at: they are the members at every seq from here to `knownThrough`. */
  since: number;
  knownThrough: number;
  members: Map<string, MemberRole>;
  readAt: number;
  /** Seqs past `knownThrough` this node stored that keep the members: they advance it once contiguous. */
  ahead: Set<number>;
}

export interface MembershipCacheOptions {
  /** Conversations kept (least recently used go first). */
  maxConversations?: number;
  /**
   * How long a member list is trusted without reading it again. Every membership change the
   * server makes is a log event, which the cache sees (below) whatever the age; this bounds how
   * long a change made to the store some other way (an app's own script) goes unseen.
   */
  maxAgeMs?: number;
  /** A gap in the log longer than this is not read event by event: the members are read again. */
  maxGap?: number;
  now?: () => number;
}

/**
 * Members per conversation, kept between sends so a send reads the conversation row and appends:
 * no member read, and no member list for the fan-out. Correct across nodes and processes because
 * it is checked against the log, never against messages between nodes:
 *
 * - Every membership change is applied before its event is appended (all stores: one
 *   transaction, or the change first and then the event), and its event bumps the
 *   conversation's `lastSeq`.
 * - A send reads the conversation first. When its `lastSeq` is the seq the cached members are
 *   known through, nothing happened since they were read: they are exact. When it is further, the
 *   events in between are read (or, if this node stored them itself, already known): if none of
 *   them changes members the cache advances, otherwise (or when the gap is long) the members are
 *   read again, after that conversation read, so they hold every change up to its `lastSeq`.
 *
 * So a member removed on node A (ACKed: stored, seq assigned) is refused on node B by the next
 * send B handles: B's conversation read shows the removal's seq. The store remains the truth;
 * this only skips reading what the log says did not change.
 */
export class MembershipCache {
  private readonly entries = new Map<string, Entry>();
  private readonly reading = new Map<string, Promise<Entry>>();
  private readonly maxConversations: number;
  private readonly maxAgeMs: number;
  private readonly maxGap: number;
  private readonly now: () => number;

  constructor(
    private readonly store: ChatStore,
    options: MembershipCacheOptions = {},
  ) {
    this.maxConversations = options.maxConversations ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
    this.maxGap = options.maxGap ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** The user's membership of `conversation` (read just now from the store), or null for a non-member. */
  async member(conversation: StoredConversation, userId: string): Promise<MemberView | null> {
    const entry = await this.current(conversation);
    const role = entry.members.get(userId);
    return role === undefined ? null : { userId, role };
  }

  /**
   * The members at `seq`, when this node can tell without reading: the cached list is known
   * through `seq` (no membership change since it was read). Otherwise undefined (read them).
   */
  membersAt(conversationId: string, seq: number): string[] | undefined {
    const entry = this.fresh(conversationId);
    if (!entry || seq < entry.since || seq > entry.knownThrough) return undefined;
    return [...entry.members.keys()];
  }

  /** An event this node stored: a membership change drops the conversation's list; any other may advance it. */
  observe(event: LogEvent): void {
    const entry = this.entries.get(event.conversationId);
    if (!entry || event.seq <= entry.knownThrough) return;
    if (!KEEPS_MEMBERS.has(event.kind)) {
      this.entries.delete(event.conversationId);
      return;
    }
    if (entry.ahead.size >= this.maxGap) entry.ahead.clear();
    entry.ahead.add(event.seq);
    advance(entry);
  }

  /** Forgets a conversation (a membership change this node made, before its event is stored). */
  forget(conversationId: string): void {
    this.entries.delete(conversationId);
  }

  private fresh(conversationId: string): Entry | undefined {
    const entry = this.entries.get(conversationId);
    if (entry && this.now() - entry.readAt > this.maxAgeMs) {
      this.entries.delete(conversationId);
      return undefined;
    }
    return entry;
  }

  private async current(conversation: StoredConversation): Promise<Entry> {
    const entry = this.fresh(conversation.id);
    if (entry && entry.knownThrough >= conversation.lastSeq) {
      this.touch(conversation.id, entry);
      return entry;
    }
    if (entry && conversation.lastSeq - entry.knownThrough <= this.maxGap && (await this.catchUp(conversation, entry))) return entry;
    return this.read(conversation);
  }

  /** Reads the events between what the entry knows and `lastSeq`; true when none changes members. */
  private async catchUp(conversation: StoredConversation, entry: Entry): Promise<boolean> {
    const from = entry.knownThrough;
    const events = await this.store.readAfter(conversation.id, from, conversation.lastSeq - from);
    // Contiguous from `from + 1`: a missing event (still being written) is not assumed harmless.
    if (events.length < conversation.lastSeq - from) return false;
    for (const [i, event] of events.entries()) {
      if (event.seq !== from + 1 + i || !KEEPS_MEMBERS.has(event.kind)) return false;
    }
    if (this.entries.get(conversation.id) !== entry) return false;
    entry.knownThrough = Math.max(entry.knownThrough, conversation.lastSeq);
    advance(entry);
    return true;
  }

  /** Reads the members after `conversation` was read, so they hold every change up to its `lastSeq`. */
  private read(conversation: StoredConversation): Promise<Entry> {
    const pending = this.reading.get(conversation.id);
    if (pending) {
      // A read already under way serves this send only if it began after this conversation read did.
      return pending.then((entry) => (entry.knownThrough >= conversation.lastSeq ? entry : this.readNow(conversation)));
    }
    return this.readNow(conversation);
  }

  private readNow(conversation: StoredConversation): Promise<Entry> {
    const readAt = this.now();
    const reading = this.store.listMembers(conversation.id).then((members) => {
      const entry: Entry = { since: conversation.lastSeq, knownThrough: conversation.lastSeq, members: new Map(members.map((m) => [m.userId, m.role])), readAt, ahead: new Set() };
      const held = this.entries.get(conversation.id);
      // Two reads racing: keep the one that knows more.
      if (!held || held.knownThrough <= entry.knownThrough) this.touch(conversation.id, entry);
      return entry;
    });
    this.reading.set(conversation.id, reading);
    const done = () => {
      if (this.reading.get(conversation.id) === reading) this.reading.delete(conversation.id);
    };
    reading.then(done, done);
    return reading;
  }

  private touch(conversationId: string, entry: Entry): void {
    this.entries.delete(conversationId);
    this.entries.set(conversationId, entry);
    while (this.entries.size > this.maxConversations) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function advance(entry: Entry): void {
  for (const seq of [...entry.ahead]) if (seq <= entry.knownThrough) entry.ahead.delete(seq);
  while (entry.ahead.delete(entry.knownThrough + 1)) entry.knownThrough += 1;
}
