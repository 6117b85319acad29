import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { createMemoryStore } from '../store/memory-store.js';
import type { AppendInput, ChatStore, StoredDelivery, StoredNotification } from '../store/types.js';
import { changeChecks } from './conformance-changes.js';
import { contentChecks } from './conformance-content.js';
import { erasureChecks } from './conformance-erasure.js';
import { mentionChecks } from './conformance-mentions.js';
import { editedThenDeletedCheck, reactionChecks } from './conformance-reactions.js';
import { reactionGroups, reactionRegister } from '../store/store-helpers.js';
import { webhookChecks } from './conformance-webhooks.js';
import { groupChecks } from './conformance-groups.js';
import { moderationChecks } from './conformance-moderation.js';
import { attachmentChecks } from './conformance-attachments.js';
import { notificationChecks } from './conformance-notifications.js';
import { bySeniority } from '../store/store-helpers.js';
import { readWholeLog, type StoreCheck } from './fixtures.js';

// The kit's own test: a check that passes on a broken store proves nothing. Each defect below is
// a plausible bug of a store adapter; the named check must fail on a store that has it, and every
// check must pass on the unbroken memory store.

type Defect = (inner: ChatStore) => ChatStore;
const checks: readonly StoreCheck[] = [
  ...contentChecks, ...mentionChecks, ...changeChecks, ...erasureChecks, ...reactionChecks, editedThenDeletedCheck, ...webhookChecks,
  ...groupChecks, ...moderationChecks, ...attachmentChecks, ...notificationChecks,
];

/** Appends with `change` applied to each message's data first (a store that loses or adds a field). */
const rewritingData = (change: (data: Record<string, unknown>) => Record<string, unknown>): Defect => (inner) => ({
  ...inner,
  append: (input) => inner.append(input.kind === 'message' ? ({ ...input, data: change({ ...input.data }) } as AppendInput) : input),
});

/** Counts with `matches` over the whole log instead of the store's index. */
const countingBy = (matches: (event: LogEvent, userId: string, afterSeq: number) => boolean): Defect => (inner) => ({
  ...inner,
  countUnreadMentions: async (conversationId, userId, afterSeq) =>
    (await readWholeLog(inner, conversationId)).filter((event) => matches(event, userId, afterSeq)).length,
});
/** A record by id in whichever test conversation holds it. */
const findAnywhere = async (store: ChatStore, id: string) => (await store.getAttachments('g1', [id]))[0] ?? (await store.getAttachments('g2', [id]))[0];
const mentions = (event: LogEvent, userId: string) => event.kind === 'message' && event.data.mentions?.includes(userId) === true;

/** Every read path hands out `map(event)` instead of the stored event. */
const mappingReads = (inner: ChatStore, map: (event: LogEvent) => LogEvent): ChatStore => {
  const one = (event: LogEvent | null | undefined) => (event ? map(event) : null);
  return {
    ...inner,
    getEvent: async (c, id) => one(await inner.getEvent(c, id)),
    findEvent: async (c, sender, key) => one(await inner.findEvent(c, sender, key)),
    readAfter: async (c, after, limit) => (await inner.readAfter(c, after, limit)).map(map),
    readBefore: async (c, before, limit) => (await inner.readBefore(c, before, limit)).map(map),
    readLane: async (c, lane, before, limit) => (await inner.readLane(c, lane, before, limit)).map(map),
    readChanges: async (c, seqs, through) => (await inner.readChanges(c, seqs, through)).map(map),
  };
};

/**
 * Erases as the inner store does, except the events `keep` picks (seen before the first erasure
 * of `messageSeq`), which every read still returns as they were: a store that misses them.
 */
const erasingAllBut = (keep: (event: LogEvent, messageSeq: number) => boolean): Defect => (inner) => {
  const kept = new Map<string, LogEvent>();
  const eraseMessage: ChatStore['eraseMessage'] = async (conversationId, messageSeq, options) => {
    for (const event of await readWholeLog(inner, conversationId)) {
      if (!kept.has(event.id) && keep(event, messageSeq)) kept.set(event.id, event);
    }
    await inner.eraseMessage(conversationId, messageSeq, options);
  };
  return mappingReads({ ...inner, eraseMessage }, (event) => kept.get(event.id) ?? event);
};

