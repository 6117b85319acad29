import * as v from 'valibot';
import { Limits } from './limits.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/**
 * A lone surrogate (half of a UTF-16 pair) is not a character: UTF-8 stores and JSON encoders
 * each do something different with it (SQLite turns it into U+FFFD, `JSON.stringify` escapes it),
 * so one store would keep what another corrupts. The rule, everywhere: every string on the wire
 * is well-formed UTF-16, and validation refuses the frame otherwise (`BAD_FRAME`). `\p{Cs}` in
 * `u` mode matches only unpaired surrogates (a pair is one code point there).
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` holds no lone surrogate (what `String.prototype.isWellFormed` answers, on any runtime). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Any string the protocol carries: well-formed UTF-16 (no lone surrogates), so every store keeps
 * it exactly. Emoji and other astral characters (a valid surrogate pair) are fine.
 *
 * @example
 * v.is(WellFormedString, 'hi 👋'); // true
 * v.is(WellFormedString, '\uD83D'); // false: half a pair
 */
export const WellFormedString = v.pipe(
  v.string(),
  v.check(isWellFormedText, 'must be well-formed UTF-16 (no lone surrogates)'),
);

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
export const Text = v.pipe(WellFormedString, v.minLength(1), v.maxLength(Limits.maxTextLength));

/** A group title as stored and shown: at most `Limits.maxTitleLength`, well-formed. */
export const Title = v.pipe(WellFormedString, v.maxLength(Limits.maxTitleLength));

/** A group's description: free text, like a title but longer. */
export const Description = v.pipe(WellFormedString, v.maxLength(Limits.maxDescriptionLength));

/**
 * A group's image: an absolute `https:` or `http:` URL (never `javascript:`, `data:` or a relative
 * path), at most `Limits.maxImageUrlLength` long. Parley stores the URL, not the image.
 */
export const ImageUrl = v.pipe(
  v.string(),
  v.maxLength(Limits.maxImageUrlLength),
  v.check((url) => {
    try {
      const parsed = new URL(url);
      return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.host !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute https: or http: URL'),
);

/**
 * What a member may do in a group (see docs/security.md for the table): the `owner` (one per
 * group) does everything, `admin`s manage members, metadata and messages, `member`s write.
 */
export const MemberRole = v.picklist(['owner', 'admin', 'member']);
export type MemberRole = v.InferOutput<typeof MemberRole>;

export const UserIdList = v.pipe(v.array(Id), v.minLength(1), v.maxLength(Limits.maxUserIdsPerRequest));

export const ConversationKind = v.picklist(['direct', 'group']);
export type ConversationKind = v.InferOutput<typeof ConversationKind>;

/** At most `maxDepth` levels of plain JSON: objects, arrays, strings, finite numbers, booleans, null. */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 16) return false;
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return isWellFormedText(value);
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype' || !isWellFormedText(key)) return false;
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

const jsonBytes = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * App data on a message (`custom`): a JSON object the app defines (an order id, a card, a poll),
 * plain JSON only (no `__proto__`/`constructor` keys, finite numbers, well-formed strings, at most
 * 16 levels deep), at most `Limits.maxCustomBytes` bytes of JSON. Parley stores and delivers it
 * as is and never reads it.
 *
 * @example
 * v.is(CustomData, { kind: 'order', orderId: 'A-1042' }); // true
 */
export const CustomData = v.pipe(
  v.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainJson(value),
    'must be a plain JSON object (objects, arrays, strings, finite numbers, booleans, null; no __proto__ or constructor keys; at most 16 levels)',
  ),
  v.check((value) => jsonBytes(value) <= Limits.maxCustomBytes, `must be at most ${Limits.maxCustomBytes} bytes of JSON`),
);
export type CustomData = v.InferOutput<typeof CustomData>;

/** The users a message mentions: members of its conversation, each once, at most `Limits.maxMentions`. */
export const MentionList = v.pipe(
  v.array(Id),
  v.maxLength(Limits.maxMentions),
  v.check((ids) => new Set(ids).size === ids.length, 'must not repeat a user'),
);

/**
 * A reaction: an emoji (sequences included) or a short name the app defines (`thumbs_up`,
 * `+1`), 1 to `Limits.maxReactionKeyLength` UTF-16 units, with no whitespace or control
 * characters. Compared exactly: the app decides whether `👍` and `thumbs_up` are one reaction.
 *
 * @example
 * v.is(ReactionKey, '👍'); // true
 */
export const ReactionKey = v.pipe(
  WellFormedString,
  v.minLength(1),
  v.maxLength(Limits.maxReactionKeyLength),
  v.check((key) => !/[\s\p{Cc}]/u.test(key), 'a reaction key must not contain whitespace or control characters'),
);
export type ReactionKey = v.InferOutput<typeof ReactionKey>;
