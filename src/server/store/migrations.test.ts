import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
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

  it('refuses a file from a newer version without touching it', () => {
    const db = emptyFile();
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrateSchema(db)).toThrow(SchemaTooNewError);
    expect(() => migrateSchema(db)).toThrow(/written by a newer inband/);
    expect(tables(db)).toEqual([]);
  });
});
