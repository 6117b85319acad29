import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { ErrorCode, Id, ParleyError } from '@parley/protocol';
import type { StoredReport } from '../store/types.js';
import type { Logger } from '../logger.js';
import type { ServerContext } from './context.js';
import { parse } from './api-messages.js';

/** Receives each report this node stored (a repeat too: it carries the new reason). */
export type ReportListener = (report: StoredReport) => void;

/** The webhook notice type of a report (docs/webhooks.md). */
export const REPORT_NOTICE = 'message.reported';

/** Where reports go once stored: the webhook queue (durable), then this node's listeners. */
export class ReportChannel {
  private readonly listeners = new Set<ReportListener>();

  constructor(
    private readonly logger: Logger,
    private readonly notice: ((notice: { id: string; type: string; data: unknown; conversationId?: string }) => Promise<void>) | undefined,
  ) {}

  on(listener: ReportListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Queued before the reporter hears back, so an answered report is never lost to webhooks. The
   * notice id names the version (`updatedAt`): a report updated with a new reason is a new notice,
   * a retry of the same one is not.
   */
  async stored(report: StoredReport): Promise<void> {
    await this.notice?.({ id: `report:${report.id}:${report.updatedAt}`, type: REPORT_NOTICE, conversationId: report.conversationId, data: report });
    for (const listener of this.listeners) {
      try {
        listener({ ...report });
      } catch (err) {
        // The app's bug: logged, never a refused report.
        this.logger.error('a report listener threw', { err, reportId: report.id });
      }
    }
  }
}

/** A report's id: the same for the same reporter and message, on every node and store. */
export function reportIdOf(conversationId: string, messageId: string, reporterId: string): string {
  return `rp_${createHash('sha256').update(`${conversationId}\n${messageId}\n${reporterId}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Stores `reporterId`'s report of a message and tells the app. The reporter must be a member and
 * the message one of the conversation's: anything else is NOT_FOUND, so nobody learns of a
 * conversation they are not in.
 */
export async function reportMessage(
  ctx: ServerContext,
  input: { conversationId: string; messageId: string; reporterId: string; reason: string },
): Promise<StoredReport> {
  const [member, event] = await Promise.all([
    ctx.store.getMember(input.conversationId, input.reporterId),
    ctx.store.getEvent(input.conversationId, input.messageId),
  ]);
  if (!member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  if (!event || event.kind !== 'message') throw new ParleyError(ErrorCode.NOT_FOUND, 'message not found');
  const ts = ctx.now();
  const { report } = await ctx.store.saveReport({
    id: reportIdOf(input.conversationId, input.messageId, input.reporterId),
    conversationId: input.conversationId,
    messageId: event.id,
    messageSeq: event.seq,
    reporterId: input.reporterId,
    reason: input.reason,
    createdAt: ts,
    updatedAt: ts,
  });
  await ctx.people.reports.stored(report);
  return report;
}

/** `chat.api.listReports`'s filter. */
export interface ReportFilter {
  /** Only this conversation's. */
  conversationId?: string;
  /** The page after this report (the last id of the previous page). */
  after?: string;
  /** At most this many (default 50, at most 500). */
  limit?: number;
}

const Filter = v.strictObject({
  conversationId: v.optional(Id),
  after: v.optional(Id),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});

/** Reports, newest first (most recently reported or updated), a page at a time. */
export async function listReports(ctx: ServerContext, filter: ReportFilter = {}): Promise<StoredReport[]> {
  const { conversationId, after, limit } = parse(Filter, filter, 'listReports');
  return ctx.store.listReports({
    ...(conversationId !== undefined ? { conversationId } : {}),
    ...(after !== undefined ? { after } : {}),
    limit: Math.min(limit ?? 50, 500),
  });
}
