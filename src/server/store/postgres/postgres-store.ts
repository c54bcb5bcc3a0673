import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import pg from 'pg';
import type { EventFilter, EventRecord, HostRecord, InfraEnvRecord, InfraEnvTokens, LogsRecord, StepResultRecord } from '../../model.js';
import { CheckInBuffer, type CheckIn } from '../check-in-buffer.js';
import { StoreNotReadyError, StoreUnavailableError, type HostChange, type LogArchiveUpload, type Store } from '../store.js';
import { readModifyWrite } from '../host-update.js';
import { outputHeldByHost } from '../step-output.js';
import { defaultPoolSize, parseDatabaseUrl, type PostgresConnection } from './pg-connection.js';
import { isUnavailable, translateError } from './pg-errors.js';
import { HostWriteBatch, V_LOCKED_IN_KEY_ORDER } from './pg-host-writes.js';
import { archiveIdOf, archivePath, ChunkSink, chunkSource, newArchiveId, type Query } from './pg-log-archives.js';
import { migratePostgres, PG_MIGRATIONS, type PostgresMigrationResult } from './pg-migrations.js';
import {
  eventFromRow,
  eventValues,
  hostFromRow,
  hostValues,
  infraEnvFromRow,
  infraEnvTokenValues,
  infraEnvValues,
  logsFromRow,
  stepResultFromRow,
  stepResultValues,
  type EventRow,
  type HostRow,
  type InfraEnvRow,
  type LogsRow,
  type StepResultRow,
} from './pg-rows.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database[?sslmode=…&sslrootcert=…] */
  url: string;
  /** The most connections this process opens (--database-pool). */
  poolSize?: number;
  /** Step results kept per host and step type; older ones are deleted as new ones arrive. */
  keepStepResultsPerType?: number;
  /** How often buffered check-ins are written. */
  checkInFlushMs?: number;
  /** How long a query waits for a connection (the pool is full, or the database is down) before 503. */
  connectTimeoutMs?: number;
  /** The server cancels a statement running longer than this. */
  statementTimeoutMs?: number;
}

const SELECT_HOST = 'SELECT infra_env_id, id, status, checked_in_at, host_timestamp, agent_version, version, record FROM hosts';

// checked_in_at never goes back: a replica writing a record it read before another replica
// flushed a newer check-in keeps the newer one (pg-host-writes.ts does the same).
const UPSERT_HOST = `
  INSERT INTO hosts (infra_env_id, id, status, checked_in_at, host_timestamp, agent_version, record, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
  ON CONFLICT (infra_env_id, id) DO UPDATE SET
    status = excluded.status, checked_in_at = GREATEST(hosts.checked_in_at, excluded.checked_in_at),
    host_timestamp = excluded.host_timestamp, agent_version = excluded.agent_version, record = excluded.record,
    version = hosts.version + 1
  RETURNING version`;

/**
 * A step result with the host write `h` it belongs to, in one statement (one round trip, one
 * implicit transaction): inserted only if `h` wrote a row, and the type's older results beyond
 * `keep` deleted. The statement's snapshot does not see its own insert, hence OFFSET keep - 1.
 * The host write comes first in `h`, its parameters $1…$7 (and $8 for a conditional one).
 */
function withStepResult(hostWrite: string, first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `
    WITH h AS (${hostWrite}),
    r AS (
      INSERT INTO step_results (infra_env_id, host_id, step_id, step_type, exit_code, output, error, received_at, output_in_host)
      SELECT $1, $2, ${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(7)}::boolean FROM h
    ),
    pruned AS (
      DELETE FROM step_results
      WHERE EXISTS (SELECT 1 FROM h) AND infra_env_id = $1 AND host_id = $2 AND step_type = ${p(1)}
        AND seq <= (SELECT seq FROM step_results
                    WHERE infra_env_id = $1 AND host_id = $2 AND step_type = ${p(1)}
                    ORDER BY seq DESC LIMIT 1 OFFSET ${p(6)})
    )
    SELECT version FROM h`;
}

const SAVE_STEP_REPLY = withStepResult(UPSERT_HOST, 8);

/** Events per insert statement. */
const EVENTS_PER_STATEMENT = 500;

/**
 * Check-ins per flush statement: one round trip writes this many heartbeats. Each statement holds
 * its rows' locks until it commits, and a step reply for one of those hosts waits meanwhile: a few
 * hundred rows keep that wait to milliseconds.
 */
const CHECK_INS_PER_STATEMENT = 250;

