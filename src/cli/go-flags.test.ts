import { describe, expect, it } from 'vitest';
import { normalizeGoFlags } from './go-flags.js';

describe('normalizeGoFlags', () => {
  it('rewrites single-dash long flags as Go\'s flag package accepts them', () => {
    expect(normalizeGoFlags(['agent', '-url', 'http://x', '-host-id=abc', '--insecure=true', '-h', '-with-text-logging=false'])).toEqual([
      'agent',
      '--url',
      'http://x',
      '--host-id=abc',
      '--insecure=true',
      '-h',
      '--with-text-logging=false',
    ]);
  });

  it('leaves values, JSON arguments and everything after -- alone', () => {
    expect(normalizeGoFlags(['free_addresses', '["10.0.0.0/24"]', '--', '-url'])).toEqual(['free_addresses', '["10.0.0.0/24"]', '--', '-url']);
    expect(normalizeGoFlags(['-1', '-', '-request={"a":"-b"}'])).toEqual(['-1', '-', '--request={"a":"-b"}']);
  });
});
