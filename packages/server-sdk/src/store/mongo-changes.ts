import type { Collection, Filter, UpdateFilter } from 'mongodb';
import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, ChangeInput, ChangeResult, ChatStore, RoleChange } from './types.js';
import { ownerFirst } from './moderation-helpers.js';
import { changeErasure, changeEvent } from './store-helpers.js';
import { detailsUpdate } from './mongo-details.js';
import { memberKey, toConversation, toEvent, withIndexRetries, type ConversationDoc, type MemberDoc, type MongoCollections } from './mongo-documents.js';

/**
 * A change made (or being made) whose event may not be appended yet, or a message change whose
 * erasure may not be made yet: kept on its conversation's document, in the same write that makes
 * the change (or takes its number), until its event is appended (and its erasure made).
 */
export interface PendingChange {
  /** The change's number in its conversation (the `changeSeq` it took): changes are logged in this order. */
  n: number;
  senderId: string;
  clientMsgId: string;
  ts: number;
  kind: ChangeInput['kind'];
  /** The event's data as JSON text: details' `custom` may hold keys a document cannot. */
  dataJson: string;
  /** An edit's `eraseReplaced` (format 7; absent on other kinds). */
  eraseReplaced?: boolean;
}

/** Fields a conversation document gets from its changes (additive: older builds ignore them). */
export interface ChangeFields {
  /** How many changes were made: each takes the next number, by compare-and-set. */
  changeSeq?: number;
  /** Group changes (format 5). */
  pendingChanges?: PendingChange[];
  /**
   * Message changes (format 7), apart from group changes because a protocol-8 node finishes
   * every record of `pendingChanges` it reads: it would append an edit's event and drop the
   * record without the erasure. It never reads this field.
   */
  pendingMessageChanges?: PendingChange[];
}

/** Where a change's record is kept. */
type PendingField = 'pendingChanges' | 'pendingMessageChanges';
const fieldOf = (kind: ChangeInput['kind']): PendingField =>
  kind === 'message.edited' || kind === 'message.deleted' ? 'pendingMessageChanges' : 'pendingChanges';

/** A member's role is stamped with the number of the change that set it (or the conversation's count when another write did). */
export interface RoleStamp {
  roleChange?: number;
}

/** Attempts at taking a change number before giving up; only reachable under extreme contention. */
const MAX_ATTEMPTS = 50;

type Appender = {
  exclusive<T>(conversationId: string, task: (append: (input: AppendInput) => Promise<AppendResult>) => Promise<T>): Promise<T>;
};

/**
 * Changes (`appendChange`) without transactions, as a write-ahead intent. FerretDB has no
 * multi-document transactions, so a change and its event cannot be one write; instead:
 *
 * 1. One `updateOne` of the conversation document takes the next change number (compare-and-set
 *    on `changeSeq`), applies a details change, and records the change in `pendingChanges` (a
 *    message change in `pendingMessageChanges`): one document, so readers and crashes see all of
 *    it or none.
 * 2. For a role change, the member documents get their roles, each only if no later change set
 *    it already (`roleChange` below the change's number): a finisher that comes late undoes nothing.
 * 3. The event is appended (deduplicated by its clientMsgId), after every earlier pending change's.
 *    For a message change, its erasure follows (`eraseMessage`, idempotent).
 * 4. The change leaves its list.
 *
 * A crash before 1 changes nothing. After 1 (or 2, 3), the change stands and its event is owed:
 * readers see the new details at the old seq (what a reader between the two writes of the SQLite
 * era saw too: the event that follows changes nothing more). `finishPendingChanges` (the server
 * runs it at start and before each change, and every change runs it for its conversation) does 2
 * to 4 for every recorded change, in number order: the event is appended once, whoever finishes it.
 *
 * A repeated clientMsgId finds its event (or its pending change) and applies nothing again: the
 * document is read before the event is looked for, so a change missing from both was not made.
 */
