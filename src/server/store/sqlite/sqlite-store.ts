import { randomUUID } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import type { EventFilter, EventRecord, HostRecord, InfraEnvRecord, InfraEnvTokens, LogsRecord, StepResultRecord } from '../../model.js';
import { CheckInBuffer, type CheckIn } from '../check-in-buffer.js';
import { GroupCommitQueue, type BatchTransactions, type GroupCommitStats } from './group-commit.js';
import { outputHeldByHost } from '../step-output.js';
import { migrateSchema, schemaVersion } from './migrations.js';
import { explainOpenFailure } from './sqlite-open-errors.js';
import { sqliteNativeBinding } from './native-sqlite.js';
import {
  eventFromRow,
  eventToRow,
  hostFromRow,
  hostToRow,
  infraEnvFromRow,
  infraEnvToRow,
  infraEnvTokensToColumns,
  logsFromRow,
  logsToRow,
  stepResultFromRow,
  stepResultToRow,
  type HostRow,
} from './sqlite-rows.js';
import { EventQueries, prepareStatements, type Statements } from './sqlite-statements.js';
import { ParentNotFoundError, StoreUnavailableError, type HostChange, type LogArchiveUpload, type Store } from '../store.js';
import { readModifyWrite } from '../host-update.js';

export interface SqliteStoreOptions {
  /** Holds inband.db (created with the directory on first start) and the addon cache of the single executable. */
  dataDir: string;
  /** Step results kept per host and step type; older ones are deleted as new ones arrive. */
  keepStepResultsPerType?: number;
  /** How often buffered check-ins are written. */
  checkInFlushMs?: number;
  /** The most writes one group-commit transaction holds. */
  maxWritesPerTransaction?: number;
  /** better-sqlite3's addon; by default the executable's embedded one, or node_modules' outside it. */
  nativeBinding?: object | string;
  /** How long a write waits for another process's lock before failing (SQLite busy_timeout). */
  busyTimeoutMs?: number;
}

export const DATABASE_FILE = 'inband.db';
/** Uploaded logs archives: `<data-dir>/logs/<infra-env>/<host>/logs.tar.gz`. */
export const LOGS_DIR = 'logs';

/**
 * The embedded store: one SQLite file, `<data-dir>/inband.db`, in WAL mode with
 * `synchronous=FULL` (a commit is fsynced before its promise resolves).
 *
 * Writes go through a group-commit queue (group-commit.ts), in submission order, so a write never
 * overtakes an earlier one. Reads run directly and see committed data only, plus buffered
 * check-ins (check-in-buffer.ts). Call `migrate()` before anything else.
 */
export class SqliteStore implements Store {
  readonly file: string;
  readonly logsDir: string;
  private readonly db: Database.Database;
  private readonly writes: GroupCommitQueue;
  private readonly checkIns = new CheckInBuffer();
  /** The version each record object this store handed out was read (or written) at, for updateHost. */
  private readonly versions = new WeakMap<HostRecord, number>();
  private readonly keepPerType: number;
  private readonly checkInFlushMs: number;
  private statements?: Statements;
  private events?: EventQueries;
  private flushTimer?: NodeJS.Timeout;
  private closing?: Promise<void>;

  /** Opens (creating on first start) `<dataDir>/inband.db` and brings its schema up to date. */
  static async open(dataDir: string, options: Omit<SqliteStoreOptions, 'dataDir'> = {}): Promise<SqliteStore> {
    const where = { dataDir, file: path.join(dataDir, DATABASE_FILE) };
    let store: SqliteStore;
    try {
      store = new SqliteStore({ ...options, dataDir });
    } catch (error) {
      throw explainOpenFailure(error, where);
    }
    try {
      await store.migrate();
      store.proveWritable();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw explainOpenFailure(error, where);
    }
    return store;
  }

