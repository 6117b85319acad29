import type { LogEvent } from '@parley/protocol';
import type { AppendResult, ChatStore, StoredConversation, StoredMember } from '../store/types.js';
import { directKeyOf } from '../store/store-helpers.js';

/**
 * An event as a newer Parley release writes it: a kind this version may not know, data of any
 * shape, and fields beside the contract's (`extra`) that this version's store does not read.
 */
export interface ForeignEventInput {
  conversationId: string;
  senderId: string;
  clientMsgId: string;
  ts: number;
  kind: string;
  data: unknown;
  /** Stored next to the event the way a newer release adds fields (columns, document fields). */
  extra: Record<string, string | number | boolean>;
}

/**
 * Writes an event into the store's database the way a newer release's append does: at the end of
 * the conversation's log (seq = the log's highest + 1, with the conversation's `lastSeq` raised),
 * under the same dedup key rules, with a fresh id. Returns the id and seq it stored.
 */
export type WriteForeignEvent = (event: ForeignEventInput) => Promise<{ id: string; seq: number }>;

/** What `runStoreConformance` needs to make one fresh, empty store per test. */
export type MakeStore = () => Promise<{
  store: ChatStore;
  cleanup?: () => Promise<void>;
  /**
   * Required for the mixed-version tests (the suite fails without it): during a rolling deploy a
   * newer release writes event kinds and fields into the same database, and every read of this
   * version must return those events, not throw and not skip them (a skipped seq is a hole that
   * clients can never fill).
   */
  writeForeignEvent?: WriteForeignEvent;
}>;

export interface ConformanceOptions {
  /** Appends fired at once in the concurrency tests (at least 50). Default 60. */
  concurrentAppends?: number;
  /** Per-test timeout in ms, for stores behind a network. Default 30 000. */
  timeoutMs?: number;
}

/**
 * One conformance check, runnable on its own against a fresh, empty store: the suite registers
 * each as a test, and the kit's own tests run them against deliberately broken stores to prove
 * that they catch what they claim to.
 */
export interface StoreCheck {
  name: string;
  run(store: ChatStore): Promise<void>;
}

/** The live store of the running test; a getter because each test gets a fresh one. */
export interface StoreContext {
  readonly store: ChatStore;
  /** The running test's foreign-event writer, if the store's wiring provides one. */
  readonly writeForeignEvent: WriteForeignEvent | undefined;
}

/** A fixed clock for fixtures: tests compare timestamps exactly. */
export const T0 = 1_700_000_000_000;

/**
 * Creates a group conversation whose creator is the first member.
 *
 * @example
 * await createGroup(store, 'g1', ['alice', 'bob']); // alice owns it; seq 1 is conversation.created
 */
export async function createGroup(
  store: ChatStore,
  id: string,
  members: string[],
  ts = T0,
): Promise<StoredConversation> {
  const { conversation } = await store.createConversation({
    id,
    kind: 'group',
    title: `title of ${id}`,
    createdBy: members[0]!,
    members,
    directKey: null,
    ts,
  });
  return conversation;
}

/**
 * Opens (or re-opens) the direct conversation of two users.
 *
 * @example
 * const { conversation, created } = await createDirect(store, 'd1', 'alice', 'bob');
 */
export function createDirect(store: ChatStore, id: string, a: string, b: string, ts = T0) {
  return store.createConversation({
    id,
    kind: 'direct',
    title: null,
    createdBy: a,
    members: [a, b],
    directKey: directKeyOf(a, b),
    ts,
  });
}

/**
 * Appends a text message.
 *
 * @example
 * const { event, duplicate } = await sendText(store, 'g1', 'alice', 'client-msg-1', 'hello');
 */
export function sendText(
  store: ChatStore,
  conversationId: string,
  senderId: string,
  clientMsgId: string,
  text = `text ${clientMsgId}`,
  ts = T0 + 1,
): Promise<AppendResult> {
  return store.append({ conversationId, senderId, clientMsgId, ts, kind: 'message', data: { text } });
}

/**
 * Every event of a conversation, read in pages so that no store page limit hides a bug.
 *
 * @example
 * expect((await readWholeLog(store, 'g1')).map((e) => e.seq)).toEqual([1, 2, 3]);
 */
export async function readWholeLog(store: ChatStore, conversationId: string, pageSize = 100): Promise<LogEvent[]> {
  const all: LogEvent[] = [];
  for (;;) {
    const after = all.at(-1)?.seq ?? 0;
    const page = await store.readAfter(conversationId, after, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
    // A store whose pages do not move forward would loop here for ever: report it instead.
    if (page.at(-1)!.seq <= after) throw new Error(`readAfter(${after}) returned no event after ${after}`);
  }
}

/** `[from, from + 1, …, to]`. */
/** Group g1 of alice and bob with five events: its creation (seq 1) and alice's messages 2 to 5. */
export async function groupWithFiveEvents(store: ChatStore): Promise<void> {
  await createGroup(store, 'g1', ['alice', 'bob']);
  for (const i of [2, 3, 4, 5]) await sendText(store, 'g1', 'alice', `cmid-000${i}`);
}

/**
 * A device's watermark report (`updateDeviceWatermarks` from one device), answering the member
 * after it: how the server moves a member's watermarks.
 */
export async function reportWatermarks(
  store: ChatStore,
  conversationId: string,
  userId: string,
  update: { deliveredSeq?: number; readSeq?: number },
  deviceId = 'device-1',
): Promise<StoredMember | null> {
  return (await store.updateDeviceWatermarks(conversationId, userId, deviceId, update, T0))?.member ?? null;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * Fires `count` message appends at once from one sender and resolves with their results. Used by
 * the suite and by multi-process tests (each process runs one burst against a shared database).
 *
 * @example
 * const results = await appendBurst(store, { conversationId: 'c1', senderId: 'worker-1', count: 100 });
 */
export async function appendBurst(
  store: ChatStore,
  options: { conversationId: string; senderId: string; count: number; ts?: number },
): Promise<AppendResult[]> {
  const { conversationId, senderId, count, ts = Date.now() } = options;
  return Promise.all(
    range(1, count).map((i) => sendText(store, conversationId, senderId, `${senderId}-msg-${i}`, `#${i}`, ts + i)),
  );
}

/**
 * Reads a conversation's whole log and describes every way it breaks the seq promise: holes,
 * repeats, a first seq other than 1, repeated ids or dedup keys, or a `lastSeq` behind the log.
 * An empty array means the log is sound.
 *
 * @example
 * expect(await logProblems(store, 'c1')).toEqual([]);
 */
export async function logProblems(store: ChatStore, conversationId: string): Promise<string[]> {
  const events = await readWholeLog(store, conversationId);
  const problems: string[] = [];
  events.forEach((event, i) => {
    if (event.seq !== i + 1) problems.push(`position ${i} holds seq ${event.seq}, expected ${i + 1}`);
  });
  const ids = new Set(events.map((e) => e.id));
  if (ids.size !== events.length) problems.push(`${events.length - ids.size} repeated event ids`);
  const keys = new Set(events.filter((e) => e.kind === 'message').map((e) => `${e.senderId}\n${e.clientMsgId}`));
  const messages = events.filter((e) => e.kind === 'message').length;
  if (keys.size !== messages) problems.push(`${messages - keys.size} messages stored twice`);
  const conversation = await store.getConversation(conversationId);
  if (conversation && conversation.lastSeq !== events.length) {
    problems.push(`lastSeq is ${conversation.lastSeq} but the log holds ${events.length} events`);
  }
  return problems;
}
