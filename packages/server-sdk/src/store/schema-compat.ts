import { ErrorCode, ParleyError } from '@parley/protocol';
import type { Logger } from '../logger.js';

/**
 * Thrown at open when a database was migrated by a newer Parley past what this build can use: its
 * format version is newer than this build's and it is marked readable only from a version above
 * this build's (a `breaking` step ran, or the mark is missing). Nothing was written.
 *
 * @example
 * try {
 *   createSqliteStore({ filename });
 * } catch (err) {
 *   if (err instanceof StoreVersionError) console.error(`upgrade to schema ${err.readableFrom}+`);
 * }
 */
export class StoreVersionError extends ParleyError {
  constructor(
    /** Which store refused the database. */
    readonly store: 'sqlite' | 'mongodb',
    /** The format version found in the database. */
    readonly found: number,
    /** The oldest version the database says can still use it, or null when it does not say. */
    readonly readableFrom: number | null,
    /** The newest version this build knows. */
    readonly supported: number,
  ) {
    const since = readableFrom === null ? 'and does not say which older versions can use it' : `readable from version ${readableFrom} on`;
    super(
      ErrorCode.UNAVAILABLE,
      `Parley: this ${store === 'sqlite' ? 'SQLite' : 'MongoDB'} database has schema version ${found} (${since}), ` +
        `newer than this version of Parley supports (${supported}). Upgrade @parley/server-sdk.`,
    );
    this.name = 'StoreVersionError';
  }
}

/**
 * The one rule for a database newer than this build, shared by every store: use it when the
 * newer release marked its extra steps as additive (`readableFrom <= supported`), saying so once;
 * refuse it otherwise; returns the accepted `readableFrom`. A database at or below this build's version is not this function's business.
 */
export function acceptNewerSchema(
  store: 'sqlite' | 'mongodb',
  found: number,
  readableFrom: number | null,
  supported: number,
  logger: Pick<Logger, 'warn'>,
): number {
  if (readableFrom === null || readableFrom > supported) throw new StoreVersionError(store, found, readableFrom, supported);
  logger.warn(
    `store: the ${store} schema is version ${found}, newer than this build's ${supported}; ` +
      `it is readable from version ${readableFrom}, so this node uses it and ignores what it does not know`,
    { store, schemaVersion: found, readableFrom, supported },
  );
  return readableFrom;
}

/**
 * The oldest version that can use a database at `version`: the last step at or below it marked
 * `breaking` (a step older readers cannot live with), else 1.
 */
export function readableFromOf(steps: readonly { breaking?: boolean }[], version: number): number {
  let from = 1;
  for (let v = 1; v <= Math.min(version, steps.length); v++) if (steps[v - 1]!.breaking) from = v;
  return from;
}
