import { type ClientFrame, type ConversationPatch, type ConversationSummary, type ServerFrame, type SyncResultFrame } from '@parley/protocol';
import { connectWire, nextId, type WireClient } from '../../helpers/wire-client.js';
import type { Rng } from './prng.js';

/**
 * A group request the harness made amid the traffic: a details change (`conversation.update`) or
 * a role change (`members.role`), by the owner (allowed) or by a member (refused).
 */
export interface AdminRecord {
  readonly userId: string;
  readonly conversationId: string;
  readonly kind: 'conversation.update' | 'members.role';
  /** The details change: every field holds a marker no other request uses, so the log shows which request it came from. */
  readonly patch?: ConversationPatch;
  readonly target?: string;
  readonly role?: 'admin' | 'member';
  /** The harness knows the requester may not do this (a member, never named admin): the server must refuse, FORBIDDEN. */
  readonly mustRefuse: boolean;
  /** `unknown`: no answer (the connection or the server went down meanwhile): it may or may not be stored. */
  outcome: 'ok' | 'refused' | 'unknown';
  code?: number;
}

/**
 * Owners (and the members who try) changing their groups while the chaos runs. The SDK has no
 * call for these yet, so each user acts through a raw connection of its own (another device of
 * theirs), opened again whenever the chaos took it down; a request left unanswered is recorded
 * as unknown. Ownership never changes in a run (nobody leaves or hands it over): the creator owns.
 */
export class GroupAdmin {
  readonly records: AdminRecord[] = [];
  private readonly connections = new Map<string, Promise<WireClient>>();
  /** Conversation → its owner (the creator). */
  private readonly owners = new Map<string, string>();
  private markers = 0;
  /** Requests not answered yet (or still connecting): the traffic does not wait for them. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly issueToken: (userId: string) => Promise<string>,
    private readonly rng: Rng,
  ) {}

  setOwner(conversationId: string, userId: string): void {
    this.owners.set(conversationId, userId);
  }

  /**
   * One request by `userId` in one of its groups. The owner names admins only among the first half
   * of the other members (by id), so a member of the second half is surely no admin, whatever
   * requests are in flight: its details change must be refused. Role changes by anyone but the
   * owner must be refused too.
   */
  async act(userId: string, conversationId: string, members: readonly string[]): Promise<void> {
    const owner = this.owners.get(conversationId);
    if (owner === undefined) return;
    const others = members.filter((m) => m !== owner).sort();
    const candidates = others.slice(0, Math.ceil(others.length / 2));
    if (this.rng.chance(0.4) && candidates.length > 0) {
      const target = this.rng.pick(candidates);
      const role = this.rng.chance(0.6) ? 'admin' : 'member';
      const frame = { type: 'members.role', conversationId, userId: target, role } as const;
      await this.request(userId, frame, { userId, conversationId, kind: 'members.role', target, role, mustRefuse: userId !== owner, outcome: 'unknown' });
      return;
    }
    const n = ++this.markers;
    const roll = this.rng.int(0, 2);
    const patch: ConversationPatch =
      roll === 0 ? { title: `title ${n} by ${userId}` } : roll === 1 ? { description: `description ${n} by ${userId}` } : { custom: { n, by: userId }, title: `title ${n} by ${userId}` };
    const mustRefuse = userId !== owner && !candidates.includes(userId);
    await this.request(userId, { type: 'conversation.update', conversationId, patch }, { userId, conversationId, kind: 'conversation.update', patch, mustRefuse, outcome: 'unknown' });
  }

  /**
   * Starts a request without waiting for it: a connection opened while the server is down or
   * frozen takes up to socket.io's connect timeout, and the device's traffic goes on meanwhile.
   */
  private request(userId: string, frame: Record<string, unknown>, record: AdminRecord): Promise<void> {
    this.records.push(record);
    const done = this.answer(userId, frame, record).finally(() => this.pending.delete(done));
    this.pending.add(done);
    return Promise.resolve();
  }

  /**
   * Resolves once every request started so far is answered or given up, or after `maxMs`: a
   * connection the proxy black-holed takes socket.io's whole connect timeout to fail, and a
   * request still unanswered then keeps its `unknown` outcome (the oracle allows both).
   */
  async settled(maxMs = 10_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.pending.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.pending]), new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())))]);
    }
  }

  private async answer(userId: string, frame: Record<string, unknown>, record: AdminRecord): Promise<void> {
    try {
      const client = await this.connection(userId);
      const answer: ServerFrame = await client.request({ ...frame, reqId: nextId('admin-') } as ClientFrame & { reqId: string });
      if (answer.type === 'error') Object.assign(record, { outcome: 'refused', code: answer.code });
      else record.outcome = 'ok';
    } catch {
      // No answer: the chaos took the connection or the server; the request may have landed.
    }
  }

  private async connection(userId: string): Promise<WireClient> {
    const open = this.connections.get(userId);
    const client = open ? await open.catch(() => null) : null;
    if (client?.socket.connected) return client;
    client?.close();
    const next = (async () => connectWire(this.url, { token: await this.issueToken(userId), deviceId: `${userId}-admin` }))();
    this.connections.set(userId, next);
    return next;
  }

  /** What the server says each user's groups look like now (a fresh connection's conversation list). */
  async summaries(userIds: Iterable<string>): Promise<Map<string, ConversationSummary[]>> {
    const out = new Map<string, ConversationSummary[]>();
    for (const userId of userIds) {
      const client = await connectWire(this.url, { token: await this.issueToken(userId), deviceId: `${userId}-oracle` });
      try {
        const answer = await client.request<SyncResultFrame>({ type: 'sync', reqId: nextId('oracle-'), cursors: [] });
        for (const summary of answer.conversations) out.set(summary.id, [...(out.get(summary.id) ?? []), summary]);
      } finally {
        client.close();
      }
    }
    return out;
  }

  close(): void {
    for (const open of this.connections.values()) void open.then((c) => c.close(), () => undefined);
  }
}
