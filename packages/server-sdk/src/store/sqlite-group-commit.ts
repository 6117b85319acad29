import type { Database } from 'better-sqlite3';
import type { AppendInput, AppendResult } from './types.js';

type Pending<I, R> = { input: I; resolve: (result: R) => void; reject: (err: unknown) => void };

/**
 * Group commit: appends (or other writes, such as webhook enqueues) that arrive in the same turn of the event loop share one IMMEDIATE
 * transaction, so one fsync (with `synchronous = FULL`) makes a whole batch durable. Each append
 * runs in its own savepoint, so one failing append rolls back alone, and every promise resolves
 * only after the batch's COMMIT: an ACK still means "durable".
 */
export function createGroupCommit<I = AppendInput, R = AppendResult>(db: Database, appendOne: (input: I) => R, maxBatch = 256) {
  // A nested better-sqlite3 transaction is a savepoint inside the outer one.
  const savepoint = db.transaction(appendOne);
  const batch = db.transaction((items: Pending<I, R>[]) =>
    items.map((item) => {
      try {
        return { ok: true as const, result: savepoint(item.input) };
      } catch (err) {
        return { ok: false as const, err };
      }
    }),
  );
  const queue: Pending<I, R>[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const items = queue.splice(0, maxBatch);
    if (queue.length > 0) schedule();
    let outcomes;
    try {
      outcomes = batch.immediate(items);
    } catch (err) {
      for (const item of items) item.reject(err);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? items[i]!.resolve(outcome.result) : items[i]!.reject(outcome.err)));
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return (input: I): Promise<R> =>
    new Promise((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
