import type { Database } from 'better-sqlite3';
import { newSecretToken } from '../../tokens.js';

/**
 * The SQLite schema, as numbered steps. The file's `PRAGMA user_version` holds the last step
 * applied. Never edit a released step: add the next one, so existing files upgrade in place.
 * Keep the SQL plain (no SQLite-only tricks in the data model): PostgreSQL gets the same tables.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'infra-envs, hosts, step results, events, logs',
    up(db) {
      // Columns for what is queried or updated on its own; the rest of a record is JSON text.
      db.exec(`
        CREATE TABLE infra_envs (
          id         TEXT PRIMARY KEY,
          name       TEXT NOT NULL,
          created_at TEXT NOT NULL,
          record     TEXT NOT NULL
        );

        -- A host is two rows: the narrow one below, which every check-in flush updates, and its
        -- JSON document (10 KB and more with an inventory) in host_records. SQLite rewrites a whole
        -- row to update one column, so check-ins on wide rows wrote megabytes per flush.
        CREATE TABLE hosts (
          infra_env_id   TEXT NOT NULL REFERENCES infra_envs (id) ON DELETE CASCADE,
          id             TEXT NOT NULL,
          status         TEXT NOT NULL,
          checked_in_at  TEXT NOT NULL,
          host_timestamp REAL,
          agent_version  TEXT,
          PRIMARY KEY (infra_env_id, id)
        ) WITHOUT ROWID;

        CREATE TABLE host_records (
          infra_env_id TEXT NOT NULL,
          host_id      TEXT NOT NULL,
          record       TEXT NOT NULL,
          PRIMARY KEY (infra_env_id, host_id),
          FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
        );

        CREATE TABLE step_results (
          seq          INTEGER PRIMARY KEY,
          infra_env_id TEXT NOT NULL,
          host_id      TEXT NOT NULL,
          step_id      TEXT NOT NULL,
          step_type    TEXT NOT NULL,
          exit_code    INTEGER NOT NULL,
          output       TEXT NOT NULL,
          error        TEXT NOT NULL,
          received_at  TEXT NOT NULL,
          FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
        );
        CREATE INDEX step_results_by_host_type ON step_results (infra_env_id, host_id, step_type, seq);

        -- AUTOINCREMENT: an event's seq is never reused, even after the newest events are deleted.
        -- No reference to hosts: a host's events outlive it (its deregistration is one of them).
        CREATE TABLE events (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          infra_env_id TEXT REFERENCES infra_envs (id) ON DELETE CASCADE,
          host_id      TEXT,
          severity     TEXT NOT NULL,
          name         TEXT NOT NULL,
          message      TEXT NOT NULL,
          event_time   TEXT NOT NULL,
          request_id   TEXT,
          props        TEXT
        );
        CREATE INDEX events_by_infra_env ON events (infra_env_id, seq);
        CREATE INDEX events_by_host ON events (host_id, seq);

        CREATE TABLE host_logs (
          infra_env_id TEXT NOT NULL,
          host_id      TEXT NOT NULL,
          path         TEXT NOT NULL,
          size_bytes   INTEGER NOT NULL,
          uploaded_at  TEXT NOT NULL,
          PRIMARY KEY (infra_env_id, host_id),
          FOREIGN KEY (infra_env_id, host_id) REFERENCES hosts (infra_env_id, id) ON DELETE CASCADE
        );
      `);
    },
  },
  {
    version: 2,
    description: 'infra-env tokens in columns of their own; a download token for every infra-env',
    up(db) {
      // A rotation updates these columns alone, so it never races a rewrite of the record.
      db.exec(`
        ALTER TABLE infra_envs ADD COLUMN agent_token TEXT;
        ALTER TABLE infra_envs ADD COLUMN agent_token_rotated_at TEXT;
        ALTER TABLE infra_envs ADD COLUMN download_token TEXT;
        ALTER TABLE infra_envs ADD COLUMN download_token_expires_at TEXT;
      `);
      // Version 1 kept the agent token inside the record's JSON: move it out, and give every
      // existing infra-env the download token new ones are created with.
      const rows = db.prepare<[], { id: string; record: string }>('SELECT id, record FROM infra_envs').all();
      const update = db.prepare<[{ id: string; record: string; agent_token: string; download_token: string }]>(
        'UPDATE infra_envs SET record = @record, agent_token = @agent_token, download_token = @download_token WHERE id = @id',
      );
      for (const row of rows) {
        const { agentToken, ...record } = JSON.parse(row.record) as { agentToken?: string };
        update.run({ id: row.id, record: JSON.stringify(record), agent_token: agentToken ?? '', download_token: newSecretToken() });
      }
    },
  },
  {
    version: 3,
    description: 'a version per host record, for read-modify-write without lost updates',
    up(db) {
      // Every write of the record adds one; check-ins do not (they never conflict with a record write).
      db.exec('ALTER TABLE hosts ADD COLUMN version INTEGER NOT NULL DEFAULT 1');
    },
  },
  {
    version: 4,
    description: 'successful inventory results keep their output in the host record only',
    up(db) {
      // The host record holds the inventory; listing reads it from there (see step-output.ts).
      // Freed pages are reused by later writes; VACUUM returns them to the file system.
      db.exec(`
        ALTER TABLE step_results ADD COLUMN output_in_host INTEGER NOT NULL DEFAULT 0;
        UPDATE step_results SET output = '', output_in_host = 1
        WHERE step_type = 'inventory' AND exit_code = 0 AND EXISTS (
          SELECT 1 FROM host_records r
          WHERE r.infra_env_id = step_results.infra_env_id AND r.host_id = step_results.host_id
            AND json_extract(r.record, '$.inventory') IS NOT NULL);
      `);
    },
  },
];

export class SchemaTooNewError extends Error {
  constructor(file: string, found: number, known: number) {
    super(
      `${file} has schema version ${found}, but this inband knows versions up to ${known}: ` +
        'it was written by a newer inband. Run that version (or newer), or start with another --data-dir.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface MigrationResult {
  from: number;
  to: number;
}

/**
 * Brings the file to the newest version, one transaction per step, so a failed step leaves the
 * file at the previous version. Each step re-reads the version under the write lock, so two
 * processes starting on the same file do not apply a step twice.
 */
export function migrateSchema(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const known = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  if (from > known) throw new SchemaTooNewError(db.name, from, known);

  for (const migration of migrations) {
    db.transaction(() => {
      const current = schemaVersion(db);
      if (current > known) throw new SchemaTooNewError(db.name, current, known);
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new Error(`${db.name}: schema version ${current} cannot step to ${migration.version} (a migration is missing)`);
      }
      migration.up(db);
      // user_version lives in the file header and is rolled back with the transaction.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
