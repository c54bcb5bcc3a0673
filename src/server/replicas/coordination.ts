/**
 * What replicas of the service tell each other, and which of them does the background work. The
 * database is the only truth; this carries the two things a table cannot push:
 *
 * - **Changes** (the live feed's `Change`: a host, an infra-env, an event), so that whatever a
 *   replica keeps in memory (hosts, infra-envs and their tokens) is re-read instead of trusted, and
 *   a console connected to any replica hears of it. Delivery is best effort and fast (milliseconds);
 *   a replica that lost its connection hears `resync` and re-reads what it holds, and tells the
 *   others to do the same, so nothing cached is staler than the time to notice a broken connection.
 * - **Leases**: work that must run on exactly one replica at a time (the disconnection monitor),
 *   which moves to another replica within seconds when its holder dies.
 *
 * One implementation per store: `SoloCoordination` for the embedded store (one process is every
 * replica), `PostgresCoordination` for PostgreSQL (LISTEN/NOTIFY and advisory locks).
 */
import type { ChangeFeed } from '../live/change-feed.js';

export interface LeasedWork {
  /** Stops running the work (and gives the lease up if held). */
  stop(): Promise<void>;
  /** Whether this replica holds the lease now. */
  readonly held: boolean;
}

export interface Coordination extends ChangeFeed {
  /** This replica's identity, in logs and in the database's view of its sessions. */
  readonly replicaId: string;
  /** Whether other processes share the store (their changes arrive as 'remote'). */
  readonly shared: boolean;
  start(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs `work` every `intervalMs` while this replica holds the named lease; replicas that do not
   * hold it keep trying, so the work moves when the holder dies.
   */
  runLeased(name: LeaseName, intervalMs: number, work: () => Promise<void>): LeasedWork;
}

/** The leases replicas share; each is one advisory-lock key in PostgreSQL ("inband", then a number). */
export const LEASES = {
  /** Marks hosts that stopped polling disconnected. */
  'host-monitor': 0x696e62616e640101n,
} as const;

export type LeaseName = keyof typeof LEASES;
