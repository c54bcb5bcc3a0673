import { describe, expect, it } from 'vitest';
import { CheckInBuffer } from './check-in-buffer.js';
import { aHost } from './store-fixtures.js';

const at = (second: number) => `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

describe('CheckInBuffer', () => {
  it('overlays the newest check-in, keeping timestamp and agent version from earlier polls that had them', () => {
    const buffer = new CheckInBuffer();
    const host = aHost('e1', 'h1', { checkedInAt: at(0), timestamp: 1, discoveryAgentVersion: 'v1' });
    expect(buffer.overlay(host)).toBe(host);

    buffer.record('e1', 'h1', { at: at(1), timestamp: 5, agentVersion: 'v2' });
    buffer.record('e1', 'h1', { at: at(2) });
    expect(buffer.overlay(host)).toEqual({ ...host, checkedInAt: at(2), timestamp: 5, discoveryAgentVersion: 'v2' });
    expect(buffer.overlay(aHost('e2', 'h1'))).toEqual(aHost('e2', 'h1'));
    expect(buffer.size).toBe(1);
  });

  it('does not overlay a check-in older than the record', () => {
    const buffer = new CheckInBuffer();
    buffer.record('e1', 'h1', { at: at(1), timestamp: 5 });
    const newer = aHost('e1', 'h1', { checkedInAt: at(3) });
    expect(buffer.overlay(newer)).toBe(newer);
  });

  it('settles what a snapshot wrote but keeps check-ins that arrived after it', () => {
    const buffer = new CheckInBuffer();
    buffer.record('e1', 'h1', { at: at(1) });
    buffer.record('e1', 'h2', { at: at(1) });
    const snapshot = buffer.snapshot();
    expect(snapshot.map((p) => p.hostId)).toEqual(['h1', 'h2']);
    buffer.record('e1', 'h2', { at: at(2) });
    buffer.settle(snapshot);
    expect(buffer.snapshot()).toEqual([{ infraEnvId: 'e1', hostId: 'h2', checkIn: { at: at(2) } }]);
    expect(buffer.size).toBe(1);
  });

  it('forgets hosts and infra-envs', () => {
    const buffer = new CheckInBuffer();
    buffer.record('e1', 'h1', { at: at(1) });
    buffer.record('e1', 'h2', { at: at(1) });
    buffer.record('e2', 'h1', { at: at(1) });
    buffer.forgetHost('e1', 'h1');
    buffer.forgetHost('e1', 'unknown');
    expect(buffer.size).toBe(2);
    buffer.forgetInfraEnv('e1');
    expect(buffer.size).toBe(1);
    expect(buffer.snapshot().map((p) => `${p.infraEnvId}/${p.hostId}`)).toEqual(['e2/h1']);
  });
});
