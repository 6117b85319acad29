// Shared by the load generators: latency histograms, the clock, and how results are reported.
import hdr from 'hdr-histogram-js';

/** Monotonic nanoseconds. CLOCK_MONOTONIC is system-wide on Linux, so stamps compare across processes. */
export const nowNs = () => process.hrtime.bigint();

/** An HDR histogram of latencies recorded in microseconds (1 µs to 60 s, 3 significant digits). */
export function latencyHistogram() {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  return {
    /** Records the time since `startNs` (a `nowNs()` value or its string form). */
    since(startNs) {
      histogram.recordValue(Number(nowNs() - BigInt(startNs)) / 1000);
    },
    get count() {
      return histogram.totalCount;
    },
    /** p50/p99/max in milliseconds. */
    summary() {
      const ms = (us) => Math.round(us) / 1000;
      return {
        count: histogram.totalCount,
        p50: ms(histogram.getValueAtPercentile(50)),
        p99: ms(histogram.getValueAtPercentile(99)),
        max: ms(histogram.maxValue),
      };
    },
  };
}

/** CPU the load generator itself used, as a share of one core: near 1.0 means the client may be the bottleneck. */
export function cpuMeter() {
  const startCpu = process.cpuUsage();
  const startNs = nowNs();
  return () => {
    const used = process.cpuUsage(startCpu);
    return Math.round(((used.user + used.system) * 1000 / Number(nowNs() - startNs)) * 100) / 100;
  };
}

/**
 * Measures the server's CPU seconds over a window (from `/bench/cpu`; B4 sums both nodes).
 * Returns a function that resolves with the CPU seconds used since.
 */
export async function serverCpuMeter(where) {
  const read = async () => {
    const urls = where.urls ?? [where.url];
    const all = await Promise.all(urls.map(async (url) => (await (await fetch(`${url}/bench/cpu`)).json()).cpuSeconds));
    return all.reduce((a, b) => a + b, 0);
  };
  const start = await read();
  return async () => Math.round(((await read()) - start) * 1000) / 1000;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one line the orchestrator reads: the result as JSON on stdout. */
export function report(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Reads `--name value` arguments into an object of strings. */
export function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

/** The target described by the orchestrator: `{ kind: 'parley'|'sio'|'ws', url, urls?, secret? }`. */
export function target() {
  return JSON.parse(process.env.BENCH_TARGET ?? '{}');
}
