import { ErrorCode, isRetryable, type ConversationSummary, type CustomData, type LogEvent } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';
import type { AdminRecord } from './group-admin.js';
import type { Device } from './world.js';

/** A group's details and roles as its log folds them. */
export interface GroupDetails {
  title: string | null;
  description: string | null;
  custom: CustomData | null;
  ownerId: string | null;
  /** Sorted. */
  admins: string[];
}

/** Events a user writes as a member: the server's membership check (and its cache) stands behind each. */
const MEMBER_WRITES: ReadonlySet<string> = new Set(['message', 'message.edited', 'message.deleted', 'reaction.added', 'reaction.removed', 'conversation.updated', 'members.role']);

/**
 * Folds a conversation's log into its details and roles, and finds the changes made by someone
 * not allowed at that point: any write by someone not a member at its seq (the membership the
 * log folds to, as the server's membership cache must see it), details by anyone but the owner
 * and the admins, roles by anyone but the owner.
 */
export function foldDetails(log: readonly LogEvent[]): { details: GroupDetails; problems: string[] } {
  const details: GroupDetails = { title: null, description: null, custom: null, ownerId: null, admins: [] };
  const admins = new Set<string>();
  const members = new Set<string>();
  const problems: string[] = [];
  for (const event of log) {
    if (MEMBER_WRITES.has(event.kind) && !members.has(event.senderId)) problems.push(`seq ${event.seq}: ${event.senderId}, not a member, wrote ${event.kind}`);
    if (event.kind === 'members.added') for (const userId of event.data.userIds) members.add(userId);
    if (event.kind === 'members.removed') for (const userId of event.data.userIds) members.delete(userId);
    if (event.kind === 'conversation.created') {
      for (const userId of event.data.members) members.add(userId);
      details.title = event.data.title;
      details.ownerId = event.data.type === 'group' ? event.senderId : null;
    } else if (event.kind === 'conversation.updated') {
      if (event.senderId !== details.ownerId && !admins.has(event.senderId)) problems.push(`seq ${event.seq}: ${event.senderId}, neither owner nor admin, changed the details`);
      const patch = event.data;
      if (patch.title !== undefined) details.title = patch.title;
      if (patch.description !== undefined) details.description = patch.description;
      if (patch.custom !== undefined) details.custom = patch.custom;
    } else if (event.kind === 'members.role') {
      if (event.senderId !== details.ownerId) problems.push(`seq ${event.seq}: ${event.senderId}, not the owner, changed roles`);
      for (const change of event.data.changes) {
        if (change.role === 'owner') details.ownerId = change.userId;
        if (change.role === 'admin') admins.add(change.userId);
        else admins.delete(change.userId);
      }
    } else if (event.kind === 'members.removed') {
      for (const userId of event.data.userIds) admins.delete(userId);
      if (event.data.ownerId !== undefined) {
        details.ownerId = event.data.ownerId;
        admins.delete(event.data.ownerId);
      }
    }
  }
  details.admins = [...admins].sort();
  return { details, problems };
}

/** A summary's (or a view's) details, in the fold's shape. */
export function shownDetails(shown: Pick<ConversationSummary, 'title' | 'description' | 'custom' | 'ownerId' | 'admins'>): GroupDetails {
  return {
    title: shown.title ?? null,
    description: shown.description ?? null,
    custom: shown.custom ?? null,
    ownerId: shown.ownerId ?? null,
    admins: [...(shown.admins ?? [])].sort(),
  };
}

/** Equal as JSON, whatever the key order (a store gives a patch's fields back in its own). */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
      : value;
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * The group requests against the log, the store and what the server and the devices show:
 * changes only by those allowed; every request the harness knew must be refused was refused
 * FORBIDDEN and left no trace; every details change answered ok is in the log exactly once, one
 * refused is not; the store's details and admins, and every summary the server gives a member,
 * equal the fold of the log, and so does what every current device shows of the group (the SDK
 * folds `conversation.updated` and `members.role` into its view).
 */
export async function checkGroups(
  store: ChatStore,
  logs: ReadonlyMap<string, readonly LogEvent[]>,
  records: readonly AdminRecord[],
  summaries: ReadonlyMap<string, readonly ConversationSummary[]>,
  devices: readonly Device[],
  members: ReadonlyMap<string, readonly string[]>,
): Promise<{ violations: string[]; views: number; applied: number; refused: number }> {
  const violations: string[] = [];
  let views = 0;
  for (const [conversationId, log] of logs) {
    const { details, problems } = foldDetails(log);
    violations.push(...problems.map((p) => `${conversationId} ${p}`));
    const stored = await store.getConversation(conversationId);
    const storedAdmins = (await store.listMembers(conversationId, { role: 'admin' })).map((m) => m.userId).sort();
    const inStore = { title: stored?.title ?? null, description: stored?.description ?? null, custom: stored?.custom ?? null, admins: storedAdmins };
    const folded = { title: details.title, description: details.description, custom: details.custom, admins: details.admins };
    if (!same(inStore, folded)) violations.push(`${conversationId}: the store holds ${JSON.stringify(inStore)}, the log folds to ${JSON.stringify(folded)}`);
    for (const summary of summaries.get(conversationId) ?? []) {
      if (!same(shownDetails(summary), details)) violations.push(`${conversationId}: a summary shows ${JSON.stringify(shownDetails(summary))}, the log folds to ${JSON.stringify(details)}`);
    }
    for (const device of devices) {
      if (device.previous || !(members.get(conversationId) ?? []).includes(device.userId)) continue;
      const view = device.chat.getConversation(conversationId);
      if (!view) continue;
      views++;
      if (!same(shownDetails(view), details)) {
        violations.push(`${conversationId}: ${device.userId}'s device shows ${JSON.stringify(shownDetails(view))}, the log folds to ${JSON.stringify(details)}`);
      }
    }
  }
  for (const record of records) {
    const log = logs.get(record.conversationId) ?? [];
    if (record.mustRefuse && record.outcome === 'ok') violations.push(`${record.kind} by ${record.userId} in ${record.conversationId} was allowed; only the owner${record.kind === 'conversation.update' ? ' and admins' : ''} may`);
    // A store failure may come before the permission check: retryable, not a verdict.
    if (record.outcome === 'refused' && record.mustRefuse && record.code !== ErrorCode.FORBIDDEN && !isRetryable(record.code ?? 0)) violations.push(`${record.kind} by ${record.userId}: refused ${record.code}, expected FORBIDDEN`);
    if (record.kind !== 'conversation.update') continue;
    const stored = log.filter((e) => e.kind === 'conversation.updated' && same(e.data, record.patch)).length;
    // A refusal other than FORBIDDEN (a store failure) may come after the write went through.
    const expected = record.outcome === 'ok' ? [1] : record.outcome === 'refused' && record.code === ErrorCode.FORBIDDEN ? [0] : [0, 1];
    if (!expected.includes(stored)) violations.push(`${record.conversationId}: ${JSON.stringify(record.patch)} by ${record.userId}, answered ${record.outcome}, is in the log ${stored} times`);
  }
  return { violations, views, applied: records.filter((r) => r.outcome === 'ok').length, refused: records.filter((r) => r.outcome === 'refused').length };
}
