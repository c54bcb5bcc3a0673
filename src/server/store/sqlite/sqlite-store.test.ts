import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support/temp-dir.js';
import { ExitError } from '../../../errors.js';
import { MIGRATIONS, SchemaTooNewError } from './migrations.js';
import { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
import { aHost, anEvent, anInfraEnv, anInventory, aStepResult } from '../store-fixtures.js';
import { describeStoreContract } from '../store-contract.js';

const open: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

async function openStore(dataDir = tempDir('store'), options: Omit<SqliteStoreOptions, 'dataDir'> = {}): Promise<SqliteStore> {
  const store = await SqliteStore.open(dataDir, options);
  open.push(store);
  return store;
}

/** A second connection, to see what is on disk rather than what the store holds in memory. */
function onDisk<T>(store: SqliteStore, query: (db: Database.Database) => T): T {
  const db = new Database(store.file, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

describe('SqliteStore: opening', () => {
  it('creates the data directory and inband.db on first start, with WAL, synchronous=FULL and foreign keys', async () => {
    const dataDir = path.join(tempDir('store'), 'nested', 'data');
    const store = await openStore(dataDir);
    expect(store.file).toBe(path.join(dataDir, DATABASE_FILE));
    expect(existsSync(store.file)).toBe(true);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('opens an existing file again and keeps its data; migrate() is safe to call again', async () => {
    const dataDir = tempDir('store');
    const first = await SqliteStore.open(dataDir);
    await first.createInfraEnv(anInfraEnv('e1'));
    await first.close();

    const second = await openStore(dataDir);
    await second.migrate();
    expect(await second.getInfraEnv('e1')).toEqual(anInfraEnv('e1'));
  });

  it('refuses a file written by a newer schema, saying so', async () => {
    const dataDir = tempDir('store');
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    db.pragma('user_version = 99');
    db.close();
    const error = await SqliteStore.open(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect(String(error)).toMatch(/schema version 99, but this inband knows versions up to 4.*newer inband.*run the inband version that wrote it/);
  });

  it('refuses a damaged file or a data dir that is a file, naming the file and the fix', async () => {
    const dataDir = tempDir('store');
    writeFileSync(path.join(dataDir, DATABASE_FILE), randomBytes(8192));
    const damaged = await SqliteStore.open(dataDir).catch((e: unknown) => e);
    expect(damaged).toBeInstanceOf(ExitError);
    expect((damaged as Error).message).toBe(
      `${path.join(dataDir, DATABASE_FILE)} is not an inband database or is damaged (file is not a database); move it aside to start with an empty store, or restore it from a backup`,
    );
    const file = path.join(tempDir('store'), 'plain-file');
    writeFileSync(file, '');
    const notDir = await SqliteStore.open(file).catch((e: unknown) => e);
    expect(notDir).toBeInstanceOf(ExitError);
    expect((notDir as Error).message).toMatch(new RegExp(`^--data-dir ${file} is not a directory`));
  });

  it('refuses to be used before migrate()', async () => {
    const store = new SqliteStore({ dataDir: tempDir('store') });
    open.push(store);
    await expect(store.listInfraEnvs()).rejects.toThrow(/migrate\(\)/);
  });
});


function filesBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describeStoreContract<SqliteStore>({
  name: 'SqliteStore',
  open: (options) => openStore(undefined, options),
  reopen: (store) => openStore(path.dirname(store.file)),
  flushCheckIns: (store) => store.flushCheckIns(),
  checkedInOnDisk: async (store) =>
    onDisk(store, (db) => db.prepare('SELECT checked_in_at AS at, host_timestamp AS ts, agent_version AS version FROM hosts').get()) as {
      at: string;
      ts: number | null;
      version: string | null;
    },
  infraEnvRow: async (store, id) => onDisk(store, (db) => db.prepare('SELECT * FROM infra_envs WHERE id = ?').get(id)) as Record<string, unknown>,
  archiveBytes: async (store) => filesBytes(store.logsDir),
  storedOutputBytes: async (store) => onDisk(store, (db) => (db.prepare('SELECT coalesce(sum(length(output)), 0) AS n FROM step_results').get() as { n: number }).n),
  countRows: async (store, table) => onDisk(store, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n),
});

describe('SqliteStore: check-in flushes', () => {
  it('writes the buffered check-ins of many hosts in one transaction', async () => {
    const store = await openStore(undefined, { checkInFlushMs: 60_000 });
    await store.createInfraEnv(anInfraEnv('e1'));
    for (const id of ['h1', 'h2', 'h3']) await store.putHost(aHost('e1', id));
    for (const id of ['h1', 'h2', 'h3']) await store.recordCheckIn('e1', id, { at: '2025-01-01T00:01:00.000Z' });
    const before = store.writeStats().transactions;
    await store.flushCheckIns();
    expect(store.writeStats().transactions).toBe(before + 1);
    expect(onDisk(store, (db) => db.prepare("SELECT count(*) AS n FROM hosts WHERE checked_in_at = '2025-01-01T00:01:00.000Z'").get())).toEqual({ n: 3 });
  });

  it('keeps a host as two rows (narrow columns, the JSON record) and deletes both together', async () => {
    const store = await openStore();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1', { inventory: anInventory(2_000) }));
    const count = (table: string) => onDisk(store, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
    expect([count('hosts'), count('host_records')]).toEqual([1, 1]);
    await store.deleteInfraEnv('e1');
    expect([count('hosts'), count('host_records')]).toEqual([0, 0]);
  });
});

describe('SqliteStore: group commit', () => {
  it('commits many concurrent writes in fewer transactions, resolving each only after its commit', async () => {
    const store = await openStore();
    await store.createInfraEnv(anInfraEnv('e1'));
    const hosts = Array.from({ length: 20 }, (_, i) => aHost('e1', `h${i}`, { inventory: anInventory(2_000) }));
    const before = store.writeStats();

    const saves = [];
    for (let round = 0; round < 10; round++) {
      for (const host of hosts) saves.push(store.saveStepReply(aStepResult(host, `s-${host.id}-${round}`, { stepType: `t${round}` }), host));
      saves.push(store.addEvent(anEvent({ infraEnvId: 'e1', message: `round ${round}` })));
    }
    await Promise.all(saves);

    const after = store.writeStats();
    const writes = after.writes - before.writes;
    const transactions = after.transactions - before.transactions;
    expect(writes).toBe(210);
    expect(transactions).toBeLessThan(writes / 10);
    expect(after.largestBatch).toBeGreaterThan(1);
    expect(onDisk(store, (db) => db.prepare('SELECT count(*) AS n FROM step_results').get())).toEqual({ n: 200 });
    expect(await store.listEvents({ infraEnvId: 'e1' })).toHaveLength(10);
  });
});
