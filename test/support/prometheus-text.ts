/**
 * A strict parser of Prometheus' text exposition format (version 0.0.4), for tests: it throws on
 * anything the format does not allow, so a scrape that a real Prometheus would refuse (or read
 * differently) fails the test. Written from the format's specification: line grammar, escapes,
 * float syntax, one TYPE and HELP per family before its samples, a family's samples together,
 * unique series, and histograms with cumulative buckets ending in le="+Inf" equal to _count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for a histogram family `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's strconv.ParseFloat syntax as Prometheus reads values (NaN, Inf, Infinity in any case), without hex floats. */
const FLOAT = /^(?:[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)|nan)$/i;
const TIMESTAMP = /^-?\d+$/;

export class ExpositionError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

function parseFloatStrict(text: string, line: number): number {
  if (!FLOAT.test(text)) throw new ExpositionError(line, `${JSON.stringify(text)} is not a float`);
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return Number(text);
}

/** HELP text escapes: `\\` and `\n` only. */
function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new ExpositionError(line, `invalid escape \\${c} in HELP`);
  });
}

/** `{a="x",b="y\"z"}` starting at text[i] === '{'; returns the labels and the index after '}'. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) throw new ExpositionError(line, `expected a label name at column ${i + 1}`);
    const name = nameMatch[0];
    if (name.startsWith('__')) throw new ExpositionError(line, `label name ${name} is reserved`);
    if (name in labels) throw new ExpositionError(line, `label ${name} repeated`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new ExpositionError(line, `expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new ExpositionError(line, `label ${name}'s value is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new ExpositionError(line, `invalid escape \\${next ?? ''} in label ${name}`);
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new ExpositionError(line, `expected , or } after label ${name}`);
  }
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family?.type === 'histogram' || (family?.type === 'summary' && suffix !== '_bucket')) return family;
  }
  return undefined;
}

function seriesKey(sample: Sample): string {
  return `${sample.name}{${Object.keys(sample.labels).sort().map((k) => `${k}=${JSON.stringify(sample.labels[k])}`).join(',')}}`;
}

function checkFamily(family: MetricFamily): void {
  if (family.type === 'counter') {
    for (const s of family.samples) if (!(s.value >= 0)) throw new Error(`counter ${s.name} has value ${s.value}`);
  }
  if (family.type !== 'histogram') return;
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { buckets: [] }));
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      group.buckets.push([parseFloatStrict(le, 0), s.value]);
    } else if (s.name === `${family.name}_count`) group.count = s.value;
    else if (s.name === `${family.name}_sum`) group.sum = s.value;
    else throw new Error(`histogram ${family.name} has a sample ${s.name}`);
  }
  for (const [key, group] of groups) {
    const where = `${family.name} ${key}`;
    if (group.count === undefined || group.sum === undefined) throw new Error(`${where}: _count or _sum missing`);
    const last = group.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: the last bucket is not le="+Inf"`);
    for (let i = 1; i < group.buckets.length; i++) {
      const [le, n] = group.buckets[i] as [number, number];
      const [prevLe, prevN] = group.buckets[i - 1] as [number, number];
      if (!(le > prevLe)) throw new Error(`${where}: bucket bounds not increasing (${prevLe}, ${le})`);
      if (n < prevN) throw new Error(`${where}: bucket counts not cumulative (${prevN} then ${n} at le=${le})`);
    }
    if (last[1] !== group.count) throw new Error(`${where}: le="+Inf" is ${last[1]} but _count is ${group.count}`);
  }
}

export function parseExposition(text: string): Map<string, MetricFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError(text.split('\n').length, 'the last line does not end with a line feed');
  const families = new Map<string, MetricFamily>();
  const series = new Set<string>();
  const finished = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  lines.pop();
  const declare = (name: string, lineNo: number): MetricFamily => {
    if (!METRIC_NAME.test(name)) throw new ExpositionError(lineNo, `invalid metric name ${JSON.stringify(name)}`);
    let family = families.get(name);
    if (family && finished.has(name)) throw new ExpositionError(lineNo, `metric ${name} is not in one group`);
    if (!family) families.set(name, (family = { name, type: 'untyped', samples: [] }));
    if (current && current !== family) finished.add(current.name);
    current = family;
    return family;
  };
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ''] = m as unknown as [string, string, string, string | undefined];
      const family = declare(name, lineNo);
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) throw new ExpositionError(lineNo, `unknown type ${JSON.stringify(rest)}`);
        if (family.samples.length > 0) throw new ExpositionError(lineNo, `TYPE of ${name} after its samples`);
        if ((family as { typed?: boolean }).typed) throw new ExpositionError(lineNo, `second TYPE for ${name}`);
        (family as { typed?: boolean }).typed = true;
        family.type = rest as MetricType;
      } else {
        if (family.help !== undefined) throw new ExpositionError(lineNo, `second HELP for ${name}`);
        family.help = unescapeHelp(rest, lineNo);
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new ExpositionError(lineNo, `not a sample: ${JSON.stringify(raw.slice(0, 80))}`);
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, lineNo));
    const rest = raw.slice(i);
    const fields = /^[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$/.exec(rest);
    if (!fields) throw new ExpositionError(lineNo, `expected a value after ${name}: ${JSON.stringify(rest.slice(0, 80))}`);
    const sample: Sample = { name, labels, value: parseFloatStrict(fields[1] as string, lineNo) };
    if (fields[2] !== undefined) {
      if (!TIMESTAMP.test(fields[2])) throw new ExpositionError(lineNo, `invalid timestamp ${fields[2]}`);
      sample.timestamp = Number(fields[2]);
    }
    const known = familyOf(name, families);
    const family = known && known === current ? known : declare(known?.name ?? name, lineNo);
    if (family.type === 'histogram' && name.endsWith('_bucket') && labels.le === undefined) throw new ExpositionError(lineNo, `${name} without le`);
    if (family.type === 'summary' && name === family.name && labels.quantile === undefined) throw new ExpositionError(lineNo, `${name} without quantile`);
    const key = seriesKey(sample);
    if (series.has(key)) throw new ExpositionError(lineNo, `series ${key} repeated`);
    series.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    delete (family as { typed?: boolean }).typed;
    checkFamily(family);
  }
  return families;
}

/** The value of one series, or undefined when it is not in the scrape. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}

/** Every series of a sample name. */
export function samplesOf(families: Map<string, MetricFamily>, name: string): Sample[] {
  return [...families.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
}
