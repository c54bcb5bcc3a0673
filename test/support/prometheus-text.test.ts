import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { parseExposition, sampleValue } from './prometheus-text.js';

const ok = `# HELP jobs_total Jobs done, "quoted" \\\\ and \\n escaped.
# TYPE jobs_total counter
jobs_total{kind="a\\"b",path="c:\\\\d"} 3
jobs_total{kind="x\\ny"} 1.5e3
# TYPE lat histogram
lat_bucket{le="0.1"} 1
lat_bucket{le="1"} 2
lat_bucket{le="+Inf"} 2
lat_sum 0.6
lat_count 2
# a plain comment
temp -Inf 1700000000000
`;

describe('the strict Prometheus text parser', () => {
  it('reads families, types, escaped help and label values, floats and timestamps', () => {
    const families = parseExposition(ok);
    expect(families.get('jobs_total')).toMatchObject({ type: 'counter', help: 'Jobs done, "quoted" \\ and \n escaped.' });
    expect(sampleValue(families, 'jobs_total', { kind: 'a"b', path: 'c:\\d' })).toBe(3);
    expect(sampleValue(families, 'jobs_total', { kind: 'x\ny' })).toBe(1500);
    expect(families.get('lat')?.samples.map((s) => s.name)).toEqual(['lat_bucket', 'lat_bucket', 'lat_bucket', 'lat_sum', 'lat_count']);
    expect(families.get('temp')).toMatchObject({ type: 'untyped', samples: [{ value: -Infinity, timestamp: 1700000000000 }] });
  });

  it.each([
    ['no final line feed', 'a 1'],
    ['a bad metric name', '0a 1\n'],
    ['a value that is not a float', 'a one\n'],
    ['a hex float', 'a 0x10\n'],
    ['an unclosed label value', 'a{b="c} 1\n'],
    ['an unknown escape', 'a{b="\\t"} 1\n'],
    ['a reserved label name', 'a{__name__="x"} 1\n'],
    ['a repeated label', 'a{b="1",b="2"} 1\n'],
    ['a repeated series', 'a{b="1"} 1\na{b="1"} 2\n'],
    ['a family in two groups', 'a 1\nb 1\na{c="d"} 1\n'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['two TYPE lines', '# TYPE a gauge\n# TYPE a counter\na 1\n'],
    ['an unknown type', '# TYPE a meter\na 1\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose buckets shrink', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a histogram whose +Inf differs from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n'],
    ['trailing garbage after the timestamp', 'a 1 2 3\n'],
  ])('refuses %s', (_why, text) => {
    expect(() => parseExposition(text)).toThrow();
  });

  it('reads what prom-client writes, label values with quotes, backslashes and newlines included', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'c_total', help: 'a "help"\nwith a \\ line', labelNames: ['v'], registers: [registry] });
    counter.inc({ v: 'quote " backslash \\ newline \n end' }, 2);
    new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['r'], buckets: [0.1, 1], registers: [registry] }).observe({ r: '/x/:id' }, 0.5);
    const families = parseExposition(await registry.metrics());
    expect(sampleValue(families, 'c_total', { v: 'quote " backslash \\ newline \n end' })).toBe(2);
    expect(families.get('c_total')?.help).toBe('a "help"\nwith a \\ line');
    expect(sampleValue(families, 'h_seconds_bucket', { r: '/x/:id', le: '0.1' })).toBe(0);
    expect(sampleValue(families, 'h_seconds_bucket', { r: '/x/:id', le: '1' })).toBe(1);
    expect(sampleValue(families, 'h_seconds_count', { r: '/x/:id' })).toBe(1);
  });
});
