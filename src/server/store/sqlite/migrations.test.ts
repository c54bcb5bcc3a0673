import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support/temp-dir.js';
import { MIGRATIONS, migrateSchema, SchemaTooNewError, schemaVersion, type Migration } from './migrations.js';

const databases: Database.Database[] = [];
afterEach(() => {
  for (const db of databases.splice(0)) db.close();
});

function emptyFile(): Database.Database {
  const db = new Database(path.join(tempDir('migrations'), 'test.db'));
  databases.push(db);
  return db;
}

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);

describe('migrateSchema', () => {
  it('builds the current schema from an empty file, and does nothing the second time', () => {
    const db = emptyFile();
    expect(migrateSchema(db)).toEqual({ from: 0, to: MIGRATIONS.length });
    expect(tables(db)).toEqual(['events', 'host_logs', 'host_records', 'hosts', 'infra_envs', 'step_results']);
    expect(migrateSchema(db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
  });

  it('applies only the steps a file is missing, in order', () => {
    const db = emptyFile();
    const applied: number[] = [];
    const step = (version: number): Migration => ({
      version,
      description: `step ${version}`,
      up: (d) => {
        applied.push(version);
        d.exec(`CREATE TABLE t${version} (x)`);
      },
    });
    migrateSchema(db, [step(1)]);
    expect(migrateSchema(db, [step(1), step(2), step(3)])).toEqual({ from: 1, to: 3 });
    expect(applied).toEqual([1, 2, 3]);
  });

  it('rolls a failing step back entirely and leaves the version at the step before', () => {
    const db = emptyFile();
    const failing: Migration = {
      version: 2,
      description: 'fails halfway',
      up: (d) => {
        d.exec('CREATE TABLE half (x)');
        throw new Error('boom');
      },
    };
    const first: Migration = { version: 1, description: 'ok', up: (d) => d.exec('CREATE TABLE ok (x)') };
    expect(() => migrateSchema(db, [first, failing])).toThrow('boom');
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['ok']);
  });

  it('version 2 moves each agent token out of the record JSON and gives every infra-env its own download token', () => {
    const db = emptyFile();
    migrateSchema(db, MIGRATIONS.slice(0, 1));
    const insert = db.prepare('INSERT INTO infra_envs (id, name, created_at, record) VALUES (?, ?, ?, ?)');
    insert.run('a', 'a', '2025-01-01', JSON.stringify({ id: 'a', name: 'a', agentToken: 'agent-a', domainsToResolve: [] }));
    insert.run('b', 'b', '2025-01-02', JSON.stringify({ id: 'b', name: 'b', agentToken: 'agent-b', domainsToResolve: [] }));
    expect(migrateSchema(db)).toEqual({ from: 1, to: MIGRATIONS.length });
    const rows = db.prepare('SELECT id, record, agent_token, download_token FROM infra_envs ORDER BY id').all() as Record<string, string>[];
    expect(rows.map((r) => r.agent_token)).toEqual(['agent-a', 'agent-b']);
    expect(rows.map((r) => JSON.parse(r.record as string))).toEqual([
      { id: 'a', name: 'a', domainsToResolve: [] },
      { id: 'b', name: 'b', domainsToResolve: [] },
    ]);
    for (const row of rows) expect(row.download_token).toMatch(/^[\w-]{32}$/);
    expect(rows[0]?.download_token).not.toBe(rows[1]?.download_token);
  });

  it('version 4 drops the copies of inventories from successful inventory results of hosts that hold one, keeping everything else', () => {
    const db = emptyFile();
    migrateSchema(db, MIGRATIONS.slice(0, 3));
    db.prepare("INSERT INTO infra_envs (id, name, created_at, record, agent_token, download_token) VALUES ('e', 'e', '2025', '{}', 'a', 'd')").run();
    const host = db.prepare("INSERT INTO hosts (infra_env_id, id, status, checked_in_at) VALUES ('e', ?, 'known', '2025')");
    const record = db.prepare("INSERT INTO host_records (infra_env_id, host_id, record) VALUES ('e', ?, ?)");
    host.run('with-inventory');
    record.run('with-inventory', JSON.stringify({ inventory: '{"hostname":"h1"}' }));
    host.run('without');
    record.run('without', JSON.stringify({}));
    const result = db.prepare("INSERT INTO step_results (infra_env_id, host_id, step_id, step_type, exit_code, output, error, received_at) VALUES ('e', ?, ?, ?, ?, ?, '', '2025')");
    result.run('with-inventory', 'inventory-1', 'inventory', 0, '{"hostname":"h1","raw":true}');
    result.run('with-inventory', 'inventory-2', 'inventory', 255, 'partial');
    result.run('with-inventory', 'ntp-1', 'ntp-synchronizer', 0, '{"ntp_sources":[]}');
    result.run('without', 'inventory-3', 'inventory', 0, '{"kept":true}');

    expect(migrateSchema(db)).toEqual({ from: 3, to: MIGRATIONS.length });
    const rows = db.prepare('SELECT step_id, output, output_in_host FROM step_results ORDER BY seq').all();
    expect(rows).toEqual([
      { step_id: 'inventory-1', output: '', output_in_host: 1 },
      { step_id: 'inventory-2', output: 'partial', output_in_host: 0 },
      { step_id: 'ntp-1', output: '{"ntp_sources":[]}', output_in_host: 0 },
      { step_id: 'inventory-3', output: '{"kept":true}', output_in_host: 0 },
    ]);
  });

  it('refuses a file from a newer version without touching it', () => {
    const db = emptyFile();
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrateSchema(db)).toThrow(SchemaTooNewError);
    expect(() => migrateSchema(db)).toThrow(/written by a newer inband/);
    expect(tables(db)).toEqual([]);
  });
});
