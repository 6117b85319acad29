import type { Collection, Db } from 'mongodb';

/** Which writes fail, as a process killed right before them would never make them. */
export interface Faults {
  /** Every insert into the events collection (the append). */
  events: boolean;
  /** Every update of a member document (a role change). */
  roles: boolean;
  /** How many of the next updates of event documents (an erasure) fail. */
  erasures?: number;
}

/**
 * The database as a process sees it that dies at the first faulty write: those writes fail
 * (nothing written), everything else goes through. The store on it is dropped after its failure,
 * like the process; another store on the real database plays the node that starts next.
 *
 * @example
 * const faults: Faults = { events: false, roles: false };
 * const dying = createMongoStore({ db: dyingAt(db, faults) });
 * faults.erasures = 1; // its next erasure write fails
 */
export function dyingAt(db: Db, faults: Faults): Db {
  const wrap = (collection: Collection, name: string) =>
    new Proxy(collection, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        // Decided at each call: the store keeps the collection it got.
        return (...args: unknown[]) => {
          const erasure = name.endsWith('events') && prop === 'updateOne' && (faults.erasures ?? 0) > 0;
          if (erasure) faults.erasures! -= 1;
          const fails = erasure || (name.endsWith('events') && prop === 'insertOne' && faults.events) || (name.endsWith('members') && prop === 'updateOne' && faults.roles);
          return fails ? Promise.reject(new Error(`killed before ${name}.${String(prop)}`)) : (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'collection') return (name: string, options?: object) => wrap(target.collection(name, options), name);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