export function createMongoChanges(
  { conversations: plainConversations, members: plainMembers, eventsLatest }: MongoCollections,
  appender: Appender,
  findConversation: (conversationId: string) => Promise<ConversationDoc | null>,
  eraseMessage: ChatStore['eraseMessage'],
) {
  const conversations = plainConversations as unknown as Collection<ConversationDoc & ChangeFields>;
  const members = plainMembers as unknown as Collection<MemberDoc & RoleStamp>;

  const sameKey = (a: { senderId: string; clientMsgId: string }, b: { senderId: string; clientMsgId: string }) =>
    a.senderId === b.senderId && a.clientMsgId === b.clientMsgId;

  /** Step 1: records and applies the change, unless it was made before. The original event, 'pending' (made, not logged yet) or 'made'. */
  async function record(input: ChangeInput): Promise<LogEvent | 'pending' | 'made'> {
    for (let attempt = 1; ; attempt++) {
      const doc = await conversations.findOne({ _id: input.conversationId }, { projection: { changeSeq: 1, pendingChanges: 1, pendingMessageChanges: 1 } });
      if (!doc) throw new Error(`conversation ${input.conversationId} does not exist`);
      if ([...(doc.pendingChanges ?? []), ...(doc.pendingMessageChanges ?? [])].some((change) => sameKey(change, input))) return 'pending';
      // Looked for after the document was read: a change gone from it has its event appended.
      const original = await eventsLatest.findOne({ conversationId: input.conversationId, senderId: input.senderId, clientMsgId: input.clientMsgId });
      if (original) return toEvent(original);
      const n = (doc.changeSeq ?? 0) + 1;
      const pending: PendingChange = {
        n,
        senderId: input.senderId,
        clientMsgId: input.clientMsgId,
        ts: input.ts,
        kind: input.kind,
        dataJson: JSON.stringify(input.data),
        ...(input.kind === 'message.edited' ? { eraseReplaced: input.eraseReplaced } : {}),
      };
      const details = input.kind === 'conversation.updated' ? detailsUpdate(input.data) : {};
      const update = { ...details, $set: { ...details.$set, changeSeq: n }, $push: { [fieldOf(input.kind)]: pending } } as UpdateFilter<ConversationDoc & ChangeFields>;
      const taken: Filter<ConversationDoc & ChangeFields> = { _id: input.conversationId, changeSeq: doc.changeSeq ?? { $exists: false } };
      if ((await conversations.updateOne(taken, update)).matchedCount === 1) return 'made';
      // Another node's change took the number first: read again.
      if (attempt >= MAX_ATTEMPTS) throw new Error(`change of ${input.conversationId}: no free change number after ${attempt} attempts`);
    }
  }

  /** Step 2 for a role change: each member's role, unless a later change (or write) set it already. */
  async function applyRoles(conversationId: string, changes: readonly RoleChange[], n: number): Promise<void> {
    for (const { userId, role } of ownerFirst(changes)) {
      await members.updateOne(
        { _id: memberKey(conversationId, userId), conversationId, $or: [{ roleChange: { $exists: false } }, { roleChange: { $lt: n } }] },
        { $set: { role, roleChange: n } },
      );
    }
  }

  /** Steps 2 to 4 for every change recorded on the conversation, in number order. Runs in the conversation's turn. */
  async function finish(conversationId: string, append: (input: AppendInput) => Promise<AppendResult>): Promise<(AppendResult & { change: PendingChange })[]> {
    const doc = await conversations.findOne({ _id: conversationId }, { projection: { pendingChanges: 1, pendingMessageChanges: 1 } });
    const pending = [...(doc?.pendingChanges ?? []), ...(doc?.pendingMessageChanges ?? [])].sort((a, b) => a.n - b.n);
    const results: (AppendResult & { change: PendingChange })[] = [];
    for (const change of pending) {
      const { n, dataJson, ...key } = change;
      const input = { conversationId, ...key, data: JSON.parse(dataJson) as unknown } as ChangeInput;
      if (input.kind === 'members.role') await applyRoles(conversationId, input.data.changes, n);
      const appended = await append(changeEvent(input));
      // Also for a duplicate: the event may be all a crash let the change make.
      const erasure = changeErasure(input, appended.event);
      if (erasure) await eraseMessage(conversationId, erasure.messageSeq, erasure);
      results.push({ ...appended, change });
      // The whole record as read, not a condition on `n`: FerretDB 1.x pulls exact values only.
      await conversations.updateOne({ _id: conversationId }, { $pull: { [fieldOf(change.kind)]: change } } as UpdateFilter<ConversationDoc & ChangeFields>);
    }
    return results;
  }

  async function conversationAfter(conversationId: string) {
    const doc = await findConversation(conversationId);
    if (!doc) throw new Error(`conversation ${conversationId} vanished during a change`);
    return toConversation(doc);
  }

  return {
    async appendChange(input: ChangeInput): Promise<ChangeResult> {
      return appender.exclusive(input.conversationId, async (append) => {
        const recorded = await record(input);
        if (typeof recorded === 'object') return { event: recorded, duplicate: true, conversation: await conversationAfter(input.conversationId) };
        const finished = await finish(input.conversationId, append);
        // Another node may have finished it first (its event is stored, its erasure made, and it
        // is gone from the document).
        const mine = finished.find(({ change }) => sameKey(change, input)) ?? (await append(changeEvent(input)));
        return { event: mine.event, duplicate: mine.duplicate, conversation: await conversationAfter(input.conversationId) };
      });
    },

    async finishPendingChanges(conversationId?: string): Promise<AppendResult[]> {
      const withPending = async (field: PendingField) =>
        (await conversations.find({ [`${field}.n`]: { $gte: 0 } }, { projection: { _id: 1 } }).toArray()).map((doc) => doc._id);
      const ids = conversationId !== undefined ? [conversationId] : [...new Set([...(await withPending('pendingChanges')), ...(await withPending('pendingMessageChanges'))])];
      const results: AppendResult[] = [];
      for (const id of ids) {
        for (const { event, duplicate } of await appender.exclusive(id, (append) => finish(id, append))) results.push({ event, duplicate });
      }
      return results;
    },

    /** The stamp a role written outside a change gets (a join, an heir): no earlier change's finisher overwrites it. */
    async roleStamp(conversationId: string): Promise<number> {
      return (await conversations.findOne({ _id: conversationId }, { projection: { changeSeq: 1 } }))?.changeSeq ?? 0;
    },

    /** The sparse indexes that find conversations with changes still pending (at start) without a scan. */
    async ensureIndexes(): Promise<void> {
      await withIndexRetries(() => conversations.createIndex({ 'pendingChanges.n': 1 }, { name: 'parley_conversations_pending', sparse: true }));
      await withIndexRetries(() => conversations.createIndex({ 'pendingMessageChanges.n': 1 }, { name: 'parley_conversations_pending_messages', sparse: true }));
    },
  };
}