type Register = NonNullable<ReturnType<typeof reactionRegister>>;

/**
 * A reaction index of its own, fed with every event an append returns (the original one on a
 * duplicate, as an index written again on a retry is) through `apply`, which decides whether the
 * register changes: a store whose index update is wrong in that way.
 */
const indexingBy = (apply: (current: Register | undefined, next: Register) => Register | undefined): Defect => (inner) => {
  const registers = new Map<string, Register>();
  const at = (conversationId: string, register: Pick<Register, 'messageSeq' | 'key' | 'userId'>) =>
    `${conversationId}\n${register.messageSeq}\n${register.key}\n${register.userId}`;
  return {
    ...inner,
    append: async (input) => {
      const result = await inner.append(input);
      const register = reactionRegister(result.event);
      if (register) {
        const next = apply(registers.get(at(input.conversationId, register)), register);
        if (next) registers.set(at(input.conversationId, register), next);
      }
      return result;
    },
    eraseMessage: async (conversationId, messageSeq, options) => {
      await inner.eraseMessage(conversationId, messageSeq, options);
      if (options?.keepEditSeq !== undefined) return;
      for (const [key, register] of registers) if (key.startsWith(`${conversationId}\n`) && register.messageSeq === messageSeq) registers.delete(key);
    },
    readReactions: async (conversationId, messageSeqs) => {
      const out = new Map<number, ReturnType<typeof reactionGroups>>();
      for (const seq of new Set(messageSeqs)) {
        const held = [...registers].filter(([key, r]) => key.startsWith(`${conversationId}\n`) && r.messageSeq === seq && r.held).map(([, r]) => r);
        if (held.length > 0) out.set(seq, reactionGroups(held));
      }
      return out;
    },
  };
};

/**
 * A claim that is not exclusive: a claimer that comes while another claim is still under way is
 * handed that claim's deliveries too, as a store that reads the due rows and then leases them in
 * a second, unguarded step would (FerretDB's findOneAndUpdate is such a step).
 */
const sharingClaims: Defect = (inner) => {
  let underWay: StoredDelivery[] = [];
  return {
    ...inner,
    claimDeliveries: async (now, limit, leaseMs) => {
      const seen = underWay;
      const claimed = await inner.claimDeliveries(now, limit, leaseMs);
      underWay = claimed;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (underWay === claimed) underWay = [];
      return [...claimed, ...seen.slice(0, Math.max(0, limit - claimed.length))];
    },
  };
};

/** A notification claim that is not exclusive, as `sharingClaims` is for webhook deliveries. */
const sharingNotificationClaims: Defect = (inner) => {
  let underWay: StoredNotification[] = [];
  return {
    ...inner,
    claimDueNotifications: async (now, limit, leaseMs) => {
      const seen = underWay;
      const claimed = await inner.claimDueNotifications(now, limit, leaseMs);
      underWay = claimed;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (underWay === claimed) underWay = [];
      return [...claimed, ...seen.slice(0, Math.max(0, limit - claimed.length))];
    },
  };
};

/**
 * A queue that counts messages without keeping which it holds: a repeated enqueue (a client's
 * retry after a crash) counts again.
 */
const recountingRepeats: Defect = (inner) => {
  const seen = new Set<string>();
  const extra = new Map<string, number>();
  const counted = (row: StoredNotification) => ({ ...row, messages: row.messages + (extra.get(row.id) ?? 0) });
  return {
    ...inner,
    enqueueNotifications: async (items, now) => {
      await inner.enqueueNotifications(items, now);
      const rows = await inner.listNotifications({ limit: 1000 });
      for (const item of items) {
        const key = `${item.userId}\n${item.conversationId}\n${item.seq}`;
        const row = rows.find((r) => r.userId === item.userId && r.conversationId === item.conversationId);
        if (seen.has(key) && row) extra.set(row.id, (extra.get(row.id) ?? 0) + 1);
        seen.add(key);
      }
    },
    listNotifications: async (filter) => (await inner.listNotifications(filter)).map(counted),
    claimDueNotifications: async (now, limit, leaseMs) => (await inner.claimDueNotifications(now, limit, leaseMs)).map(counted),
  };
};

