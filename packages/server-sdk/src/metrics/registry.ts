/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format. Enough for Parley's own metrics without pulling a client library into every
 * server that mounts Parley; `prom-client-bridge.ts` lets an app's prom-client registry serve them.
 */
export type Labels = Record<string, string | number>;

/** One line of a metric's exposition: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  samples(): Sample[];
}

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A label set's key (and exposition): `a="x",b="y"`, names sorted. Several per message sent: values are escaped only when they need it. */
function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let out = '';
  for (const name of names) {
    const value = String(labels[name]);
    out += `${out === '' ? '' : ','}${name}="${NEEDS_ESCAPE.test(value) ? escapeLabel(value) : value}"`;
  }
  return out;
}

/** Values by label set, keeping each set's labels for the exposition. */
class Series<T> {
  private readonly entries = new Map<string, { labels: Labels; value: T }>();

  get(labels: Labels): T | undefined {
    return this.entries.get(key(labels))?.value;
  }

  set(labels: Labels, value: T): void {
    this.entries.set(key(labels), { labels: { ...labels }, value });
  }

  all(): Iterable<{ labels: Labels; value: T }> {
    return this.entries.values();
  }
}

/** A number per label set: what counters and gauges share. */
abstract class ValueMetric implements Metric {
  abstract readonly type: 'counter' | 'gauge';
  protected readonly values = new Series<number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    this.values.set(labels, this.get(labels) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labels) ?? 0;
  }

  samples(): Sample[] {
    return [...this.values.all()].map(({ labels, value }) => ({ name: this.name, labels, value }));
  }
}

export class Counter extends ValueMetric {
  readonly type = 'counter';
}

export class Gauge extends ValueMetric {
  readonly type = 'gauge';

  set(value: number, labels: Labels = {}): void {
    this.values.set(labels, value);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly series = new Series<{ counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    let s = this.series.get(labels);
    if (!s) this.series.set(labels, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Observations so far (for tests and dashboards built in code). */
  count(labels: Labels = {}): number {
    return this.series.get(labels)?.count ?? 0;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, value: s } of this.series.all()) {
      this.buckets.forEach((bound, i) => out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: s.counts[i]! }));
      out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
      out.push({ name: `${this.name}_sum`, labels, value: s.sum });
      out.push({ name: `${this.name}_count`, labels, value: s.count });
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  register<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  /** Every registered metric, in registration order. */
  list(): readonly Metric[] {
    return this.metrics;
  }

  /** The Prometheus text exposition of every registered metric. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics) {
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
      for (const { name, labels, value } of metric.samples()) {
        const labelKey = key(labels);
        lines.push(`${name}${labelKey ? `{${labelKey}}` : ''} ${value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}
