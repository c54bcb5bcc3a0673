import { describe, expect, it } from 'vitest';
import { CONNECTIVITY_CHECKS_PER_INTERVAL, ConnectivityThrottle } from './connectivity-throttle.js';

describe('ConnectivityThrottle', () => {
  it('allows 150 checks per poll interval and infra-env, refilling with time as upstream throttles per minute', () => {
    let now = 0;
    const throttle = new ConnectivityThrottle(60, CONNECTIVITY_CHECKS_PER_INTERVAL, () => now);
    const allowed = (id: string, times: number) => Array.from({ length: times }, () => throttle.take(id)).filter(Boolean).length;
    expect(allowed('e1', 400)).toBe(150);
    // Another infra-env has its own budget.
    expect(allowed('e2', 10)).toBe(10);
    // 150 a minute: 2.5 a second.
    now += 2_000;
    expect(allowed('e1', 100)).toBe(5);
    now += 60_000;
    expect(allowed('e1', 400)).toBe(150);
  });

  it('counts per poll interval, so a lab polling every second checks as often per poll as upstream', () => {
    let now = 0;
    const throttle = new ConnectivityThrottle(1, CONNECTIVITY_CHECKS_PER_INTERVAL, () => now);
    for (let i = 0; i < 150; i++) expect(throttle.take('e1')).toBe(true);
    expect(throttle.take('e1')).toBe(false);
    now += 1_000;
    expect(Array.from({ length: 200 }, () => throttle.take('e1')).filter(Boolean)).toHaveLength(150);
  });

  it('a forgotten infra-env starts again with a full budget', () => {
    const throttle = new ConnectivityThrottle(60, 2, () => 0);
    expect([throttle.take('e1'), throttle.take('e1'), throttle.take('e1')]).toEqual([true, true, false]);
    throttle.forget('e1');
    expect(throttle.take('e1')).toBe(true);
  });
});