/** A settle that takes the delivery's current token for any: a claimer whose lease was taken over still settles. */
const settlingWithAnyToken: Defect = (inner) => ({
  ...inner,
  settleDelivery: async (id, claimToken, outcome, ts) => {
    const all = await Promise.all((['pending', 'delivered', 'dead'] as const).map((state) => inner.listDeliveries({ state, limit: 1000 })));
    const current = all.flat().find((d) => d.id === id)?.claimToken;
    return inner.settleDelivery(id, current ?? claimToken, outcome, ts);
  },
});

/**
 * The previous release's heir rule: when removing members left no owner, the longest-standing
 * member inherits, admin or not (the inner store's choice is undone and made again that way).
 */
const heirIgnoringAdmins: Defect = (inner) => ({
  ...inner,
  removeMembers: async (conversationId, userIds) => {
    const owners = new Set((await inner.listMembers(conversationId)).filter((m) => m.role === 'owner').map((m) => m.userId));
    const removed = await inner.removeMembers(conversationId, userIds);
    const left = await inner.listMembers(conversationId);
    const promoted = left.find((m) => m.role === 'owner' && !owners.has(m.userId));
    const senior = [...left].sort(bySeniority)[0];
    if (promoted && senior && senior.userId !== promoted.userId) {
      await inner.setRoles(conversationId, [{ userId: senior.userId, role: 'owner' }, { userId: promoted.userId, role: 'admin' }]);
    }
    return removed;
  },
});

