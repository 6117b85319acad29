import * as v from 'valibot';
import { ConversationKind, CustomData, Description, Id, ImageUrl, MemberRole, Seq, Timestamp, Title } from './primitives.js';
import { MemberReceipt } from './receipts.js';

/** What a member sees of a conversation in lists and sync results. */
export const ConversationSummary = v.strictObject({
  id: Id,
  kind: ConversationKind,
  title: v.nullable(Title),
  /** Member ids; empty when `memberCount` exceeds `Limits.maxSummaryMembers`. */
  members: v.array(Id),
  memberCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * The member who manages the group (removes others). When the owner leaves, the
   * longest-standing remaining member becomes owner. Absent when no member owns it.
   */
  ownerId: v.optional(Id),
  /** The admins' ids, when `members` lists the members (absent when there are none). */
  admins: v.optional(v.array(Id)),
  /** This user's role (absent once they left or were removed). */
  role: v.optional(MemberRole),
  /** The group's image URL, description and the app's data about it, as last changed. */
  image: v.optional(ImageUrl),
  description: v.optional(Description),
  custom: v.optional(CustomData),
  /** Slow mode in force: one message per member this often (ms); owners and admins are exempt. */
  slowModeMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /**
   * This user muted the conversation until this time (ms): apps and notifications stay quiet about
   * it until then. Private to the user; absent when not muted.
   */
  mutedUntil: v.optional(Timestamp),
  /**
   * What this user is notified of here, when they chose for this conversation (`notify`): `all` or
   * `mentions`. Private to the user; absent: their own level (`settings.notify`).
   */
  notify: v.optional(v.picklist(['all', 'mentions'])),
  /** Seq of the newest event in the log. */
  lastSeq: Seq,
  /** Time of the newest event; lists sort by it. */
  lastActivityAt: Timestamp,
  createdAt: Timestamp,
  /** This user's read watermark. */
  readSeq: Seq,
  /** This user's delivered watermark. */
  deliveredSeq: Seq,
  /** Messages after `readSeq` sent by other members. */
  unread: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Of those, the ones that mention this user (`isUnreadMention`). */
  unreadMentions: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * Every member's watermarks as this user may see them (`readSeq` absent for members who hide
   * it); empty for conversations above the server's receipt fan-out size.
   */
  receipts: v.array(MemberReceipt),
});

export type ConversationSummary = v.InferOutput<typeof ConversationSummary>;

/**
 * A position in a user's conversation list, which is ordered by `lastActivityAt` (newest first)
 * and then by id: the list resumes strictly after it. Activity only moves a conversation towards
 * the front, so a walk never lists one twice; one that moves ahead of the position during a walk
 * reaches the client by push.
 */
export const ConversationCursor = v.strictObject({
  lastActivityAt: Timestamp,
  conversationId: Id,
});

export type ConversationCursor = v.InferOutput<typeof ConversationCursor>;
