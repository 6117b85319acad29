import * as v from 'valibot';
import { ClientMsgId, CustomData, Id, MentionList, ReactionKey, Text } from '../primitives.js';
import { AttachmentIdList } from '../attachment.js';

/**
 * What a SEND asks to store: `text`, app data (`custom`), `attachments` (ids of uploads this user
 * finished for this conversation: `upload`), or several; the members it mentions (each
 * must be a member); and `replyTo`, the id of a message of the same conversation it quotes (the
 * server fills in the quote); `threadId`, the root message of the thread this is a reply in (a
 * message of the main timeline of the same conversation).
 */
export const SendData = v.pipe(
  v.strictObject({
    text: v.optional(Text),
    custom: v.optional(CustomData),
    attachments: v.optional(AttachmentIdList),
    mentions: v.optional(MentionList),
    replyTo: v.optional(Id),
    threadId: v.optional(Id),
  }),
  v.check((data) => data.text !== undefined || data.custom !== undefined || data.attachments !== undefined, 'a message needs text, custom data or attachments'),
);
export type SendData = v.InferOutput<typeof SendData>;

/**
 * SEND (client → server): append a message. Retried with the same `clientMsgId` until an `ack`
 * or a definitive `nack`; the server turns repeats into the original `ack`.
 *
 * `after` keeps one device's messages in the order it sent them, whatever is refused on the way:
 * it names the device's previous message in this conversation that the device has not seen
 * acknowledged yet (absent when there is none). The server stores this message only once that
 * one is stored, and otherwise answers the retryable `OUT_OF_ORDER`, so the device sends the
 * earlier one first and this one again after it.
 */
export const SendFrame = v.strictObject({
  type: v.literal('send'),
  conversationId: Id,
  clientMsgId: ClientMsgId,
  after: v.optional(ClientMsgId),
  data: SendData,
});
export type SendFrame = v.InferOutput<typeof SendFrame>;

/**
 * The message a CHANGE is about: by its server id, or (for the device's own message, which may
 * still be in flight) by the `clientMsgId` it was sent with. The server resolves the latter to
 * the sender's own message only.
 */
export const ChangeTarget = v.union([
  v.strictObject({ messageId: Id }),
  v.strictObject({ clientMsgId: ClientMsgId }),
]);
export type ChangeTarget = v.InferOutput<typeof ChangeTarget>;

/** What a CHANGE does: replace the content (text and/or custom), delete, add or take back a reaction. */
export const Change = v.variant('kind', [
  v.pipe(
    v.strictObject({ kind: v.literal('edit'), text: v.optional(Text), custom: v.optional(CustomData) }),
    v.check((c) => c.text !== undefined || c.custom !== undefined, 'an edit needs text or custom data'),
  ),
  v.strictObject({ kind: v.literal('delete') }),
  v.strictObject({ kind: v.literal('react'), key: ReactionKey }),
  v.strictObject({ kind: v.literal('unreact'), key: ReactionKey }),
]);
export type Change = v.InferOutput<typeof Change>;

/**
 * CHANGE (client → server): edit, delete, react to or unreact from a message. It travels like a
 * SEND: its own `clientMsgId` (the dedup key of the event it appends), the same `after` chain (a
 * device's sends and changes of one conversation are stored in the order it made them) and the
 * same answers, an `ack` with the seq of the stored event or a `nack`.
 */
export const ChangeFrame = v.strictObject({
  type: v.literal('change'),
  conversationId: Id,
  clientMsgId: ClientMsgId,
  after: v.optional(ClientMsgId),
  target: ChangeTarget,
  change: Change,
});
export type ChangeFrame = v.InferOutput<typeof ChangeFrame>;
