/**
 * Runs tasks one at a time per key, in submission order, different keys concurrently. The server
 * uses it so that a connection's sends to one conversation persist in the order the client sent
 * them; the MongoDB store, so that its own appends to one conversation wait for each other
 * instead of colliding on the same seq over and over.
 */
export class KeyedQueue {
  /** Made with the first task: every connection has a queue, and most are idle (W3 in bench/). */
  private tails: Map<string, Promise<unknown>> | undefined;

  /** Runs `task` after every task queued before it under `key` has settled; settles as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const tails = (this.tails ??= new Map());
    const result = (tails.get(key) ?? Promise.resolve()).then(task, task);
    // The tail never rejects: a failed task must not fail the ones queued behind it.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([...(this.tails?.values() ?? [])]);
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.tails?.size ?? 0;
  }
}
