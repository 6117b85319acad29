/**
 * Runs tasks one at a time per key, in submission order, different keys concurrently. A
 * connection's sends to one conversation are persisted in the order the client sent them.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task).finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    this.tails.set(key, next);
    return next;
  }

  get size(): number {
    return this.tails.size;
  }
}
