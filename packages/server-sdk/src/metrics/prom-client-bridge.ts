import type { Metric, Registry } from './registry.js';

/**
 * The part of a prom-client (v13+) `Registry` Parley needs: your app's registry, so that Parley's
 * series are served by the `/metrics` endpoint you already have. Parley does not depend on
 * prom-client; it hands the registry objects shaped like prom-client's own metrics.
 */
export interface PromClientRegistry {
  registerMetric(metric: never): void;
}

/** A Parley metric in the shape prom-client's registry reads (`get()`, `reset()`). */
function asPromClientMetric(metric: Metric) {
  const snapshot = () => ({
    name: metric.name,
    help: metric.help,
    type: metric.type,
    aggregator: 'sum' as const,
    values: metric.samples().map(({ name, labels, value }) => ({ metricName: name, labels, value })),
  });
  return {
    ...snapshot(),
    get: async () => snapshot(),
    // The app resetting its registry (tests do) must not erase what Parley counted.
    reset: () => undefined,
  };
}

/** Registers every metric of Parley's registry with the app's prom-client registry. */
export function joinPromClientRegistry(target: PromClientRegistry, registry: Registry): void {
  for (const metric of registry.list()) target.registerMetric(asPromClientMetric(metric) as never);
}
