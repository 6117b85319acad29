import type { TabLocks } from '../../src/tabs/tab-environment.js';

/** Web Locks semantics in one process: exclusive, granted in request order, abortable while queued. */
export function createMemoryLocks(): TabLocks {
  const queues = new Map<string, { grant: () => void; signal: AbortSignal }[]>();
  const held = new Set<string>();

  const next = (name: string) => {
    if (held.has(name)) return;
    const queue = queues.get(name) ?? [];
    let waiter = queue.shift();
    while (waiter?.signal.aborted) waiter = queue.shift();
    waiter?.grant();
  };

  return {
    request(name, { signal }, callback) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          held.add(name);
          callback().then(resolve, reject).finally(() => {
            held.delete(name);
            next(name);
          });
        };
        signal.addEventListener('abort', () => reject(new Error('aborted')));
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        queue.push({ grant, signal });
        next(name);
      });
    },
  };
}
