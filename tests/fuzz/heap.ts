import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full GC before each sample, so the bound measures what is retained, not what is merely garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes still in use in this process after a full collection. */
export function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Resident memory of another process (Linux /proc), or null where that is not readable. */
export function residentBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** A generous bound: memory may grow with what was stored, never without limit. */
export function assertBounded(label: string, first: number | null, last: number | null, allowedGrowth: number): void {
  if (first === null || last === null) return;
  if (last > first + allowedGrowth) {
    throw new Error(`${label}: memory grew from ${Math.round(first / 1e6)} MB to ${Math.round(last / 1e6)} MB (bound +${Math.round(allowedGrowth / 1e6)} MB)`);
  }
}
