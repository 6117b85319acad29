import * as v from 'valibot';
import { Limits } from './limits.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** A user, device, conversation or request id: 1–128 chars of `[A-Za-z0-9._:@-]`. */
export const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(Limits.maxIdLength), v.regex(ID_PATTERN));

/** A client message id: 8–128 id characters; a time-ordered UUID (v7) is recommended. */
export const ClientMsgId = v.pipe(
  v.string(),
  v.minLength(8),
  v.maxLength(Limits.maxIdLength),
  v.regex(ID_PATTERN),
);

/** A position in a conversation's log: 0 means "before the first event". */
export const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** Milliseconds since the Unix epoch, as assigned by the server. */
export const Timestamp = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Message text: non-empty, at most `Limits.maxTextLength`. */
export const Text = v.pipe(v.string(), v.minLength(1), v.maxLength(Limits.maxTextLength));

export const UserIdList = v.pipe(v.array(Id), v.minLength(1), v.maxLength(Limits.maxUserIdsPerRequest));

export const ConversationKind = v.picklist(['direct', 'group']);
export type ConversationKind = v.InferOutput<typeof ConversationKind>;
