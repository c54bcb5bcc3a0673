import { describe, expect, it } from 'vitest';
import { DEFAULT_FUZZ_SEED, fuzzSettings, mutate, randomJson, SeededRandom } from './random.js';

describe('seeded fuzz randomness', () => {
  it('repeats its sequence for a seed, and differs between seeds and forks', () => {
    const draw = (r: SeededRandom) => Array.from({ length: 5 }, () => r.int(0, 1_000_000));
    expect(draw(new SeededRandom(7))).toEqual(draw(new SeededRandom(7)));
    expect(draw(new SeededRandom(7))).not.toEqual(draw(new SeededRandom(8)));
    const base = new SeededRandom(7);
    expect(draw(base.fork('a'))).not.toEqual(draw(base.fork('b')));
    expect(JSON.stringify(randomJson(new SeededRandom(3)))).toBe(JSON.stringify(randomJson(new SeededRandom(3))));
    expect(JSON.stringify(mutate(new SeededRandom(3), { a: 1, b: ['x'] }))).toBe(JSON.stringify(mutate(new SeededRandom(3), { a: 1, b: ['x'] })));
  });

  it('reads the seed and scale from the environment, with CI defaults, and refuses nonsense', () => {
    expect(fuzzSettings({})).toEqual({ seed: DEFAULT_FUZZ_SEED, scale: 1 });
    expect(fuzzSettings({ INBAND_FUZZ_SEED: '42', INBAND_FUZZ_SCALE: '20' })).toEqual({ seed: 42, scale: 20 });
    expect(() => fuzzSettings({ INBAND_FUZZ_SEED: 'abc' })).toThrow(/INBAND_FUZZ_SEED/);
    expect(() => fuzzSettings({ INBAND_FUZZ_SCALE: '0' })).toThrow(/INBAND_FUZZ_SCALE/);
  });
});
