import * as v from 'valibot';
import { CustomData, ErrorCode, ParleyError, Text, type ChangeFrame, type MessageData, type MessageEvent } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { Logger } from '../logger.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';

/** The content a hook stores instead: the fields given replace the message's (or the edit's). */
export interface Replacement {
  text?: string;
  custom?: Record<string, unknown>;
}

/**
 * What a hook decides: nothing (or `{ allow: true }`) lets the write through; `{ reject }` refuses
 * it with a reason the sender sees; `{ replace }` stores other content (a masked word, a rewritten
 * link), which the sender's device then shows too (`ack.replaced`). A replacement applies to sends
 * and edits; for a delete or a reaction it means allow.
 */
export type HookVerdict = void | undefined | { allow: true } | { reject: string } | { replace: Replacement };

const ReplacementSchema = v.pipe(
  v.strictObject({ text: v.optional(Text), custom: v.optional(CustomData) }),
  v.check((r) => r.text !== undefined || r.custom !== undefined, 'a replacement gives text or custom data'),
);

/** A message about to be stored, as `beforeSend` sees it (already checked: member, limits, mentions). */
export interface BeforeSendRequest {
  userId: string;
  deviceId: string;
  conversation: StoredConversation;
  clientMsgId: string;
  /** The message's content as it would be stored (`text`, `custom`, `mentions`, `replyTo`, `thread`). */
  data: MessageData;
}

/** A change about to be stored, as `beforeChange` sees it (already checked against the rules). */
export interface BeforeChangeRequest {
  userId: string;
  deviceId: string;
  conversation: StoredConversation;
  clientMsgId: string;
  /** The message changed, as it is now (folded: its current text, reactions, whether deleted). */
  message: MessageEvent;
  /** What changes: `edit` (new `text`/`custom`), `delete`, `react`/`unreact` (`key`). */
  change: ChangeFrame['change'];
}

/**
 * Your rules for what users write (moderation, profanity, link scanning), run on every SEND and
 * CHANGE from a client before anything is stored. A hook that throws, or has not answered after
 * `timeoutMs`, is a failure, handled as `onFailure` says. Writes through `chat.api` are your own
 * backend's and do not pass these hooks.
 */
export interface WriteHooks {
  beforeSend?: (request: BeforeSendRequest) => HookVerdict | Promise<HookVerdict>;
  beforeChange?: (request: BeforeChangeRequest) => HookVerdict | Promise<HookVerdict>;
  /** How long a hook may take (default 3000 ms). */
  timeoutMs?: number;
  /**
   * A hook that throws or times out: `'closed'` (default) refuses the write with the retryable
   * UNAVAILABLE, so the client keeps it queued and retries with backoff (nothing unchecked is
   * stored, nothing is lost); `'open'` stores it as if the hook had allowed it.
   */
  onFailure?: 'closed' | 'open';
}

/** What `reject` may say: shown to the sender, so bounded. */
const MAX_REASON_LENGTH = 500;

export interface HookRunner {
  readonly hasBeforeSend: boolean;
  readonly hasBeforeChange: boolean;
  /** Resolves with the replacement, if the hook gave one; throws the refusal otherwise. */
  beforeSend(request: BeforeSendRequest): Promise<Replacement | undefined>;
  beforeChange(request: BeforeChangeRequest): Promise<Replacement | undefined>;
}

/** Runs the app's hooks with their deadline and failure rule; refusals are `ParleyError`s the sender gets as a NACK. */
export function createHookRunner(hooks: WriteHooks = {}, deps: { logger: Logger; metrics: ChatMetrics }): HookRunner {
  const timeoutMs = hooks.timeoutMs ?? 3_000;
  if (!(timeoutMs > 0)) throw new TypeError('hooks.timeoutMs must be a number of ms > 0');
  const onFailure = hooks.onFailure ?? 'closed';
  if (onFailure !== 'closed' && onFailure !== 'open') throw new TypeError("hooks.onFailure is 'closed' or 'open'");

  async function run<R>(
    name: 'beforeSend' | 'beforeChange',
    hook: ((request: R) => HookVerdict | Promise<HookVerdict>) | undefined,
    request: R,
  ): Promise<Replacement | undefined> {
    if (!hook) return undefined;
    let verdict: HookVerdict;
    let replacement: Replacement | undefined;
    try {
      verdict = await withDeadline(Promise.resolve().then(() => hook(request)), timeoutMs, name);
      if (verdict && typeof verdict === 'object' && 'replace' in verdict) {
        // A replacement the protocol would refuse is the hook's bug: a failure, like a throw.
        const checked = v.safeParse(ReplacementSchema, verdict.replace);
        if (!checked.success) throw new Error(`${name} returned an invalid replacement: ${checked.issues[0].message}`);
        replacement = checked.output;
      }
    } catch (err) {
      deps.metrics.hookCalls.inc({ hook: name, outcome: 'failed' });
      deps.logger.error(`${name} hook failed`, { err, onFailure });
      if (onFailure === 'open') return undefined;
      throw new ParleyError(ErrorCode.UNAVAILABLE, 'the message could not be checked; it will be retried');
    }
    if (verdict && typeof verdict === 'object' && 'reject' in verdict) {
      deps.metrics.hookCalls.inc({ hook: name, outcome: 'rejected' });
      const reason = typeof verdict.reject === 'string' && verdict.reject.trim() ? verdict.reject.slice(0, MAX_REASON_LENGTH) : 'refused';
      throw new ParleyError(ErrorCode.FORBIDDEN, reason);
    }
    deps.metrics.hookCalls.inc({ hook: name, outcome: replacement ? 'replaced' : 'allowed' });
    return replacement;
  }

  return {
    hasBeforeSend: Boolean(hooks.beforeSend),
    hasBeforeChange: Boolean(hooks.beforeChange),
    beforeSend: (request) => run('beforeSend', hooks.beforeSend, request),
    beforeChange: (request) => run('beforeChange', hooks.beforeChange, request),
  };
}

function withDeadline<T>(work: Promise<T>, ms: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} hook did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
