import { describe, expect, it } from 'vitest';
import { STEP_TYPES } from '../../protocol/step-types.js';
import { exitCodeLabel, InfraEnvLabels, methodLabel, OTHER, routeLabel, statusClassLabel, stepTypeLabel, UNMATCHED_ROUTE } from './labels.js';

describe('metric label values come from bounded sets', () => {
  it('step types: the swagger enum, anything else is "other"', () => {
    for (const type of STEP_TYPES) expect(stepTypeLabel(type)).toBe(type);
    for (const odd of ['', undefined, 'Inventory', 'inventory ', 'x'.repeat(10_000), '__proto__', 'constructor']) expect(stepTypeLabel(odd)).toBe(OTHER);
  });

  it('exit codes: a fixed set with their meanings, anything else is "other"', () => {
    expect([0, 1, -1, 124, 137, 255, 256].map(exitCodeLabel)).toEqual(['0', '1', '-1', '124', '137', '255', '256']);
    expect(exitCodeLabel(undefined)).toBe('0');
    const odd = [3, 42, -2, 257, 2 ** 53 - 1, -(2 ** 53) + 1, 1e9];
    expect(new Set(odd.map(exitCodeLabel))).toEqual(new Set([OTHER]));
  });

  it('routes are patterns; unmatched requests share one label', () => {
    expect(routeLabel('/api/assisted-install/v2/infra-envs/:infra_env_id/hosts')).toBe('/api/assisted-install/v2/infra-envs/:infra_env_id/hosts');
    expect(routeLabel(undefined)).toBe(UNMATCHED_ROUTE);
    expect(routeLabel('')).toBe(UNMATCHED_ROUTE);
  });

  it('methods and status classes', () => {
    expect(['GET', 'POST', 'PURGE', 'get'].map(methodLabel)).toEqual(['GET', 'POST', OTHER, OTHER]);
    expect([200, 204, 301, 404, 413, 503, 99, 600].map(statusClassLabel)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx', OTHER, OTHER]);
  });

  it('infra-envs: labelled by ID up to the cap, the rest "other"; a deleted one frees its slot', () => {
    const labels = new InfraEnvLabels(2);
    expect(labels.label('a')).toBe('a');
    expect(labels.label('b')).toBe('b');
    expect(labels.label('c')).toBe(OTHER);
    expect(labels.label('a')).toBe('a');
    expect(labels.forget('c')).toBe(false);
    expect(labels.forget('a')).toBe(true);
    expect(labels.label('c')).toBe('c');
    expect(labels.label('a')).toBe(OTHER);
  });
});
