/**
 * What replicas of the service tell each other, and which of them does the background work. The
 * database is the only truth; this carries the two things a database table cannot push:
 *
 * - **Changes**: "host X changed", "infra-env Y changed", "an event was added", so that whatever a
 *   replica keeps in memory (hosts, infra-envs and their tokens) is re-read instead of trusted, and
 *   a console connected to any replica hears of it. Delivery is best effort and fast (milliseconds);
 *   after a lost connection a replica hears `resync` and drops what it holds, so nothing it keeps
 *   is staler than the time to notice a broken connection.
 * - **Leases**: work that must run on exactly one replica at a time (the disconnection monitor),
 *   which moves to another replica within seconds when its holder dies.
 *
 * One implementation per store: `SoloCoordination` for the embedded store (one process; every
 * change is its own), `PostgresCoordination` for PostgreSQL (LISTEN/NOTIFY and advisory locks).
 */
export type Change =
  | { kind: 'host'; infraEnvId: string; hostId: string }
  | { kind: 'infra-env'; infraEnvId: string }
  | { kind: 'event'; infraEnvId?: string; hostId?: string }
  /** The connection that carries changes was lost: anything cached may have missed some. */
  | { kind: 'resync' };

export type ChangeListener = (change: Change, origin: 'local' | 'remote') => void;

export interface LeasedWork {
  /** Stops running the work (and gives the lease up if held). */
  stop(): Promise<void>;
  /** Whether this replica holds the lease now. */
  readonly held: boolean;
}

export interface Coordination {
  /** This replica's identity in logs and in the database's view of it. */
  readonly replicaId: string;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Tells every replica (this one included, as 'local') about a change already made durable. */
  announce(change: Change): Promise<void>;
  /** Listens to changes; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  /**
   * Runs `work` every `intervalMs` while this replica holds the named lease; replicas that do not
   * hold it keep trying, so the work moves when the holder dies.
   */
  runLeased(name: LeaseName, intervalMs: number, work: () => Promise<void>): LeasedWork;
}

/** The leases replicas share; each is one advisory-lock key in PostgreSQL. */
export const LEASES = {
  /** Marks hosts that stopped polling disconnected. */
  'host-monitor': 0x696e62616e640101n,
} as const;

export type LeaseName = keyof typeof LEASES;

/** Fans changes out to listeners; a listener that throws is logged by the caller, never stops the others. */
export class ChangeListeners {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: Change, origin: 'local' | 'remote'): void {
    for (const listener of this.listeners) {
      try {
        listener(change, origin);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

/** Parses a change from another replica; undefined for anything that is not one (never trust the wire). */
export function parseChange(text: string): Change | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const id = (key: string) => (typeof v[key] === 'string' && (v[key] as string).length <= 64 ? (v[key] as string) : undefined);
  switch (v.kind) {
    case 'host': {
      const infraEnvId = id('infraEnvId');
      const hostId = id('hostId');
      return infraEnvId && hostId ? { kind: 'host', infraEnvId, hostId } : undefined;
    }
    case 'infra-env': {
      const infraEnvId = id('infraEnvId');
      return infraEnvId ? { kind: 'infra-env', infraEnvId } : undefined;
    }
    case 'event':
      return { kind: 'event', ...(id('infraEnvId') && { infraEnvId: id('infraEnvId') }), ...(id('hostId') && { hostId: id('hostId') }) };
    default:
      return undefined;
  }
}