export interface PostgresStoreStats {
  /** Statements sent to the server (each one round trip). */
  statements: number;
}

/**
 * The PostgreSQL store, shared by any number of service replicas. The database is the truth:
 * every write is one statement or one transaction, host records carry a version so that a
 * read-modify-write from any replica (`updateHost`) never loses another's update, and the only
 * state held here is the check-in buffer (heartbeats, flushed every `checkInFlushMs`: a crash loses
 * at most that much of them, as with SQLite) and the versions of records this process read.
 *
 * A database that goes away makes calls fail with StoreUnavailableError; the pool opens new
 * connections as calls come, so the store recovers once the database is back.
 */
export class PostgresStore implements Store {
  readonly connection: PostgresConnection;
  private readonly pool: pg.Pool;
  private readonly checkIns = new CheckInBuffer();
  private readonly keepPerType: number;
  private readonly checkInFlushMs: number;
  /** The version each record object this store handed out was read (or written) at. */
  private readonly versions = new WeakMap<HostRecord, number>();
  /** Writes of one host run in submission order: the tail of each host's chain. */
  private readonly hostChains = new Map<string, Promise<unknown>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly counters: PostgresStoreStats = { statements: 0 };
  private readonly hostWrites: HostWriteBatch;
  private readonly eventQueue: Array<{ event: EventRecord; resolve: () => void; reject: (error: unknown) => void }> = [];
  private eventsInserting = false;
  private migrated = false;
  private flushTimer?: NodeJS.Timeout;
  private closing?: Promise<void>;

  /** Connects (probing TLS for sslmode=prefer/allow), migrates, and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    let connection = parseDatabaseUrl(options.url);
    if (connection.fallbackToPlain && connection.ssl) connection = await probeTls(connection, options.connectTimeoutMs);
    const store = new PostgresStore(options, connection);
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw translateError(error);
    }
    return store;
  }

  constructor(options: PostgresStoreOptions, connection: PostgresConnection = parseDatabaseUrl(options.url)) {
    this.connection = connection;
    this.keepPerType = Math.max(1, options.keepStepResultsPerType ?? 5);
    this.checkInFlushMs = options.checkInFlushMs ?? 1000;
    this.pool = new pg.Pool({
      connectionString: connection.connectionString,
      ssl: connection.ssl === false ? false : connection.ssl,
      max: options.poolSize ?? defaultPoolSize(),
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 60_000,
      application_name: 'inband serve',
    });
    // An idle connection the server dropped (restart, failover) errors here; the pool discards it
    // and opens a new one on the next query. Without a listener it would crash the process.
    this.pool.on('error', () => undefined);
    const poolSize = options.poolSize ?? defaultPoolSize();
    this.hostWrites = new HostWriteBatch((statement) => this.query(statement), { concurrency: Math.max(1, Math.floor(poolSize / 2)), keepPerType: this.keepPerType });
  }

  /** Statements sent so far: tests and the benchmark count round trips per request with it. */
  stats(): PostgresStoreStats {
    return { ...this.counters };
  }

  async migrate(): Promise<void> {
    await this.migrateSchema();
  }

  /** migrate() with what it did: which steps this process applied (none when another replica had). */
  async migrateSchema(): Promise<PostgresMigrationResult> {
    const database = this.connection.redacted;
    const result = await migratePostgres(this.pool, database).catch((error: unknown) => {
      throw translateError(error);
    });
    if (!this.migrated) {
      this.migrated = true;
      // Uploads a crash cut short and nothing names: older than the longest request allows (--request-timeout, 24 h at most).
      await this.query("DELETE FROM log_archives a WHERE started_at < now() - interval '2 days' AND NOT EXISTS (SELECT 1 FROM host_logs l WHERE l.archive_id = a.archive_id)");
      this.flushTimer = setInterval(() => {
        // A failed flush keeps its check-ins buffered; the next tick (or close) writes them.
        this.flushCheckIns().catch(() => undefined);
      }, this.checkInFlushMs);
      this.flushTimer.unref();
    }
    return result;
  }

