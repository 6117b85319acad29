import type { Collection } from 'mongodb';
import type { ConversationPatch } from '@parley/protocol';
import type { ChatStore } from './types.js';
import { ownerFirst, patchedDetails } from './moderation-helpers.js';
import type { ChangeFields, RoleStamp } from './mongo-changes.js';
import { memberKey, toConversation, toMember, type ConversationDoc, type MemberDoc, type MongoCollections } from './mongo-documents.js';

/** The update of a conversation document that applies a details patch: set fields, cleared ones unset (absent reads as null). */
export function detailsUpdate(patch: ConversationPatch): { $set?: Partial<ConversationDoc>; $unset?: Record<string, ''> } {
  const details = patchedDetails(patch);
  const set: Record<string, unknown> = {};
  const unset: Record<string, ''> = {};
  const put = (field: keyof ConversationDoc, value: unknown) => {
    if (value === null) unset[field] = '';
    else set[field] = value;
  };
  if ('title' in details) set.title = details.title ?? null;
  if (details.image !== undefined) put('image', details.image);
  if (details.description !== undefined) put('description', details.description);
  if (details.custom !== undefined) put('customJson', details.custom === null ? null : JSON.stringify(details.custom));
  if (details.slowModeMs !== undefined) put('slowModeMs', details.slowModeMs);
  return {
    ...(Object.keys(set).length > 0 ? { $set: set as Partial<ConversationDoc> } : {}),
    ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
  };
}

/**
 * The MongoDB store's group details, roles, mute and the heir rule (format 4 fields, additive:
 * documents without them read as null). No transactions (FerretDB has none), so each method says
 * what a crash between two of its writes leaves.
 */
export function createMongoDetails(
  { conversations, members }: Pick<MongoCollections, 'conversations' | 'members'>,
  findConversation: (conversationId: string) => Promise<ConversationDoc | null>,
): Pick<ChatStore, 'updateConversation' | 'setRoles' | 'setMutedUntil'> & { passOwnership(conversationId: string): Promise<void> } {
  return {
    /** One `updateOne`: the patch's fields change together. A cleared field is unset (absent reads as null). */
    async updateConversation(conversationId, patch) {
      const update = detailsUpdate(patch);
      if (Object.keys(update).length > 0) {
        const { matchedCount } = await conversations.updateOne({ _id: conversationId }, update);
        if (matchedCount === 0) return null;
      }
      const doc = await findConversation(conversationId);
      return doc ? toConversation(doc) : null;
    },

    /**
     * One `updateOne` per change, the new owner first (`ownerFirst`): a crash between the two
     * writes of a handover leaves two owners (the previous one not yet demoted), never none; the
     * caller's retry of the same handover then completes it. Not all-or-none, unlike SQLite.
     */
    async setRoles(conversationId, changes) {
      const changed: string[] = [];
      for (const { userId, role } of ownerFirst(changes)) {
        const { matchedCount } = await members.updateOne({ _id: memberKey(conversationId, userId), conversationId }, { $set: { role } });
        if (matchedCount === 1 && !changed.includes(userId)) changed.push(userId);
      }
      if (changed.length === 0) return [];
      const docs = await members.find({ _id: { $in: changed.map((userId) => memberKey(conversationId, userId)) }, conversationId }).toArray();
      const order = (doc: MemberDoc) => changes.findIndex((c) => c.userId === doc.userId);
      return docs.sort((a, b) => order(a) - order(b)).map(toMember);
    },

    async setMutedUntil(conversationId, userId, until) {
      const filter = { _id: memberKey(conversationId, userId), conversationId };
      const { matchedCount } = await members.updateOne(filter, until === null ? { $unset: { mutedUntil: '' } } : { $set: { mutedUntil: until } });
      if (matchedCount === 0) return null;
      const doc = await members.findOne(filter);
      return doc ? toMember(doc) : null;
    },

    /**
     * Makes the longest-standing admin (else member) owner if no owner is left (`heirOf`). Without
     * transactions this is a check then a write: two removals racing may each promote someone (two
     * owners, never none), and a crash in between leaves none until the next removal runs it again.
     */
    async passOwnership(conversationId) {
      if (await members.findOne({ conversationId, role: 'owner' }, { projection: { _id: 1 } })) return;
      const [admin] = await members.find({ conversationId, role: 'admin' }).sort({ joinedAt: 1, userId: 1 }).limit(1).toArray();
      const heir = admin ?? (await members.find({ conversationId }).sort({ joinedAt: 1, userId: 1 }).limit(1).toArray())[0];
      if (!heir) return;
      // Stamped like a change's role (mongo-changes.ts): a change made before this, finished late, does not demote the heir.
      const stamp = (await (conversations as Collection<ConversationDoc & ChangeFields>).findOne({ _id: conversationId }, { projection: { changeSeq: 1 } }))?.changeSeq ?? 0;
      await (members as Collection<MemberDoc & RoleStamp>).updateOne({ _id: heir._id, conversationId }, { $set: { role: 'owner', roleChange: stamp } });
    },
  };
}
