/**
 * Tiny typed decoders for step outputs. They behave like upstream's unmarshal-then-marshal of the
 * generated Go models: unknown fields are dropped, a null field is as good as an absent one, and a
 * value of the wrong JSON type is an error (Go's json.Unmarshal refuses it, hence upstream's 400).
 * Enum and format rules are not checked, because upstream's reply path does not check them either.
 */

import { overJsonBudget, type JsonBudget } from './json-budget.js';

export class ShapeError extends Error {
  /**
   * `path` is where in the value the problem is ('' for the value itself); without `problem`,
   * `message` is the whole message and no path is added to it.
   */
  constructor(
    message: string,
    private path = '',
    private readonly problem?: string,
  ) {
    super(problem === undefined ? message : located(path, problem));
    this.name = 'ShapeError';
  }

  /** The same error, seen from one level out: `segment` is a field name or an index as "[3]". */
  within(segment: string): ShapeError {
    if (this.problem === undefined) return this;
    this.path = this.path === '' ? segment : this.path.startsWith('[') ? `${segment}${this.path}` : `${segment}.${this.path}`;
    this.message = located(this.path, this.problem);
    return this;
  }
}

function located(path: string, problem: string): string {
  return `${path || 'output'}: ${problem}`;
}

/** A problem at `path`, which the decoders around it complete as the error passes through them. */
function shapeError(path: string, problem: string): ShapeError {
  return new ShapeError('', path, problem);
}

export type Decoder<T> = (value: unknown, path: string) => T;

type Fields = Record<string, Decoder<unknown>>;
export type Decoded<F extends Fields> = { [K in keyof F]?: F[K] extends Decoder<infer T> ? T : never };

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function fail(path: string, expected: string, value: unknown): never {
  throw shapeError(path, `expected ${expected}, got ${describe(value)}`);
}

export const string: Decoder<string> = (value, path) => (typeof value === 'string' ? value : fail(path, 'a string', value));

export const boolean: Decoder<boolean> = (value, path) => (typeof value === 'boolean' ? value : fail(path, 'a boolean', value));

/**
 * Go's int/int64 fields: a fractional number does not fit, and one beyond 2^53 could not be
 * stored and sent back as the same digits (see limits.ts MAX_EXACT_INTEGER).
 */
export const integer: Decoder<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail(path, 'an integer', value);
  return Number.isSafeInteger(value) ? value : fail(path, `an integer within ±${Number.MAX_SAFE_INTEGER}`, value);
};

/** JSON.parse turns 1e400 into Infinity, which would be stored as null. */
export const number: Decoder<number> = (value, path) => {
  if (typeof value !== 'number') return fail(path, 'a number', value);
  return Number.isFinite(value) ? value : fail(path, 'a finite number', value);
};

// Nested decoders get no path of their own: a ShapeError gains each level's field name or index
// on its way out (ShapeError.within). Building "interfaces[3].ipv4_addresses[0]" for every value
// that decodes fine was most of what decoding an inventory allocated.

/** A list of at most `max` items (unbounded only where a cap was applied before decoding). */
export function arrayOf<T>(item: Decoder<T>, max = Number.POSITIVE_INFINITY): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return fail(path, 'an array', value);
    if (value.length > max) throw shapeError(path, `${value.length} entries, more than the ${max} any real reply holds`);
    const result: T[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      try {
        result[index] = item(value[index], '');
      } catch (err) {
        throw withPath(err, path, `[${index}]`);
      }
    }
    return result;
  };
}

export function object<F extends Fields>(fields: F): Decoder<Decoded<F>> {
  const entries = Object.entries(fields);
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'an object', value);
    const source = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [name, decode] of entries) {
      const field = source[name];
      if (field === undefined || field === null) continue;
      try {
        result[name] = decode(field, '');
      } catch (err) {
        throw withPath(err, path, name);
      }
    }
    return result as Decoded<F>;
  };
}

/** A nested decoder's error, located at `segment` below `path` (a decoder's own path, '' when nested). */
function withPath(err: unknown, path: string, segment: string): unknown {
  if (!(err instanceof ShapeError)) return err;
  const inner = err.within(segment);
  return path === '' ? inner : inner.within(path);
}

/**
 * What one step output may hold. The largest legitimate one, an inventory at every cap of
 * INVENTORY_CAPS, is ~35,000 containers and ~400,000 values; the budget leaves room for a list of
 * 100,000 small entries to reach the caps and be cut rather than refused, while its parse stays
 * within the event-loop budget (bench/hostile.bench.mjs measures it).
 */
export const STEP_OUTPUT_BUDGET: JsonBudget = { maxContainers: 120_000, maxValues: 500_000, maxDepth: 32 };

/** Refuses `text` when it holds more than its budget (a ShapeError saying what). */
export function checkJsonBudget(text: string, budget: JsonBudget = STEP_OUTPUT_BUDGET): void {
  const over = overJsonBudget(text, budget);
  if (over) throw new ShapeError(`output holds ${over}`);
}

/** Parses `text` within its budget; any problem becomes a ShapeError naming where it is. */
export function parseJsonValue(text: string, budget: JsonBudget = STEP_OUTPUT_BUDGET): unknown {
  checkJsonBudget(text, budget);
  return parseWithinBudget(text);
}

/** Parses `text` that checkJsonBudget has passed. */
export function parseWithinBudget(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ShapeError(`not valid JSON (${(err as Error).message})`);
  }
  if (value === null) throw new ShapeError('output: expected a JSON value, got null');
  return value;
}

/** Parses `text` and decodes it; any problem becomes a ShapeError naming where it is. */
export function parseJson<T>(text: string, decode: Decoder<T>, budget?: JsonBudget): T {
  return decode(parseJsonValue(text, budget), '');
}