  /** One short query of the schema version: the database answers, and no replica left it behind or ahead of this build. */
  async checkReady(): Promise<{ schemaVersion: number }> {
    if (this.closing) throw new StoreUnavailableError('the store is closing');
    const { rows } = await this.query<{ version: number | null }>('SELECT max(version) AS version FROM inband_schema');
    const found = rows[0]?.version ?? 0;
    const expected = PG_MIGRATIONS.at(-1)?.version ?? 0;
    if (found !== expected) throw new StoreNotReadyError(`the database has schema version ${found}, this inband expects ${expected}`);
    return { schemaVersion: found };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  async flushCheckIns(): Promise<void> {
    if (this.checkIns.size === 0) return;
    const batch = this.checkIns.snapshot();
    batch.sort((a, b) => (a.infraEnvId === b.infraEnvId ? compare(a.hostId, b.hostId) : compare(a.infraEnvId, b.infraEnvId)));
    for (let i = 0; i < batch.length; i += CHECK_INS_PER_STATEMENT) {
      const part = batch.slice(i, i + CHECK_INS_PER_STATEMENT);
      await this.query(
        {
          name: 'inband-flush-check-ins-v2',
          text: `WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[]) AS v (ie, id, at, ts, av))
           UPDATE hosts AS h SET
             checked_in_at = w.at,
             host_timestamp = coalesce(w.ts, h.host_timestamp),
             agent_version = coalesce(w.av, h.agent_version)
           FROM ${V_LOCKED_IN_KEY_ORDER} AS w
           WHERE h.infra_env_id = w.ie AND h.id = w.id AND h.checked_in_at <= w.at COLLATE "C"`,
          values: [
            part.map((c) => c.infraEnvId),
            part.map((c) => c.hostId),
            part.map((c) => c.checkIn.at),
            part.map((c) => c.checkIn.timestamp ?? null),
            part.map((c) => c.checkIn.agentVersion ?? null),
          ],
        },
      );
      this.checkIns.settle(part);
    }
  }

  // ---- infra-envs

  async createInfraEnv(infraEnv: InfraEnvRecord): Promise<void> {
    await this.write(() =>
      this.query(
        `INSERT INTO infra_envs (id, name, created_at, record, agent_token, agent_token_rotated_at, download_token, download_token_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        infraEnvValues(infraEnv),
      ),
    );
  }

  async getInfraEnv(id: string): Promise<InfraEnvRecord | undefined> {
    const { rows } = await this.query<InfraEnvRow>('SELECT * FROM infra_envs WHERE id = $1', [id]);
    return rows[0] && infraEnvFromRow(rows[0]);
  }

  async listInfraEnvs(): Promise<InfraEnvRecord[]> {
    const { rows } = await this.query<InfraEnvRow>('SELECT * FROM infra_envs ORDER BY created_at, id');
    return rows.map(infraEnvFromRow);
  }

  async updateInfraEnvTokens(id: string, tokens: InfraEnvTokens): Promise<boolean> {
    const result = await this.write(() =>
      this.query(
        'UPDATE infra_envs SET agent_token = $2, agent_token_rotated_at = $3, download_token = $4, download_token_expires_at = $5 WHERE id = $1',
        [id, ...infraEnvTokenValues(tokens)],
      ),
    );
    return (result.rowCount ?? 0) > 0;
  }

  async deleteInfraEnv(id: string): Promise<boolean> {
    this.checkIns.forgetInfraEnv(id);
    const result = await this.write(() => this.query('DELETE FROM infra_envs WHERE id = $1', [id]));
    return (result.rowCount ?? 0) > 0;
  }

  // ---- hosts

  async putHost(host: HostRecord): Promise<void> {
    const { rows } = await this.hostWrite(host.infraEnvId, host.id, () => this.query<{ version: string }>(UPSERT_HOST, hostValues(host)), missingInfraEnv(host));
    this.remember(host, rows[0]?.version);
  }

  async getHost(infraEnvId: string, hostId: string): Promise<HostRecord | undefined> {
    const { rows } = await this.query<HostRow>(`${SELECT_HOST} WHERE infra_env_id = $1 AND id = $2`, [infraEnvId, hostId]);
    return rows[0] && this.fromRow(rows[0]);
  }

  async getHosts(infraEnvId: string, hostIds: readonly string[]): Promise<HostRecord[]> {
    if (hostIds.length === 0) return [];
    const { rows } = await this.query<HostRow>({
      name: 'inband-get-hosts-v1',
      text: `${SELECT_HOST} WHERE infra_env_id = $1 AND id = ANY($2::text[]) ORDER BY id`,
      values: [infraEnvId, [...new Set(hostIds)]],
    });
    return rows.map((row) => this.fromRow(row));
  }

  async listHosts(infraEnvId: string): Promise<HostRecord[]> {
    const { rows } = await this.query<HostRow>(`${SELECT_HOST} WHERE infra_env_id = $1 ORDER BY id`, [infraEnvId]);
    return rows.map((row) => this.fromRow(row));
  }

  async listAllHosts(): Promise<HostRecord[]> {
    const { rows } = await this.query<HostRow>(`${SELECT_HOST} ORDER BY infra_env_id, id`);
    return rows.map((row) => this.fromRow(row));
  }

  async deleteHost(infraEnvId: string, hostId: string): Promise<boolean> {
    this.checkIns.forgetHost(infraEnvId, hostId);
    const result = await this.hostWrite(infraEnvId, hostId, () => this.query('DELETE FROM hosts WHERE infra_env_id = $1 AND id = $2', [infraEnvId, hostId]));
    return (result.rowCount ?? 0) > 0;
  }

  async countHosts(): Promise<number> {
    const { rows } = await this.query<{ count: string }>('SELECT count(*) AS count FROM hosts');
    return Number(rows[0]?.count ?? 0);
  }

  async recordCheckIn(infraEnvId: string, hostId: string, checkIn: CheckIn): Promise<void> {
    this.ready();
    if (this.closing) throw storeClosed();
    this.checkIns.record(infraEnvId, hostId, checkIn);
  }

  async updateHost(infraEnvId: string, hostId: string, change: HostChange, options: { assumed?: HostRecord } = {}): Promise<HostRecord | undefined> {
    this.ready();
    const first = options.assumed && this.versions.has(options.assumed) ? options.assumed : await this.getHost(infraEnvId, hostId);
    return readModifyWrite(infraEnvId, hostId, first, change, () => this.getHost(infraEnvId, hostId), async (current, { host, stepResult }) => {
      const expectedVersion = this.versions.get(current) as number;
      const version = await this.hostWrite(infraEnvId, hostId, () =>
        this.hostWrites.submit({ host: hostValues(host), expectedVersion, ...(stepResult && { stepResult: storedStepResult(stepResult, host) }) }),
      );
      if (version === undefined) return undefined;
      this.versions.set(host, version);
      return this.checkIns.overlay(host);
    });
  }

  // ---- step results

  async saveStepReply(result: StepResultRecord, host: HostRecord): Promise<void> {
    if (result.infraEnvId !== host.infraEnvId || result.hostId !== host.id) {
      throw new TypeError(`step result of host ${result.hostId} saved with host ${host.id}`);
    }
    const values = [...hostValues(host), ...this.stepResultParams(result, host)];
    const { rows } = await this.hostWrite(host.infraEnvId, host.id, () => this.query<{ version: string }>(SAVE_STEP_REPLY, values), missingInfraEnv(host));
    this.remember(host, rows[0]?.version);
  }

  async listStepResults(infraEnvId: string, hostId: string): Promise<StepResultRecord[]> {
    const { rows } = await this.query<StepResultRow>(
      `SELECT s.infra_env_id, s.host_id, s.step_id, s.step_type, s.exit_code, s.error, s.received_at,
         CASE WHEN s.output_in_host THEN coalesce(h.record::json ->> 'inventory', '') ELSE s.output END AS output
       FROM step_results s LEFT JOIN hosts h ON h.infra_env_id = s.infra_env_id AND h.id = s.host_id
       WHERE s.infra_env_id = $1 AND s.host_id = $2 ORDER BY s.seq`,
      [infraEnvId, hostId],
    );
    return rows.map(stepResultFromRow);
  }

  /** The step result's parameters after the host write's: its columns, the prune offset, whether the host holds its output. */
  private stepResultParams(result: StepResultRecord, host: HostRecord): unknown[] {
    const { values, outputInHost } = storedStepResult(result, host);
    return [...values, this.keepPerType - 1, outputInHost];
  }

  // ---- events

  /**
   * Events get their seq in submission order, as with SQLite: they queue here and each insert
   * takes everything queued while the previous one ran, in one statement (one round trip for a
   * burst). An insert that fails on a missing infra-env is retried event by event, so only the
   * events naming it fail.
   */
  addEvent(event: EventRecord): Promise<void> {
    if (this.closing) return Promise.reject(storeClosed());
    return this.write(
      () =>
        new Promise<void>((resolve, reject) => {
          this.eventQueue.push({ event, resolve, reject });
          if (!this.eventsInserting) void this.insertQueuedEvents();
        }),
    );
  }

  private async insertQueuedEvents(): Promise<void> {
    this.eventsInserting = true;
    try {
      while (this.eventQueue.length > 0) {
        const batch = this.eventQueue.splice(0, EVENTS_PER_STATEMENT);
        try {
          await this.insertEvents(batch.map((queued) => queued.event));
          for (const queued of batch) queued.resolve();
        } catch (error) {
          if ((error as { code?: unknown }).code !== '23503' || batch.length === 1) {
            for (const queued of batch) queued.reject(translateError(error, missingEventParent(queued.event)));
            continue;
          }
          for (const queued of batch) {
            await this.insertEvents([queued.event]).then(queued.resolve, (e: unknown) => queued.reject(translateError(e, missingEventParent(queued.event))));
          }
        }
      }
    } finally {
      this.eventsInserting = false;
    }
  }

  private insertEvents(events: EventRecord[]): Promise<unknown> {
    const columns = events.map(eventValues);
    return this.query(
      `INSERT INTO events (infra_env_id, host_id, severity, name, message, event_time, request_id, props)
       SELECT ie, host, severity, name, message, event_time, request_id, props
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         WITH ORDINALITY AS e (ie, host, severity, name, message, event_time, request_id, props, n)
       ORDER BY n`,
      columns[0]!.map((_, i) => columns.map((values) => values[i])),
    );
  }

  async listEvents(filter: EventFilter): Promise<EventRecord[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.infraEnvId !== undefined) conditions.push(`infra_env_id = ${param(filter.infraEnvId)}`);
    if (filter.hostId !== undefined) conditions.push(`host_id = ${param(filter.hostId)}`);
    // An empty severity list filters nothing, as upstream's does.
    if (filter.severities && filter.severities.length > 0) conditions.push(`severity = ANY(${param(filter.severities)}::text[])`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const order = filter.order === 'descending' ? 'DESC' : 'ASC';
    // LIMIT NULL is no limit.
    const sql = `SELECT * FROM events ${where} ORDER BY seq ${order} LIMIT ${param(nonNegativeInteger(filter.limit) ?? null)} OFFSET ${param(nonNegativeInteger(filter.offset) ?? 0)}`;
    const { rows } = await this.query<EventRow>(sql, params);
    return rows.map(eventFromRow);
  }

  // ---- logs

  async saveLogs(logs: LogsRecord, host: HostRecord): Promise<void> {
    if (logs.infraEnvId !== host.infraEnvId || logs.hostId !== host.id) {
      throw new TypeError(`logs of host ${logs.hostId} saved with host ${host.id}`);
    }
    const { rows } = await this.hostWrite(
      host.infraEnvId,
      host.id,
      () =>
        this.query<{ version: string }>(
          `WITH h AS (${UPSERT_HOST}),
           previous AS (SELECT archive_id FROM host_logs WHERE infra_env_id = $1 AND host_id = $2),
           l AS (
             INSERT INTO host_logs (infra_env_id, host_id, archive_id, path, size_bytes, uploaded_at)
             SELECT $1, $2, $11, $8, $9, $10 FROM h
             ON CONFLICT (infra_env_id, host_id) DO UPDATE SET
               archive_id = excluded.archive_id, path = excluded.path, size_bytes = excluded.size_bytes, uploaded_at = excluded.uploaded_at
           ),
           -- The archive this one replaces, with its chunks.
           replaced AS (
             DELETE FROM log_archives WHERE archive_id IN (SELECT archive_id FROM previous)
               AND archive_id IS DISTINCT FROM $11 AND EXISTS (SELECT 1 FROM h)
           )
           SELECT version FROM h`,
          [...hostValues(host), logs.path, logs.sizeBytes, logs.uploadedAt, archiveIdOf(logs.path) ?? null],
        ),
      missingInfraEnv(host),
    );
    this.remember(host, rows[0]?.version);
  }

  async getLogs(infraEnvId: string, hostId: string): Promise<LogsRecord | undefined> {
    const { rows } = await this.query<LogsRow>('SELECT * FROM host_logs WHERE infra_env_id = $1 AND host_id = $2', [infraEnvId, hostId]);
    return rows[0] && logsFromRow(rows[0]);
  }

  async beginLogArchive(infraEnvId: string, hostId: string): Promise<LogArchiveUpload> {
    const archiveId = newArchiveId();
    await this.write(
      () => this.query('INSERT INTO log_archives (archive_id, infra_env_id, host_id) VALUES ($1, $2, $3)', [archiveId, infraEnvId, hostId]),
      () => `host ${hostId} of infra-env ${infraEnvId} does not exist`,
    );
    const query: Query = (sql, params) => this.query(sql, params);
    const sink = new ChunkSink(archiveId, query);
    return {
      sink,
      complete: async () => ({ path: archivePath(archiveId), sizeBytes: sink.written }),
      // Unless saveLogs made it the host's archive: then it stays.
      discard: async () => {
        await this.query('DELETE FROM log_archives a WHERE archive_id = $1 AND NOT EXISTS (SELECT 1 FROM host_logs l WHERE l.archive_id = a.archive_id)', [archiveId]);
      },
    };
  }

  async openLogArchive(logs: LogsRecord): Promise<Readable> {
    const archiveId = archiveIdOf(logs.path);
    // A file path: an archive on a --logs-dir the replicas share.
    if (archiveId === undefined) return createReadStream(logs.path);
    return chunkSource(archiveId, (sql, params) => this.query(sql, params));
  }

  // ---- plumbing

  /** One statement on a pooled connection, counted; errors in the store's terms. */
  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string | pg.QueryConfig, params?: unknown[], missingParent?: () => string): Promise<pg.QueryResult<R>> {
    this.ready();
    this.counters.statements += 1;
    try {
      return await (typeof sql === 'string' ? this.pool.query<R>(sql, params) : this.pool.query<R>(sql));
    } catch (error) {
      throw translateError(error, missingParent);
    }
  }

  /** A write: refused once closing, waited for by close(), a missing parent row → ParentNotFoundError. */
  private write<T>(work: () => Promise<T>, missingParent?: () => string): Promise<T> {
    if (this.closing) return Promise.reject(storeClosed());
    const running = work().catch((error: unknown) => {
      throw translateError(error, missingParent);
    });
    this.inFlight.add(running);
    const forget = () => this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** A write of one host, after the earlier writes of the same host (submission order, as SQLite's queue keeps it). */
  private hostWrite<T>(infraEnvId: string, hostId: string, work: () => Promise<T>, missingParent?: () => string): Promise<T> {
    const key = `${infraEnvId}\u0000${hostId}`;
    const previous = this.hostChains.get(key) ?? Promise.resolve();
    const next = this.write(() => previous.then(work, work), missingParent);
    const tail = next.catch(() => undefined);
    this.hostChains.set(key, tail);
    void tail.then(() => {
      if (this.hostChains.get(key) === tail) this.hostChains.delete(key);
    });
    return next;
  }

  private fromRow(row: HostRow): HostRecord {
    const host = this.checkIns.overlay(hostFromRow(row));
    this.versions.set(host, Number(row.version));
    return host;
  }

  private remember(host: HostRecord, version: string | undefined): void {
    if (version !== undefined) this.versions.set(host, Number(version));
  }

  private ready(): void {
    if (!this.migrated) throw new Error('PostgresStore: call migrate() before using the store');
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.flushTimer);
    let failure: unknown;
    if (this.migrated) await this.flushCheckIns().catch((error: unknown) => (failure = error));
    await Promise.allSettled([...this.inFlight]);
    await this.pool.end();
    if (failure) throw failure;
  }
}

/** sslmode=prefer/allow: TLS when the server offers it, else a plain connection (libpq's rule). */
async function probeTls(connection: PostgresConnection, timeoutMs = 5000): Promise<PostgresConnection> {
  const client = new pg.Client({ connectionString: connection.connectionString, ssl: connection.ssl === false ? false : connection.ssl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return connection;
  } catch (error) {
    if (/does not support SSL/i.test((error as Error).message)) return { ...connection, ssl: false };
    if (isUnavailable(error)) throw translateError(error);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A step result's columns as stored with its host: without the output when the host record holds it. */
function storedStepResult(result: StepResultRecord, host: HostRecord): { values: unknown[]; outputInHost: boolean } {
  const outputInHost = outputHeldByHost(result, host);
  return { values: stepResultValues(outputInHost ? { ...result, output: '' } : result), outputInHost };
}

function missingEventParent(event: EventRecord): () => string {
  return () => `infra-env ${event.infraEnvId} does not exist (record events of a deleted infra-env without its id)`;
}

function missingInfraEnv(host: HostRecord): () => string {
  return () => `infra-env ${host.infraEnvId} does not exist`;
}

function nonNegativeInteger(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : Math.max(0, Math.trunc(value));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function storeClosed(): Error {
  return new Error('the store is closed');
}
