import type pg from 'pg';

/**
 * Group commit of versioned host writes (`Store.updateHost`), PostgreSQL's counterpart of the
 * SQLite store's group-commit queue. Every write waiting when a statement can go out travels in
 * that one statement: one round trip, one parse (it is a prepared statement), one commit and one
 * WAL flush for all of them, instead of one each. Under load the batches grow by themselves: the
 * writes that arrive while a batch runs form the next one.
 *
 * Each write is still all-or-nothing and checked on its own: a host's row is written only if its
 * version is the one the writer read, and its step result is inserted (and the type's older ones
 * pruned) only with it. A statement that fails on one write's data is run again write by write, so
 * only that write fails.
 */

/** One conditional write: the host columns (hostValues order), the version read, optionally a step result. */
export interface VersionedHostWrite {
  /** infra_env_id, id, status, checked_in_at, host_timestamp, agent_version, record */
  host: unknown[];
  expectedVersion: number;
  /** step_id, step_type, exit_code, output, error, received_at, and whether the host record holds the output. */
  stepResult?: { values: unknown[]; outputInHost: boolean };
}

export type Statement = (query: pg.QueryConfig) => Promise<pg.QueryResult<{ n: number; version: string }>>;

export interface HostWriteBatchOptions {
  /** Statements in flight at once; the rest of the pool stays free for reads. */
  concurrency: number;
  /** Step results kept per host and type. */
  keepPerType: number;
  /** Writes per statement. */
  maxWrites?: number;
  /** Bytes of host records and outputs per statement, so one batch never becomes a huge message. */
  maxBytes?: number;
}

const MAX_WRITES = 64;
const MAX_BYTES = 4 * 1024 * 1024;

// $1…$9: the hosts, n being each write's index in the batch, their records in $8 as one text
// (see RECORD_SEPARATOR); $10…$17: the step results by n; $18: results kept per type, minus one. A host's row is written only at the version its writer
// read (the UPDATE skips it otherwise); only written hosts get their step result and pruning.
// The statement's snapshot does not see its own inserts, hence OFFSET keep - 1.
/**
 * The rows of `v` (ie, id, …), their host rows locked in key order first. Every statement that
 * writes several host rows (these batches, the check-in flush, from any replica) drives its
 * UPDATE from this: an UPDATE … FROM locks rows in whatever order its join runs, and two such
 * statements locking two rows in opposite orders deadlock (PostgreSQL breaks that after a second,
 * failing one). A sub-select, not a CTE joined in: a CTE has no index, and joining thousands of
 * check-ins to one goes quadratic.
 */
export const V_LOCKED_IN_KEY_ORDER = `(SELECT v.* FROM v JOIN hosts AS locked ON locked.infra_env_id = v.ie AND locked.id = v.id
    ORDER BY locked.infra_env_id, locked.id FOR NO KEY UPDATE OF locked)`;

const WRITE_HOSTS = `
  WITH v AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], string_to_array($8, chr(1)), $9::bigint[])
      AS v (n, ie, id, status, checked_in_at, ts, av, record, expected)
  ),
  h AS (
    UPDATE hosts SET status = w.status, checked_in_at = GREATEST(hosts.checked_in_at, w.checked_in_at COLLATE "C"),
      host_timestamp = w.ts, agent_version = w.av, record = w.record, version = hosts.version + 1
    FROM ${V_LOCKED_IN_KEY_ORDER} AS w
    WHERE hosts.infra_env_id = w.ie AND hosts.id = w.id AND hosts.version = w.expected
    RETURNING w.n, w.ie, w.id, hosts.version
  ),
  s AS (
    SELECT s.*, h.ie, h.id FROM unnest($10::int[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::boolean[])
      AS s (n, step_id, step_type, exit_code, output, error, received_at, in_host)
    JOIN h ON h.n = s.n
  ),
  r AS (
    INSERT INTO step_results (infra_env_id, host_id, step_id, step_type, exit_code, output, error, received_at, output_in_host)
    SELECT ie, id, step_id, step_type, exit_code, output, error, received_at, in_host FROM s ORDER BY n
  ),
  pruned AS (
    DELETE FROM step_results t USING s
    WHERE t.infra_env_id = s.ie AND t.host_id = s.id AND t.step_type = s.step_type
      AND t.seq <= (SELECT u.seq FROM step_results u
                    WHERE u.infra_env_id = s.ie AND u.host_id = s.id AND u.step_type = s.step_type
                    ORDER BY u.seq DESC LIMIT 1 OFFSET $18)
  )
  SELECT n, version FROM h`;

