/**
 * Seeded randomness for the fuzzers. CI runs them with a fixed seed, so a failure there is
 * reproducible; `make fuzz` picks a random seed and a larger scale, and prints the seed, so a
 * failure found there can be replayed with INBAND_FUZZ_SEED=<seed>.
 */

/** The seed CI uses when INBAND_FUZZ_SEED is not set. */
export const DEFAULT_FUZZ_SEED = 20261203;

export interface FuzzSettings {
  seed: number;
  /** Multiplies every fuzzer's iteration count (1 in CI). */
  scale: number;
}

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seedText = env.INBAND_FUZZ_SEED ?? '';
  const seed = seedText === '' ? DEFAULT_FUZZ_SEED : Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`INBAND_FUZZ_SEED ${JSON.stringify(seedText)}: expected a non-negative integer`);
  const scaleText = env.INBAND_FUZZ_SCALE ?? '';
  const scale = scaleText === '' ? 1 : Number(scaleText);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) throw new Error(`INBAND_FUZZ_SCALE ${JSON.stringify(scaleText)}: expected a number in (0, 1000]`);
  return { seed, scale };
}

/** mulberry32: small, fast, and the same sequence on every machine for a seed. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A derived generator, so one fuzzer's draws do not shift another's sequence. */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(h >>> 0);
  }
}

/** Strings a hostile client sends: control characters, path tricks, quotes, huge numbers, odd Unicode. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u001b[31mred\u001b[0m',
  'line\r\nInjected: header',
  '../../../../etc/passwd',
  '/../../tmp/victim',
  '%2e%2e%2f%2e%2e%2f',
  '$(reboot)',
  '`id`',
  "'; DROP TABLE hosts; --",
  '"quoted"',
  '\\',
  '{}',
  '[]',
  'null',
  '9223372036854775808',
  '-9223372036854775809',
  '1e309',
  'NaN',
  '\ud800',
  '\u202e\u0041\u0042',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '00000000-0000-0000-0000-000000000000',
  'AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA',
  '--help',
  '-rf',
];

const NASTY_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 9223372036854775807, 1e308, -1e308, 0.5, -0.0, 1e-300];

export function nastyString(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.6) return random.pick(NASTY_STRINGS);
  if (roll < 0.8) return randomText(random, random.int(0, 64));
  // Occasionally long, never so long that generating it dominates a fuzzer's time.
  return 'x'.repeat(random.int(1_000, 100_000));
}

export function nastyNumber(random: SeededRandom): number {
  return random.chance(0.7) ? random.pick(NASTY_NUMBERS) : (random.next() - 0.5) * 10 ** random.int(0, 30);
}

export function randomText(random: SeededRandom, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const roll = random.next();
    const code = roll < 0.1 ? random.int(0, 31) : roll < 0.9 ? random.int(32, 126) : random.int(0x80, 0xffff);
    text += String.fromCharCode(code);
  }
  return text;
}

/**
 * Any JSON value, nested up to `depth`: the raw material for bodies that are almost, or not at all,
 * what a route expects.
 */
export function randomJson(random: SeededRandom, depth = 3): unknown {
  const kinds = depth <= 0 ? ['null', 'bool', 'number', 'string'] : ['null', 'bool', 'number', 'string', 'array', 'object'];
  switch (random.pick(kinds)) {
    case 'null':
      return null;
    case 'bool':
      return random.chance(0.5);
    case 'number':
      return nastyNumber(random);
    case 'string':
      return nastyString(random);
    case 'array':
      return Array.from({ length: random.int(0, 8) }, () => randomJson(random, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = random.int(0, 8); i > 0; i--) object[random.chance(0.3) ? nastyString(random).slice(0, 40) : randomText(random, random.int(1, 12))] = randomJson(random, depth - 1);
      return object;
    }
  }
}

/**
 * A mutation of a valid document: one field dropped, retyped, or replaced by a nasty value, so the
 * fuzzer reaches past the first schema check into the code behind it.
 */
export function mutate(random: SeededRandom, value: unknown, depth = 0): unknown {
  if (depth > 6 || random.chance(0.15)) return randomJson(random, 2);
  if (Array.isArray(value)) {
    if (value.length === 0 || random.chance(0.2)) return [...value, randomJson(random, 2)];
    const copy = [...value];
    const index = random.int(0, copy.length - 1);
    copy[index] = mutate(random, copy[index], depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0) return randomJson(random, 2);
    const key = random.pick(keys);
    const roll = random.next();
    if (roll < 0.2) delete copy[key];
    else copy[key] = mutate(random, copy[key], depth + 1);
    return copy;
  }
  if (typeof value === 'string') return random.chance(0.5) ? nastyString(random) : nastyNumber(random);
  if (typeof value === 'number') return random.chance(0.5) ? nastyNumber(random) : String(value);
  return randomJson(random, 1);
}
