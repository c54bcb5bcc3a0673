import type { Change } from './change-feed.js';
import { eventWire } from '../wire.js';

/** What one flush of a stream carries, in the wire's snake_case. */
export type WireChange = Record<string, unknown>;

export function changeWire(change: Change): WireChange {
  switch (change.kind) {
    case 'host':
      return { kind: 'host', infra_env_id: change.infraEnvId, host_id: change.hostId, status: change.status, status_info: change.statusInfo, updated_at: change.updatedAt };
    case 'host-removed':
      return { kind: 'host-removed', infra_env_id: change.infraEnvId, host_id: change.hostId };
    case 'infra-env':
    case 'infra-env-removed':
      return { kind: change.kind, infra_env_id: change.infraEnvId };
    case 'event':
      return { kind: 'event', event: eventWire(change.event) };
    case 'resync':
      return { kind: 'resync' };
  }
}

/**
 * The changes waiting for a stream's next flush, bounded: a host that changed ten times since the
 * last flush is sent once (its latest), and past `maxPending` waiting items the stream sends one
 * `resync` instead, telling the client to reload what it shows, rather than growing a buffer for a
 * slow reader.
 */
export class PendingChanges {
  private readonly hosts = new Map<string, WireChange>();
  private others: WireChange[] = [];
  private overflowed = false;

  constructor(private readonly maxPending: number) {}

  add(change: Change): void {
    if (this.overflowed) return;
    if (change.kind === 'resync') {
      this.overflowed = true;
      this.hosts.clear();
      this.others = [];
      return;
    }
    if (this.hosts.size + this.others.length >= this.maxPending) {
      this.overflowed = true;
      this.hosts.clear();
      this.others = [];
      return;
    }
    if (change.kind === 'host' || change.kind === 'host-removed') {
      const key = `${change.infraEnvId}/${change.hostId}`;
      // Re-inserted, so a removal after a change (or the reverse) keeps its order.
      this.hosts.delete(key);
      this.hosts.set(key, changeWire(change));
    } else {
      this.others.push(changeWire(change));
    }
  }

  /** What to send now (and empties the buffer): the changes, or one resync. */
  take(): WireChange[] {
    if (this.overflowed) {
      this.overflowed = false;
      return [{ kind: 'resync' }];
    }
    const out = [...this.others, ...this.hosts.values()];
    this.others = [];
    this.hosts.clear();
    return out;
  }
}