/**
 * The records travel as one text, separated by U+0001, rather than as a text[]: an array literal
 * escapes every quote of every record, which for kilobytes of JSON per host costs more than the
 * rest of the write. Records are JSON.stringify output, which escapes every control character, so
 * the separator cannot occur inside one.
 */
const RECORD_SEPARATOR = '\u0001';

interface Queued {
  write: VersionedHostWrite;
  bytes: number;
  resolve: (version: number | undefined) => void;
  reject: (error: unknown) => void;
}

export class HostWriteBatch {
  private readonly queue: Queued[] = [];
  private running = 0;
  private readonly maxWrites: number;
  private readonly maxBytes: number;

  constructor(
    private readonly run: Statement,
    private readonly options: HostWriteBatchOptions,
  ) {
    this.maxWrites = options.maxWrites ?? MAX_WRITES;
    this.maxBytes = options.maxBytes ?? MAX_BYTES;
  }

  /**
   * Resolves with the host's new version once the write is committed, or undefined when the
   * stored version was not `expectedVersion` (another writer came first, or the host is gone).
   * The caller keeps one write per host in flight (the store's per-host chain), so a batch never
   * holds two writes of one host.
   */
  submit(write: VersionedHostWrite): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, bytes: sizeOf(write), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const batch = this.take();
      this.running += 1;
      void this.runBatch(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private take(): Queued[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.maxWrites) {
      const next = this.queue[count] as Queued;
      if (count > 0 && bytes + next.bytes > this.maxBytes) break;
      bytes += next.bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async runBatch(batch: Queued[]): Promise<void> {
    try {
      const versions = await this.execute(batch.map((queued) => queued.write));
      batch.forEach((queued, n) => queued.resolve(versions.get(n)));
    } catch (error) {
      if (batch.length === 1 || !isDataError(error)) {
        for (const queued of batch) queued.reject(error);
        return;
      }
      // One write's data was refused: find which by running each alone.
      for (const queued of batch) {
        await this.execute([queued.write]).then(
          (versions) => queued.resolve(versions.get(0)),
          (e: unknown) => queued.reject(e),
        );
      }
    }
  }

  private async execute(writes: VersionedHostWrite[]): Promise<Map<number, number>> {
    // The 17 array parameters $1…$17 (the records' $8 joined below), then the prune offset.
    const columns: unknown[][] = Array.from({ length: 17 }, () => []);
    writes.forEach((write, n) => {
      columns[0]!.push(n);
      write.host.forEach((value, i) => columns[1 + i]!.push(value));
      columns[8]!.push(write.expectedVersion);
      if (!write.stepResult) return;
      columns[9]!.push(n);
      write.stepResult.values.forEach((value, i) => columns[10 + i]!.push(value));
      columns[16]!.push(write.stepResult.outputInHost);
    });
    const records = columns[7] as string[];
    if (records.some((record) => typeof record !== 'string' || record.length === 0 || record.includes(RECORD_SEPARATOR))) {
      throw new TypeError('host records must be non-empty JSON text');
    }
    const values = [...columns.slice(0, 7), records.join(RECORD_SEPARATOR), ...columns.slice(8), this.options.keepPerType - 1];
    const { rows } = await this.run({ name: 'inband-write-hosts-v4', text: WRITE_HOSTS, values });
    return new Map(rows.map((row) => [Number(row.n), Number(row.version)]));
  }
}

function sizeOf(write: VersionedHostWrite): number {
  const record = write.host[6];
  const output = write.stepResult?.values[3];
  return (typeof record === 'string' ? record.length : 0) + (typeof output === 'string' ? output.length : 0) + 256;
}

/** Class 22 (data exception, e.g. a NUL in a text) and 23 (a constraint): the data, not the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
