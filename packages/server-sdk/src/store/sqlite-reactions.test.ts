import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { T0, createGroup, logProblems, range, sendText } from '../testing/fixtures.js';
import { reactionProblems } from '../testing/conformance-reactions.js';
import { runWorkers } from '../testing/workers.js';
import type { ChatStore } from './types.js';
import { EDITS_OR_DELETES_SQL } from './sqlite-lanes.js';
import { HELD_REACTIONS_SQL } from './sqlite-reactions.js';
import { createSqliteStore } from './sqlite-store.js';

const worker = fileURLToPath(new URL('../testing/workers/store-worker.ts', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-reactions-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const react = (store: ChatStore, userId: string, clientMsgId: string, target: LogEvent, kind: 'reaction.added' | 'reaction.removed', key: string) =>
  store.append({ conversationId: 'g1', senderId: userId, clientMsgId, ts: T0 + 5, kind, data: { messageId: target.id, messageSeq: target.seq, key } });

/** g1 with three messages: many reactions on the first, one edit, one on the second; the third deleted after its reactions. */
async function busyLog(store: ChatStore) {
  await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
  const [a, b, c] = await Promise.all(['m1', 'm2', 'm3'].map(async (id) => (await sendText(store, 'g1', 'alice', id, id)).event));
  await Promise.all(range(1, 200).map((i) => react(store, `u${i % 20}`, `r${i}`, a!, i % 3 === 0 ? 'reaction.removed' : 'reaction.added', `k${i % 7}`)));
  await store.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'e1', ts: T0 + 6, kind: 'message.edited', data: { messageId: a!.id, messageSeq: a!.seq, text: 'edited' } });
  await react(store, 'bob', 'rb', b!, 'reaction.added', '👍');
  await react(store, 'carol', 'rc', c!, 'reaction.added', '👍');
  await store.append({ conversationId: 'g1', senderId: 'alice', clientMsgId: 'd1', ts: T0 + 7, kind: 'message.deleted', data: { messageId: c!.id, messageSeq: c!.seq } });
  await store.eraseMessage('g1', c!.seq);
  return [a!, b!, c!];
}

describe('sqlite store: the reaction index', () => {
  it('serves a page\'s reactions from parley_reactions and its edits and deletes from the partial index, never reading reaction rows', async () => {
    const filename = join(dir, 'plans.sqlite');
    const store = createSqliteStore({ filename });
    const [a] = await busyLog(store);
    // What history asks for: the edits and deletes of the page, and its reactions.
    expect((await store.readChanges('g1', [a!.seq], 1000, { kinds: ['message.edited', 'message.deleted'] })).map((e) => e.kind)).toEqual(['message.edited']);
    await store.close();
    const db = new BetterSqlite3(filename, { readonly: true });
    const plan = (sql: string, ...params: unknown[]) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((row) => (row as { detail: string }).detail).join('\n');
    expect(plan(EDITS_OR_DELETES_SQL, 'g1', '[2]', 1000, '["message.edited","message.deleted"]')).toMatch(/SEARCH parley_events USING INDEX parley_events_edits/);
    expect(plan(HELD_REACTIONS_SQL, 'g1', '[2]')).toMatch(/SEARCH parley_reactions USING PRIMARY KEY/);
    db.close();
  });

  it('rebuilds the index from the log when step 4 runs again (a version row written back for a rollback)', async () => {
    const filename = join(dir, 'rerun.sqlite');
    const store = createSqliteStore({ filename });
    const [a, b, c] = await busyLog(store);
    const before = await store.readReactions('g1', [a!.seq, b!.seq, c!.seq], 1000);
    expect(before.size).toBe(2);
    await store.close();

    const db = new BetterSqlite3(filename);
    // The index lost, but for a stale register that a newer event in the log overrides.
    db.exec('DELETE FROM parley_reactions');
    db.prepare("INSERT INTO parley_reactions VALUES ('g1', ?, '👍', 'bob', 1, 0)").run(b!.seq);
    db.exec('UPDATE parley_schema SET version = 3');
    db.close();

    const reopened = createSqliteStore({ filename });
    expect(await reopened.readReactions('g1', [a!.seq, b!.seq, c!.seq], 1000)).toEqual(before);
    expect(await reactionProblems(reopened, 'g1')).toEqual([]);
    await reopened.close();
  });

  it('equals the fold of the log when two processes add and remove the same users\' reactions at once', async () => {
    const filename = join(dir, 'race.sqlite');
    const setup = createSqliteStore({ filename });
    await createGroup(setup, 'g1', ['alice', 'bob', 'carol']);
    const root = (await sendText(setup, 'g1', 'alice', 'root', 'root')).event;
    await setup.close();

    const perWorker = 60;
    const base = {
      PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename, PARLEY_WORKER_OP: 'reactions', PARLEY_WORKER_COUNT: String(perWorker),
      PARLEY_WORKER_CONVERSATION: 'g1', PARLEY_WORKER_ROOT_ID: root.id, PARLEY_WORKER_ROOT_SEQ: String(root.seq),
    };
    const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
    const stored = runs.flatMap((r) => r.result as Array<{ duplicate: boolean }>).filter((r) => !r.duplicate);
    expect(stored).toHaveLength(2 * perWorker);
    const store = createSqliteStore({ filename });
    expect(await logProblems(store, 'g1')).toEqual([]);
    expect(await reactionProblems(store, 'g1')).toEqual([]);
    expect((await store.readReactions('g1', [root.seq], 1000)).get(root.seq)?.length).toBeGreaterThan(0);
    await store.close();
  });
});
