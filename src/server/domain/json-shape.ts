/**
 * Tiny typed decoders for step outputs. They behave like upstream's unmarshal-then-marshal of the
 * generated Go models: unknown fields are dropped, a null field is as good as an absent one, and a
 * value of the wrong JSON type is an error (Go's json.Unmarshal refuses it, hence upstream's 400).
 * Enum and format rules are not checked, because upstream's reply path does not check them either.
 */

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
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
  throw new ShapeError(`${path || 'output'}: expected ${expected}, got ${describe(value)}`);
}

export const string: Decoder<string> = (value, path) => (typeof value === 'string' ? value : fail(path, 'a string', value));

export const boolean: Decoder<boolean> = (value, path) => (typeof value === 'boolean' ? value : fail(path, 'a boolean', value));

/** Go's int/int64 fields: a fractional number does not fit. */
export const integer: Decoder<number> = (value, path) =>
  typeof value === 'number' && Number.isInteger(value) ? value : fail(path, 'an integer', value);

export const number: Decoder<number> = (value, path) => (typeof value === 'number' ? value : fail(path, 'a number', value));

export function arrayOf<T>(item: Decoder<T>): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return fail(path, 'an array', value);
    return value.map((element, index) => item(element, `${path}[${index}]`));
  };
}

export function object<F extends Fields>(fields: F): Decoder<Decoded<F>> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'an object', value);
    const source = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [name, decode] of Object.entries(fields)) {
      const field = source[name];
      if (field === undefined || field === null) continue;
      result[name] = decode(field, path ? `${path}.${name}` : name);
    }
    return result as Decoded<F>;
  };
}

/** Parses `text` and decodes it; any problem becomes a ShapeError naming where it is. */
export function parseJson<T>(text: string, decode: Decoder<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ShapeError(`not valid JSON (${(err as Error).message})`);
  }
  if (value === null) throw new ShapeError('output: expected a JSON value, got null');
  return decode(value, '');
}