  /**
   * A file SQLite can read but not write (mode 0444 for a non-root owner, an immutable attribute)
   * opens without complaint and fails at the first write; a throwaway write at start-up turns
   * that into a refusal to start.
   */
  private proveWritable(): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec('CREATE TABLE inband_write_probe (x INTEGER)');
    } finally {
      this.db.exec('ROLLBACK');
    }
  }

  constructor(options: SqliteStoreOptions) {
    this.keepPerType = Math.max(1, options.keepStepResultsPerType ?? 5);
    this.checkInFlushMs = options.checkInFlushMs ?? 1000;
    createDataDir(options.dataDir);
    this.file = path.join(options.dataDir, DATABASE_FILE);
    this.logsDir = path.join(options.dataDir, LOGS_DIR);
    const nativeBinding = options.nativeBinding ?? sqliteNativeBinding(options.dataDir);
    // The typings allow only a path; better-sqlite3 itself also takes the loaded addon object.
    this.db = new Database(this.file, {
      timeout: options.busyTimeoutMs ?? 5000,
      ...(nativeBinding !== undefined && { nativeBinding: nativeBinding as string }),
    });
    try {
      configure(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.writes = new GroupCommitQueue(betterSqliteBatches(this.db), options.maxWritesPerTransaction ?? 128);
  }

  async migrate(): Promise<void> {
    migrateSchema(this.db);
    if (this.statements) return;
    this.statements = prepareStatements(this.db);
    this.events = new EventQueries(this.db);
    this.flushTimer = setInterval(() => {
      // A failed flush keeps its check-ins buffered; the next tick (or close) writes them.
      this.flushCheckIns().catch(() => undefined);
    }, this.checkInFlushMs);
    this.flushTimer.unref();
  }

  /** Always ready once open and migrated: the file is local, and migrate() brought it to this build's version. */
  async checkReady(): Promise<{ schemaVersion: number }> {
    this.ready();
    if (this.closing) throw new StoreUnavailableError(`${this.file} is closing`);
    return { schemaVersion: schemaVersion(this.db) };
  }

  /** Writes buffered check-ins and queued writes, then closes the file. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Group-commit counters: tests and the benchmark compare transactions with writes. */
  writeStats(): GroupCommitStats {
    return this.writes.stats();
  }

  /** Writes the buffered check-ins now (the timer does this every `checkInFlushMs`). */
  async flushCheckIns(): Promise<void> {
    if (this.checkIns.size === 0) return;
    const s = this.ready();
    const batch = this.checkIns.snapshot();
    await this.writes.submit(() => {
      for (const { infraEnvId, hostId, checkIn } of batch) {
        s.recordCheckIn.run({
          infra_env_id: infraEnvId,
          id: hostId,
          at: checkIn.at,
          timestamp: checkIn.timestamp ?? null,
          agent_version: checkIn.agentVersion ?? null,
        });
      }
    });
    this.checkIns.settle(batch);
  }

  async createInfraEnv(infraEnv: InfraEnvRecord): Promise<void> {
    const s = this.ready();
    const row = infraEnvToRow(infraEnv);
    return this.write(() => {
      s.insertInfraEnv.run(row);
    });
  }

  async getInfraEnv(id: string): Promise<InfraEnvRecord | undefined> {
    const row = this.ready().getInfraEnv.get(id);
    return row && infraEnvFromRow(row);
  }

  async listInfraEnvs(): Promise<InfraEnvRecord[]> {
    return this.ready().listInfraEnvs.all().map(infraEnvFromRow);
  }

  async updateInfraEnvTokens(id: string, tokens: InfraEnvTokens): Promise<boolean> {
    const s = this.ready();
    const row = { id, ...infraEnvTokensToColumns(tokens) };
    return this.write(() => s.updateInfraEnvTokens.run(row).changes > 0);
  }

  async deleteInfraEnv(id: string): Promise<boolean> {
    const s = this.ready();
    this.checkIns.forgetInfraEnv(id);
    return this.write(() => s.deleteInfraEnv.run(id).changes > 0);
  }

  async putHost(host: HostRecord): Promise<void> {
    const s = this.ready();
    const row = hostToRow(host);
    return this.write(
      () => {
        writeHost(s, row);
      },
      () => `infra-env ${host.infraEnvId} does not exist`,
    );
  }

  async getHost(infraEnvId: string, hostId: string): Promise<HostRecord | undefined> {
    const row = this.ready().getHost.get(infraEnvId, hostId);
    return row && this.fromRow(row);
  }

  async getHosts(infraEnvId: string, hostIds: readonly string[]): Promise<HostRecord[]> {
    const statements = this.ready();
    // A local file: one indexed lookup per host costs microseconds.
    return [...new Set(hostIds)].flatMap((id) => {
      const row = statements.getHost.get(infraEnvId, id);
      return row ? [this.fromRow(row)] : [];
    });
  }

  async listHosts(infraEnvId: string): Promise<HostRecord[]> {
    return this.ready()
      .listHosts.all(infraEnvId)
      .map((row) => this.fromRow(row));
  }

  async listAllHosts(): Promise<HostRecord[]> {
    return this.ready()
      .listAllHosts.all()
      .map((row) => this.fromRow(row));
  }

  async updateHost(infraEnvId: string, hostId: string, change: HostChange, options: { assumed?: HostRecord } = {}): Promise<HostRecord | undefined> {
    const s = this.ready();
    const first = options.assumed && this.versions.has(options.assumed) ? options.assumed : await this.getHost(infraEnvId, hostId);
    return readModifyWrite(infraEnvId, hostId, first, change, () => this.getHost(infraEnvId, hostId), async (current, { host, stepResult }) => {
      const expected = this.versions.get(current) as number;
      const { record, ...columns } = hostToRow(host);
      const resultRow = stepResult && stepResultToRow(stepResult, outputHeldByHost(stepResult, host));
      const keep = this.keepPerType;
      const written = await this.write(() => {
        if (s.updateHostIfVersion.run({ ...columns, version: expected }).changes === 0) return undefined;
        s.upsertHostRecord.run({ infra_env_id: infraEnvId, id: hostId, record });
        if (resultRow) {
          s.insertStepResult.run(resultRow);
          s.pruneStepResults.run({ infra_env_id: infraEnvId, host_id: hostId, step_type: resultRow.step_type, keep });
        }
        return s.hostVersion.get(infraEnvId, hostId)?.version;
      });
      if (written === undefined) return undefined;
      this.versions.set(host, written);
      return this.checkIns.overlay(host);
    });
  }

  private fromRow(row: HostRow): HostRecord {
    const host = this.checkIns.overlay(hostFromRow(row));
    if (row.version !== undefined) this.versions.set(host, row.version);
    return host;
  }

  async deleteHost(infraEnvId: string, hostId: string): Promise<boolean> {
    const s = this.ready();
    this.checkIns.forgetHost(infraEnvId, hostId);
    return this.write(() => s.deleteHost.run(infraEnvId, hostId).changes > 0);
  }

  async countHosts(): Promise<number> {
    return this.ready().countHosts.get()?.count ?? 0;
  }

  async recordCheckIn(infraEnvId: string, hostId: string, checkIn: CheckIn): Promise<void> {
    this.ready();
    if (this.closing) throw storeClosed();
    this.checkIns.record(infraEnvId, hostId, checkIn);
  }

  async saveStepReply(result: StepResultRecord, host: HostRecord): Promise<void> {
    const s = this.ready();
    if (result.infraEnvId !== host.infraEnvId || result.hostId !== host.id) {
      throw new TypeError(`step result of host ${result.hostId} saved with host ${host.id}`);
    }
    const hostRow = hostToRow(host);
    const resultRow = stepResultToRow(result, outputHeldByHost(result, host));
    const keep = this.keepPerType;
    return this.write(
      () => {
        writeHost(s, hostRow);
        s.insertStepResult.run(resultRow);
        s.pruneStepResults.run({ infra_env_id: result.infraEnvId, host_id: result.hostId, step_type: result.stepType, keep });
      },
      () => `infra-env ${host.infraEnvId} does not exist`,
    );
  }

  async listStepResults(infraEnvId: string, hostId: string): Promise<StepResultRecord[]> {
    return this.ready().listStepResults.all(infraEnvId, hostId).map(stepResultFromRow);
  }

  async addEvent(event: EventRecord): Promise<void> {
    const s = this.ready();
    const row = eventToRow(event);
    return this.write(
      () => {
        s.insertEvent.run(row);
      },
      () => `infra-env ${event.infraEnvId} does not exist (record events of a deleted infra-env without its id)`,
    );
  }

  async listEvents(filter: EventFilter): Promise<EventRecord[]> {
    this.ready();
    return (this.events as EventQueries).list(filter).map(eventFromRow);
  }

  async saveLogs(logs: LogsRecord, host: HostRecord): Promise<void> {
    const s = this.ready();
    if (logs.infraEnvId !== host.infraEnvId || logs.hostId !== host.id) {
      throw new TypeError(`logs of host ${logs.hostId} saved with host ${host.id}`);
    }
    const hostRow = hostToRow(host);
    const logsRow = logsToRow(logs);
    return this.write(
      () => {
        writeHost(s, hostRow);
        s.upsertLogs.run(logsRow);
      },
      () => `infra-env ${host.infraEnvId} does not exist`,
    );
  }

  async getLogs(infraEnvId: string, hostId: string): Promise<LogsRecord | undefined> {
    const row = this.ready().getLogs.get(infraEnvId, hostId);
    return row && logsFromRow(row);
  }

  /**
   * A temporary file whose name the store makes (never one a client sent), renamed over the host's
   * archive on complete(): a reader sees the old archive or the new one.
   */
  async beginLogArchive(infraEnvId: string, hostId: string): Promise<LogArchiveUpload> {
    this.ready();
    const dir = path.join(this.logsDir, infraEnvId, hostId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const partial = path.join(dir, `.upload-${randomUUID()}.partial`);
    const final = path.join(dir, 'logs.tar.gz');
    return {
      sink: createWriteStream(partial, { mode: 0o600 }),
      async complete() {
        const { size } = await stat(partial);
        await rename(partial, final);
        return { path: final, sizeBytes: size };
      },
      discard: () => rm(partial, { force: true }),
    };
  }

  async openLogArchive(logs: LogsRecord): Promise<Readable> {
    return createReadStream(logs.path);
  }

  /** Queues a write for the next group commit; a missing parent row becomes a ParentNotFoundError. */
  private write<T>(work: () => T, missingParent?: () => string): Promise<T> {
    if (this.closing) return Promise.reject(storeClosed());
    return this.writes.submit(() => {
      try {
        return work();
      } catch (error) {
        if (missingParent && isForeignKeyViolation(error)) throw new ParentNotFoundError(missingParent(), { cause: error });
        throw error;
      }
    });
  }

  private ready(): Statements {
    if (!this.statements) throw new Error('SqliteStore: call migrate() before using the store');
    return this.statements;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.flushTimer);
    let failure: unknown;
    if (this.statements) {
      // Queued behind earlier writes; then wait for whatever else is still queued.
      await this.flushCheckIns().catch((error: unknown) => (failure = error));
    }
    await this.writes.idle();
    this.db.close();
    if (failure) throw failure;
  }
}

/**
 * The data directory holds agent tokens: the service's user only. When this creates it, the new
 * entries are fsynced into their parents too, so the first acknowledged write cannot vanish with
 * its directory on power loss (SQLite syncs the directory holding the file, not those above).
 */
function createDataDir(dataDir: string): void {
  const first = mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    fsyncDirectory(path.dirname(dir));
    if (dir === path.resolve(first) || dir === path.dirname(dir)) break;
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeHost(s: Statements, row: HostRow): void {
  const { record, ...columns } = row;
  s.upsertHost.run(columns);
  s.upsertHostRecord.run({ infra_env_id: row.infra_env_id, id: row.id, record });
}

function configure(db: Database.Database): void {
  // WAL: readers never block the writer and a commit is one append plus one fsync of the log.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`${db.name}: SQLite cannot use write-ahead logging here (journal mode stayed ${String(mode)})`);
  // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and a 204 promises they are kept.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // After a burst, truncate the log back instead of keeping its high-water size on disk.
  db.pragma('journal_size_limit = 67108864');
}

/** better-sqlite3's transactions for the group-commit queue; a nested call becomes a savepoint. */
function betterSqliteBatches(db: Database.Database): BatchTransactions {
  const batch = db.transaction((body: () => void) => body());
  const savepoint = db.transaction((write: () => unknown) => write());
  return {
    // IMMEDIATE takes the write lock at BEGIN, so waiting for another process happens there and
    // not halfway through the batch.
    inTransaction: (body) => batch.immediate(body),
    inSavepoint: <T>(write: () => T) => savepoint(write) as T,
  };
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

function storeClosed(): Error {
  return new Error('the store is closed');
}
