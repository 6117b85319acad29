import fc, { type Parameters as FcParameters } from 'fast-check';

/**
 * How big a fuzz run is. `npm test` runs a short, bounded-in-count run; `npm run fuzz` sets
 * PARLEY_FUZZ_RUNS high and PARLEY_FUZZ_MINUTES as the deadline after which every property
 * stops by itself (an interrupted property counts as passed: the deadline is a budget, never an
 * assertion). PARLEY_FUZZ_SEED replays a failure; fast-check prints the seed and the path.
 */
const seedEnv = process.env.PARLEY_FUZZ_SEED;
export const FUZZ_SEED = seedEnv !== undefined && seedEnv !== '' ? Number(seedEnv) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const runsEnv = Number(process.env.PARLEY_FUZZ_RUNS);
const minutesEnv = Number(process.env.PARLEY_FUZZ_MINUTES);
export const LONG_RUN = Number.isFinite(runsEnv) && runsEnv > 0;
/** The wall-clock budget of the long run, shared by the fuzz files that run side by side. */
const BUDGET_MS = (Number.isFinite(minutesEnv) && minutesEnv > 0 ? minutesEnv : 10) * 60_000;

if (Number.isNaN(FUZZ_SEED)) throw new Error(`PARLEY_FUZZ_SEED must be a number, got ${seedEnv}`);

/**
 * fast-check parameters for one property. `shortRuns` is its size in `npm test`; `share` is the
 * part of the long run's budget it gets (the properties of one file run one after the other).
 */
export function fuzzParams(shortRuns: number, share = 1): FcParameters<unknown> {
  return {
    seed: FUZZ_SEED,
    numRuns: LONG_RUN ? runsEnv : shortRuns,
    endOnFailure: true,
    ...(LONG_RUN ? { interruptAfterTimeLimit: Math.floor(BUDGET_MS * share), markInterruptAsFailure: false } : {}),
  };
}

/** A per-test timeout that outlasts the property's own budget (vitest's default is 30 s). */
export function fuzzTimeout(shortMs: number, share = 1): number {
  return LONG_RUN ? Math.floor(BUDGET_MS * share) + 120_000 : shortMs;
}

/** Printed once per file so a failure in the log can be replayed. */
export function announce(file: string): void {
  console.log(`[fuzz] ${file}: seed ${FUZZ_SEED} (replay: PARLEY_FUZZ_SEED=${FUZZ_SEED} npx vitest run tests/fuzz)`);
}

/** Runs a property like `fc.assert`, and says how many inputs it tried (the long run's count). */
export async function checkProperty<Ts>(name: string, property: fc.IAsyncProperty<Ts>, params: FcParameters<Ts>): Promise<void> {
  const details = await fc.check(property, params);
  const stopped = details.interrupted ? ', stopped at the deadline' : '';
  console.log(`[fuzz] ${name}: ${details.numRuns} runs${stopped}, seed ${details.seed}`);
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `${name} failed`, { cause: details.errorInstance });
}
