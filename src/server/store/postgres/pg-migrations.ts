import type { Pool, PoolClient } from 'pg';

/**
 * The PostgreSQL schema, as numbered steps recorded in `inband_schema`. Never edit a released
 * step: add the next one. Every replica runs `migratePostgres` on start; the steps run under a
 * session advisory lock, so replicas started together apply each step exactly once (the others
 * wait on the lock, then find the schema current).
 *
 * Text columns that are sorted or compared are `COLLATE "C"`: byte order, as SQLite sorts, and as
 * ISO-8601 times compare, whatever locale the database was created with.
 */
export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

/** pg_advisory_lock key of the migrations (0x696e62616e640001: "inband" in ASCII, then 1); other locks use other keys. */
export const MIGRATION_LOCK_KEY = '7597117792024002561';

export const PG_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'infra-envs (tokens in columns), hosts with a version, step results, events, logs in chunks',
    sql: `
      CREATE TABLE infra_envs (
        id                        text COLLATE "C" PRIMARY KEY,
        name                      text NOT NULL,
        created_at                text COLLATE "C" NOT NULL,
        record                    text NOT NULL,
        agent_token               text NOT NULL,
        agent_token_rotated_at    text,
        download_token            text NOT NULL,
        download_token_expires_at text
      );

      -- One row per host: PostgreSQL's TOAST keeps the large record out of line, so a check-in
      -- that updates the narrow columns does not copy it. version: every write of the record adds
      -- one, so a read-modify-write from any replica can tell that another one wrote in between.
      CREATE TABLE hosts (
        infra_env_id   text COLLATE "C" NOT NULL REFERENCES infra_envs (id) ON DELETE CASCADE,
        id             text COLLATE "C" NOT NULL,
        status         text NOT NULL,
        checked_in_at  text COLLATE "C" NOT NULL,
        host_timestamp double precision,
        agent_version  text,
        version        bigint NOT NULL,
        record         text NOT NULL,
        PRIMARY KEY (infra_env_id, id)
      );

      CREATE TABLE step_results (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        infra_env_id text COLLATE "C" NOT NULL,
        host_id      text COLLATE "C" NOT NULL,
        step_id      text NOT NULL,
        step_type    text COLLATE "C" NOT NULL,
        exit_code    integer NOT NULL,
        output       text NOT NULL,
        error        text NOT NULL,
        received_at  text NOT NULL,
        FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
      );
      CREATE INDEX step_results_by_host_type ON step_results (infra_env_id, host_id, step_type, seq);

      -- No reference to hosts: a host's events outlive it (its deregistration is one of them).
      CREATE TABLE events (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        infra_env_id text COLLATE "C" REFERENCES infra_envs (id) ON DELETE CASCADE,
        host_id      text COLLATE "C",
        severity     text NOT NULL,
        name         text NOT NULL,
        message      text NOT NULL,
        event_time   text NOT NULL,
        request_id   text,
        props        text
      );
      CREATE INDEX events_by_infra_env ON events (infra_env_id, seq);
      CREATE INDEX events_by_host ON events (host_id, seq);

      -- An upload streams into chunks under a new archive id; the host's logs row names the
      -- archive once it is complete, so a reader sees the old archive or the new one. Uploads no
      -- logs row names (cut short, or replaced) are deleted with their chunks.
      CREATE TABLE log_archives (
        archive_id   text PRIMARY KEY,
        infra_env_id text COLLATE "C" NOT NULL,
        host_id      text COLLATE "C" NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
      );
      CREATE TABLE log_chunks (
        archive_id text NOT NULL REFERENCES log_archives (archive_id) ON DELETE CASCADE,
        n          integer NOT NULL,
        data       bytea NOT NULL,
        PRIMARY KEY (archive_id, n)
      );
      CREATE TABLE host_logs (
        infra_env_id text COLLATE "C" NOT NULL,
        host_id      text COLLATE "C" NOT NULL,
        -- null: the archive is a file at path (a --logs-dir the replicas share)
        archive_id   text REFERENCES log_archives (archive_id),
        path         text NOT NULL,
        size_bytes   bigint NOT NULL,
        uploaded_at  text NOT NULL,
        PRIMARY KEY (infra_env_id, host_id),
        FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 2,
    description: 'successful inventory results keep their output in the host record only',
    sql: `
      -- true: the output is the host record's inventory, not kept in this row (step-output.ts).
      ALTER TABLE step_results ADD COLUMN output_in_host boolean NOT NULL DEFAULT false;
    `,
  },
  {
    version: 3,
    description: 'host records compressed with lz4 where the server has it; room on each page for updates in place; 64-bit exit codes',
    sql: `
      -- A host record (8 KB of JSON) is compressed on every write; lz4 costs a fraction of the
      -- default pglz's CPU. A server built without lz4 keeps pglz: the same data, only slower.
      DO $$ BEGIN
        ALTER TABLE hosts ALTER COLUMN record SET COMPRESSION lz4;
        ALTER TABLE step_results ALTER COLUMN output SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN NULL;
      END $$;
      -- Free space on each page lets an update put the new row version beside the old one (a HOT
      -- update), which spares the primary-key index an entry per write.
      ALTER TABLE hosts SET (fillfactor = 70);
      -- Upstream's exit_code is an int64.
      ALTER TABLE step_results ALTER COLUMN exit_code TYPE bigint;
    `,
  },
];

export class PostgresSchemaTooNewError extends Error {
  constructor(database: string, found: number, known: number) {
    super(
      `${database} has schema version ${found}, but this inband knows versions up to ${known}: ` +
        'it was written by a newer inband. Run that version (or newer), or point --database-url at another database.',
    );
    this.name = 'PostgresSchemaTooNewError';
  }
}

export interface PostgresMigrationResult {
  from: number;
  to: number;
  /** The steps this call applied (none when another replica had). */
  applied: number[];
}

/** Brings the database to the newest version under the migration lock, one transaction per step. */
export async function migratePostgres(pool: Pool, database: string, migrations: readonly PostgresMigration[] = PG_MIGRATIONS): Promise<PostgresMigrationResult> {
  const known = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS inband_schema (
        version     integer PRIMARY KEY,
        description text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
      const from = await currentVersion(client);
      if (from > known) throw new PostgresSchemaTooNewError(database, from, known);
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= from) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO inband_schema (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        applied.push(migration.version);
      }
      return { from, to: await currentVersion(client), applied };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {
        // The session is gone (and its lock with it); do not hand this client to the pool again.
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function postgresSchemaVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  return currentVersion(client);
}

async function currentVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('inband_schema') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return 0;
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM inband_schema');
  return rows[0]?.version ?? 0;
}