const DEFECTS: Record<string, { defect: Defect; caughtBy: string }> = {
  'hands a notification under claim to a concurrent claimer too': {
    defect: sharingNotificationClaims,
    caughtBy: 'concurrent claimers get disjoint rows that together are all of them',
  },
  'counts a repeated enqueue of a message again': {
    defect: recountingRepeats,
    caughtBy: 'enqueueNotifications is idempotent',
  },
  'postpones a pending notification to its newest message\'s due time': {
    defect: (inner) => {
      // Each message re-arms its row: a row is claimed only once its newest message is due.
      const newest = new Map<string, number>();
      const key = (userId: string, conversationId: string) => `${userId}\n${conversationId}`;
      return {
        ...inner,
        enqueueNotifications: async (items, now) => {
          for (const item of items) newest.set(key(item.userId, item.conversationId), Math.max(newest.get(key(item.userId, item.conversationId)) ?? 0, item.dueAt));
          await inner.enqueueNotifications(items, now);
        },
        claimDueNotifications: async (now, limit, leaseMs) => {
          const out: StoredNotification[] = [];
          for (const row of await inner.claimDueNotifications(now, limit, leaseMs)) {
            const due = newest.get(key(row.userId, row.conversationId)) ?? 0;
            if (due <= now) out.push(row);
            else await inner.retryNotification(row.id, row.claimToken!, due, 'not yet');
          }
          return out;
        },
      };
    },
    caughtBy: 'a pending row keeps its earliest due time',
  },
  'drops what came during the claim when it completes': {
    defect: (inner) => ({ ...inner, completeNotification: async (id, token) => inner.dropNotification(id, token) }),
    caughtBy: 'completeNotification keeps what came after the claim pending as the row',
  },
  'lets a claimer complete with a token a later claim replaced': {
    defect: (inner) => ({
      ...inner,
      completeNotification: async (id, token, throughSeq) => {
        const current = (await inner.listNotifications({ limit: 1000 })).find((r) => r.id === id)?.claimToken;
        return inner.completeNotification(id, current ?? token, throughSeq);
      },
    }),
    caughtBy: 'a claimed row is not claimed again while its lease holds',
  },
  'keys push subscriptions by endpoint, so a renewed one is kept beside the old': {
    defect: (inner) => ({
      ...inner,
      savePushSubscription: async (subscription) => {
        const old = (await inner.listPushSubscriptions(subscription.userId)).find((s) => s.deviceId === subscription.deviceId && s.endpoint !== subscription.endpoint);
        await inner.savePushSubscription(subscription);
        if (old) await inner.savePushSubscription({ ...old, deviceId: `${old.deviceId}~${old.endpoint.length}` });
      },
    }),
    caughtBy: 'push subscriptions: one per device',
  },
  'passes ownership to the longest-standing member, ignoring admins': {
    defect: heirIgnoringAdmins,
    caughtBy: 'removeMembers passes ownership to the longest-standing admin',
  },
  'applies a handover one change at a time, in the order given (the demotion first)': {
    defect: (inner) => ({
      ...inner,
      setRoles: async (conversationId, changes) => {
        const changed = [];
        for (const change of changes) changed.push(...(await inner.setRoles(conversationId, [change])));
        return changed;
      },
    }),
    caughtBy: 'setRoles hands ownership over',
  },
  'merges a details patch into custom instead of replacing it': {
    defect: (inner) => ({
      ...inner,
      updateConversation: async (conversationId, patch) => {
        const before = await inner.getConversation(conversationId);
        const custom = patch.custom && before?.custom ? { ...before.custom, ...patch.custom } : patch.custom;
        return inner.updateConversation(conversationId, custom === undefined ? patch : { ...patch, custom });
      },
    }),
    caughtBy: 'updateConversation keeps custom as JSON round-trips it',
  },
  'clears the details a patch does not name': {
    defect: (inner) => ({
      ...inner,
      updateConversation: (conversationId, patch) =>
        inner.updateConversation(conversationId, { image: null, description: null, custom: null, slowModeMs: null, ...patch }),
    }),
    caughtBy: 'updateConversation changes only the fields the patch names',
  },
  'lets a block list grow past maxBlocks': {
    defect: (inner) => ({ ...inner, updateBlocks: (userId, change, _max, ts) => inner.updateBlocks(userId, change, Number.MAX_SAFE_INTEGER, ts) }),
    caughtBy: 'updateBlocks refuses a list past maxBlocks',
  },
  'finds blocks in one direction only': {
    defect: (inner) => ({
      ...inner,
      blockedBetween: async (userId, others) => {
        const mine = new Set(await inner.listBlocks(userId));
        return [...new Set(others)].filter((id) => mine.has(id));
      },
    }),
    caughtBy: 'blockedBetween finds blocks in either direction',
  },
  'keeps bans for the whole store rather than per conversation': {
    defect: (inner) => ({ ...inner, addBans: (_c, userIds, ts) => inner.addBans('*', userIds, ts), listBans: () => inner.listBans('*'), filterBanned: (_c, ids) => inner.filterBanned('*', ids) }),
    caughtBy: 'bans are kept per conversation',
  },
  'lets any send of the uploader claim an upload another send holds': {
    defect: (inner) => ({
      ...inner,
      claimAttachments: async (c, uploader, ids, clientMsgId, now) => {
        const held = await inner.getAttachments(c, ids);
        return held.filter((r) => r.uploaderId === uploader && r.state !== 'deleting').map((r) => ({ ...r, state: r.state === 'pending' ? 'claimed' : r.state, clientMsgId, claimedAt: now }));
      },
    }),
    caughtBy: 'claimAttachments holds pending uploads',
  },
  'lets a sweep delete an upload a send claimed after the sweep read it': {
    defect: (inner) => ({ ...inner, markAttachmentDeleting: async (id) => inner.markAttachmentDeleting(id, (await findAnywhere(inner, id)) ?? { state: 'pending', claimedAt: null }) }),
    caughtBy: 'markAttachmentDeleting wins only over the state the sweep saw',
  },
  'counts files being deleted against the quota': {
    defect: (inner) => ({
      ...inner,
      attachmentBytes: async (uploader) => {
        const all = await inner.listAttachmentsToSweep({ pendingBefore: 0, claimedBefore: 0, limit: 1000 });
        return (await inner.attachmentBytes(uploader)) + all.filter((r) => r.uploaderId === uploader).reduce((n, r) => n + r.size, 0);
      },
    }),
    caughtBy: 'attachmentBytes sums the uploader',
  },
  'stores a repeated report as a new one': {
    defect: (inner) => {
      let n = 0;
      return { ...inner, saveReport: (r) => inner.saveReport({ ...r, reporterId: `${r.reporterId}#${++n}` }) };
    },
    caughtBy: 'saveReport is idempotent per reporter and message',
  },
  'lists reports oldest first': {
    defect: (inner) => ({ ...inner, listReports: async (filter) => (await inner.listReports({ ...filter, limit: 1000 })).reverse().slice(0, filter.limit) }),
    caughtBy: 'listReports lists newest updatedAt first',
  },
  'hands a delivery under claim to a concurrent claimer too': {
    defect: sharingClaims,
    caughtBy: 'concurrent claimers get disjoint deliveries that together are all of them',
  },
  'lets a claimer settle with a token a later claim replaced': {
    defect: settlingWithAnyToken,
    caughtBy: 'a claimed delivery is not claimed again while its lease holds',
  },
  'claims deliveries a minute before they are due': {
    defect: (inner) => ({ ...inner, claimDeliveries: (now, limit, leaseMs) => inner.claimDeliveries(now + 60_000, limit, leaseMs) }),
    caughtBy: 'claimDeliveries claims due deliveries only',
  },
  'never lets a lease run out': {
    defect: (inner) => ({ ...inner, claimDeliveries: (now, limit, leaseMs) => inner.claimDeliveries(now, limit, leaseMs * 1_000) }),
    caughtBy: 'a claimed delivery is not claimed again while its lease holds',
  },
  'applies an older reaction event over a newer one (its reaction index is written again on a retry)': {
    defect: indexingBy((_current, next) => next),
    caughtBy: 'readReactions: a retried add or remove (a duplicate append) changes nothing',
  },
  'ignores reaction removes in its reaction index': {
    defect: indexingBy((current, next) => (next.held ? (current && current.seq >= next.seq ? current : next) : current)),
    caughtBy: 'readReactions gives each message the reactions the fold of its log gives it',
  },
  'lists every kind of change whatever readChanges is asked for': {
    defect: (inner) => ({ ...inner, readChanges: (c, seqs, through) => inner.readChanges(c, seqs, through) }),
    caughtBy: 'readChanges with kinds lists only the changes of those kinds',
  },
  'forgets to erase a deleted message\'s edits': {
    defect: erasingAllBut((event, seq) => event.kind === 'message.edited' && event.data.messageSeq === seq),
    caughtBy: 'eraseMessage removes a message\'s content from every read path',
  },
  'leaves a deleted message\'s preview in the replies quoting it': {
    defect: erasingAllBut((event, seq) => event.kind === 'message' && event.data.replyTo?.seq === seq),
    caughtBy: 'eraseMessage removes a message\'s content from every read path',
  },
  'lists changes and thread replies in the timeline': {
    defect: (inner) => ({
      ...inner,
      readLane: (c, lane, before, limit) => (lane === 0 ? inner.readBefore(c, before, limit) : inner.readLane(c, lane, before, limit)),
    }),
    caughtBy: 'readLane lists the timeline without changes or thread replies',
  },
  'repeats an event across timeline pages': {
    defect: (inner) => ({ ...inner, readLane: (c, lane, before, limit) => inner.readLane(c, lane, before + 1, limit) }),
    caughtBy: 'readLane pages walk a lane back exactly once',
  },
  'returns thread replies among a message\'s changes': {
    defect: (inner) => ({
      ...inner,
      readChanges: async (c, seqs, through) => {
        const replies = await Promise.all(seqs.map((seq) => inner.readLane(c, -seq, through + 1, 1000)));
        return [...(await inner.readChanges(c, seqs, through)), ...replies.flat()].sort((a, b) => a.seq - b.seq);
      },
    }),
    caughtBy: 'readChanges returns only the changes of the named messages',
  },
  'counts replies after throughSeq': {
    defect: (inner) => ({ ...inner, countReplies: (c, roots) => inner.countReplies(c, roots, Number.MAX_SAFE_INTEGER) }),
    caughtBy: 'countReplies counts thread replies up to throughSeq',
  },
  'drops a change\'s clientMsgId on read': {
    defect: (inner) =>
      mappingReads(inner, (event) => {
        if (event.kind === 'message' || !('clientMsgId' in event)) return event;
        const { clientMsgId: _dropped, ...rest } = event;
        return rest as LogEvent;
      }),
    caughtBy: 'keeps a change\'s clientMsgId on every read',
  },
  'erases a thread reply\'s thread with its content': {
    defect: (inner) => {
      const erased = new Set<number>();
      return mappingReads({ ...inner, eraseMessage: async (c, seq, options) => (erased.add(seq), inner.eraseMessage(c, seq, options)) }, (event) =>
        event.kind === 'message' && erased.has(event.seq) ? ({ ...event, data: { erased: true } } as LogEvent) : event,
      );
    },
    caughtBy: 'eraseMessage of a thread reply keeps its thread',
  },
  'drops custom (a store that knows text only)': {
    defect: rewritingData(({ custom: _custom, ...rest }) => rest),
    caughtBy: 'keeps message content exactly',
  },
  'forgets replyTo': { defect: rewritingData(({ replyTo: _replyTo, ...rest }) => rest), caughtBy: 'keeps message content exactly' },
  'stores an empty text when there is none': {
    defect: rewritingData((data) => ({ text: '', ...data })),
    caughtBy: 'stores a message without text',
  },
  'finds events of other conversations by id': {
    defect: (inner) => {
      const seen = new Set<string>();
      return {
        ...inner,
        createConversation: async (input) => (seen.add(input.id), inner.createConversation(input)),
        getEvent: async (conversationId, eventId) => {
          for (const id of [conversationId, ...seen]) {
            const event = await inner.getEvent(id, eventId);
            if (event) return event;
          }
          return null;
        },
      };
    },
    caughtBy: 'getEvent finds an event of the conversation by id',
  },
  'shares its records with callers': {
    defect: (inner) => {
      const held = new Map<string, LogEvent | null>();
      return { ...inner, getEvent: async (c, id) => (held.has(id) ? held.get(id)! : (held.set(id, await inner.getEvent(c, id)), held.get(id)!)) };
    },
    caughtBy: 'hands out copies of content',
  },
  'counts mentions before the watermark': {
    defect: (inner) => ({ ...inner, countUnreadMentions: (c, u) => inner.countUnreadMentions(c, u, 0) }),
    caughtBy: 'countUnreadMentions counts messages of others that mention the user, after the watermark only',
  },
  'counts own messages': {
    defect: countingBy((event, userId, afterSeq) => event.seq > afterSeq && mentions(event, userId)),
    caughtBy: 'countUnreadMentions counts messages of others that mention the user, after the watermark only',
  },
  'counts every unread message, mention or not': {
    defect: (inner) => ({ ...inner, countUnreadMentions: (c, u, after) => inner.countUnread(c, u, after) }),
    caughtBy: 'countUnreadMentions agrees with the protocol',
  },
  'counts mentions in events that are not messages': {
    defect: countingBy((event, userId, afterSeq) =>
      event.seq > afterSeq && event.senderId !== userId && (mentions(event, userId) || (event.data as { userIds?: string[] }).userIds?.includes(userId) === true),
    ),
    caughtBy: 'countUnreadMentions counts messages of others that mention the user, after the watermark only',
  },
  'indexes a retried mention again': {
    defect: (inner) => {
      const extra = new Map<string, number>();
      return {
        ...inner,
        append: async (input) => {
          const result = await inner.append(input);
          if (result.duplicate) extra.set(input.conversationId, (extra.get(input.conversationId) ?? 0) + 1);
          return result;
        },
        countUnreadMentions: async (c, u, after) => (await inner.countUnreadMentions(c, u, after)) + (extra.get(c) ?? 0),
      };
    },
    caughtBy: 'countUnreadMentions counts a retried or concurrently sent mention once',
  },
};

const failing = async (store: () => ChatStore): Promise<string[]> => {
  const failed: string[] = [];
  for (const check of checks) {
    const attempt = store();
    await check.run(attempt).catch(() => failed.push(check.name));
    await attempt.close();
  }
  return failed;
};

describe('the conformance kit catches broken stores (message content, changes, threads, erasure, webhook queue, groups, moderation, attachments, notifications)', () => {
  it('passes every content, mention, change, erasure, webhook queue, group, moderation, attachment and notification check on the memory store', async () => {
    expect(await failing(createMemoryStore)).toEqual([]);
  });

  it.each(Object.entries(DEFECTS))('fails a store that %s', async (_name, { defect, caughtBy }) => {
    const failed = await failing(() => defect(createMemoryStore()));
    expect(failed.filter((name) => name.startsWith(caughtBy))).toHaveLength(1);
  });
});
