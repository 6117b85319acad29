import { ErrorCode, ParleyError } from '@parley/protocol';
import type { StoredConversation, StoredMember } from '../store/types.js';
import type { Limiter } from '../scale-out/types.js';
import type { RateLimit } from './rate-limiter.js';

/** Limiters kept, one per slow-mode length in use; past this, the least recently used goes. */
const MAX_LENGTHS = 256;

/**
 * Slow mode: in a group with `slowModeMs`, a member (not an owner or admin) sends one message per
 * that many ms. A token bucket per (group, member) of one token refilling over `slowModeMs`,
 * shared by every node through the scale-out's limiters when there is one. A faster send is
 * refused RATE_LIMITED, which the client's outbox retries later: the message waits, it is not lost.
 */
export class SlowMode {
  private readonly limiters = new Map<number, Limiter>();

  constructor(private readonly makeLimiter: (name: string, limit: RateLimit) => Limiter) {}

  /** Whether a send of `member` in `conversation` is slowed at all (no store read, no token). */
  applies(conversation: StoredConversation, member: Pick<StoredMember, 'userId' | 'role'>): boolean {
    return conversation.kind === 'group' && (conversation.slowModeMs ?? 0) > 0 && member.role === 'member';
  }

  /** Takes the member's token, or refuses with the time they must wait for. */
  async admit(conversation: StoredConversation, member: Pick<StoredMember, 'userId' | 'role'>): Promise<void> {
    if (!this.applies(conversation, member)) return;
    const ms = conversation.slowModeMs!;
    if (!(await this.limiterFor(ms).take(`${conversation.id}\n${member.userId}`))) {
      throw new ParleyError(ErrorCode.RATE_LIMITED, `slow mode: one message every ${Math.ceil(ms / 1000)} s in this group`);
    }
  }

  private limiterFor(ms: number): Limiter {
    let limiter = this.limiters.get(ms);
    if (limiter) {
      // Most recently used last.
      this.limiters.delete(ms);
    } else {
      limiter = this.makeLimiter(`slow-mode-${ms}`, { perSecond: 1000 / ms, burst: 1 });
      if (this.limiters.size >= MAX_LENGTHS) this.limiters.delete(this.limiters.keys().next().value!);
    }
    this.limiters.set(ms, limiter);
    return limiter;
  }
}
