import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from './registry.js';

describe('Prometheus registry', () => {
  it('renders counters with escaped labels and cumulative histogram buckets', () => {
    const registry = new Registry();
    const counter = registry.register(new Counter('c_total', 'a counter'));
    const histogram = registry.register(new Histogram('h_seconds', 'a histogram', [0.1, 1]));
    counter.inc({ code: 'a"b\\c' }, 2);
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);
    const text = registry.render();
    expect(text).toContain('# TYPE c_total counter');
    expect(text).toContain('c_total{code="a\\"b\\\\c"} 2');
    expect(text).toContain('h_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('h_seconds_bucket{le="1"} 2');
    expect(text).toContain('h_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('h_seconds_sum 5.55');
    expect(text).toContain('h_seconds_count 3');
  });
});
