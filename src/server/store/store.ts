import type { Readable, Writable } from 'node:stream';
import type { EventFilter, EventRecord, HostRecord, InfraEnvRecord, InfraEnvTokens, LogsRecord, StepResultRecord } from '../model.js';

/**
 * The service's persistence, one interface for the embedded SQLite file (`sqlite/`) and
 * PostgreSQL (`postgres/`), which several replicas of the service share.
 * Every method is async so that a networked database fits behind it unchanged.
 *
 * Durability contract: when a write method's promise resolves, the change is on disk (the service
 * answers 204 only after that). `recordCheckIn` is the exception: heartbeats may be held in memory
 * and flushed in batches, because losing the last seconds of check-ins on a crash is harmless
 * while fsyncing each of thousands of polls per second is not.
 */
export interface Store {
  /** Creates or upgrades the schema (versioned migrations); safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Whether this store can serve requests now (what `/readyz` reports to a load balancer): the
   * database answers and its schema is the version this build knows. One cheap query; rejects with
   * StoreUnavailableError when the database cannot be reached, StoreNotReadyError when it answers
   * with another schema version (not migrated yet, or migrated by a newer inband).
   */
  checkReady(): Promise<{ schemaVersion: number }>;

  createInfraEnv(infraEnv: InfraEnvRecord): Promise<void>;
  getInfraEnv(id: string): Promise<InfraEnvRecord | undefined>;
  listInfraEnvs(): Promise<InfraEnvRecord[]>;
  /**
   * Replaces the infra-env's tokens (all four fields at once: a rotation); false when it does not
   * exist. Replicas must see the new tokens at once: an old token stops working everywhere.
   */
  updateInfraEnvTokens(id: string, tokens: InfraEnvTokens): Promise<boolean>;
  /** Deletes the infra-env with its hosts, step results, events and logs records; false when it did not exist. */
  deleteInfraEnv(id: string): Promise<boolean>;

  /** Inserts or replaces the whole host record (last writer wins; see `updateHost` for read-modify-write). */
  putHost(host: HostRecord): Promise<void>;
  /**
   * A read-modify-write of one host that no concurrent writer (another request, another replica)
   * can lose. `change` gets the host as stored and returns what to write: the new record, and
   * optionally the step result that goes with it in the same transaction (kept to the last
   * `keepPerType` of its type, as `saveStepReply`); or undefined to write nothing. When another
   * writer changed the host between the read and the write (its version moved on), `change` runs
   * again on the newer record, up to a few times, then `HostUpdateConflictError`.
   *
   * `assumed`: a record this process got from the store before (a cache); tried first instead of
   * reading the host again, so an uncontended update is one write.
   *
   * Resolves with the host as written, or as found when `change` wrote nothing; undefined when
   * the host does not exist.
   */
  updateHost(infraEnvId: string, hostId: string, change: HostChange, options?: { assumed?: HostRecord }): Promise<HostRecord | undefined>;
  getHost(infraEnvId: string, hostId: string): Promise<HostRecord | undefined>;
  /** The named hosts of one infra-env that exist, in one read (a replica re-reading what others changed). */
  getHosts(infraEnvId: string, hostIds: readonly string[]): Promise<HostRecord[]>;
  listHosts(infraEnvId: string): Promise<HostRecord[]>;
  /** Every host of every infra-env, for the monitor that marks hosts disconnected. */
  listAllHosts(): Promise<HostRecord[]>;
  deleteHost(infraEnvId: string, hostId: string): Promise<boolean>;
  countHosts(): Promise<number>;

  /** A poll: checked_in_at, the host's timestamp and agent version. May be batched (see above). */
  recordCheckIn(infraEnvId: string, hostId: string, checkIn: { at: string; timestamp?: number; agentVersion?: string }): Promise<void>;

  /**
   * A step reply and the host record it updated, in one transaction; resolves once both are on
   * disk. Only the last `keepPerType` results of each step type are kept per host.
   */
  saveStepReply(result: StepResultRecord, host: HostRecord): Promise<void>;
  listStepResults(infraEnvId: string, hostId: string): Promise<StepResultRecord[]>;

  addEvent(event: EventRecord): Promise<void>;
  listEvents(filter: EventFilter): Promise<EventRecord[]>;

  /** Records an archive `beginLogArchive` completed (its path and size) as the host's logs, with the host update. */
  saveLogs(logs: LogsRecord, host: HostRecord): Promise<void>;
  getLogs(infraEnvId: string, hostId: string): Promise<LogsRecord | undefined>;
  /**
   * Where an uploaded logs archive streams to: a file in the data dir (SQLite) or chunks in the
   * database that every replica reads (PostgreSQL). The bytes are never held whole in memory;
   * the caller caps their number. The host's current archive stays as it is until `saveLogs`
   * records the new one.
   */
  beginLogArchive(infraEnvId: string, hostId: string): Promise<LogArchiveUpload>;
  /** The archive a logs record names, as a stream read piece by piece. */
  openLogArchive(logs: LogsRecord): Promise<Readable>;
}

export interface LogArchiveUpload {
  /** Write the archive here (pipeline() into it); its back-pressure is the store's write speed. */
  readonly sink: Writable;
  /** After the sink finished: the archive's path and size, for `saveLogs`. */
  complete(): Promise<{ path: string; sizeBytes: number }>;
  /** Removes what was written unless `saveLogs` recorded it; call it always, when done. */
  discard(): Promise<void>;
}

export interface HostUpdate {
  host: HostRecord;
  stepResult?: StepResultRecord;
}

export type HostChange = (current: HostRecord) => HostUpdate | undefined | Promise<HostUpdate | undefined>;

/** The most times `updateHost` runs its change before giving up on a host other writers keep changing. */
export const HOST_UPDATE_ATTEMPTS = 8;

/** `updateHost` lost the race for a host `HOST_UPDATE_ATTEMPTS` times in a row. */
export class HostUpdateConflictError extends Error {
  constructor(infraEnvId: string, hostId: string) {
    super(`host ${hostId} of infra-env ${infraEnvId} kept changing while it was being updated; try again`);
    this.name = 'HostUpdateConflictError';
  }
}

/**
 * The database cannot be reached (down, restarting, network gone, pool exhausted for too long).
 * Routes answer 503, which agents retry; the store reconnects by itself once it is back.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The database answers, but its schema is not the version this build expects. */
export class StoreNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNotReadyError';
  }
}

/**
 * A write named an infra-env (or host) that does not exist, typically because it was deleted
 * while the request was in flight. Every Store implementation throws this, so the routes can
 * answer 404 without knowing the database's error codes.
 */
export class ParentNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParentNotFoundError';
  }
}
