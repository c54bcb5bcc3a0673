import type { EventRecord, HostStatus } from '../model.js';

/**
 * What changed in the service, as the console's live stream passes it on. Host changes carry only
 * what a list needs to know whether to fetch the host again; events are whole (they are small).
 */
export type Change =
  | { kind: 'host'; infraEnvId: string; hostId: string; status: HostStatus; statusInfo: string; updatedAt: string }
  | { kind: 'host-removed'; infraEnvId: string; hostId: string }
  | { kind: 'infra-env'; infraEnvId: string }
  | { kind: 'infra-env-removed'; infraEnvId: string }
  | { kind: 'event'; event: EventRecord }
  /** Changes may have been missed (a replica lost its connection to the others): fetch again. */
  | { kind: 'resync' };

/** 'local': made by this process; 'remote': heard from another replica (src/server/replicas/). */
export type ChangeOrigin = 'local' | 'remote';

export type ChangeListener = (change: Change, origin: ChangeOrigin) => void;

/**
 * The one way changes travel from the code that writes them (DiscoveryService) to whoever watches
 * (the live stream route). This is the seam for several replicas: a PostgreSQL implementation
 * publishes with NOTIFY and delivers what LISTEN hears — its own changes and other replicas' — to
 * its subscribers; nothing on either side of the interface changes.
 */
export interface ChangeFeed {
  publish(change: Change): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
}

/** One process: changes go straight to the listeners, synchronously, after the write committed. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  publish(change: Change, origin: ChangeOrigin = 'local'): void {
    for (const listener of this.listeners) {
      try {
        listener(change, origin);
      } catch {
        // A watcher's failure must never fail the write that published the change.
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
