import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from '../../../../test/support/postgres.js';
import { aHost, anInfraEnv, aStepResult, anInventory } from '../store-fixtures.js';
import { describeStoreContract } from '../store-contract.js';
import { StoreUnavailableError } from '../store.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

const pgSupport = usePostgres();

const open: PostgresStore[] = [];
const urls = new WeakMap<PostgresStore, string>();
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close().catch(() => undefined)));
});

async function openStore(url?: string, options: Omit<PostgresStoreOptions, 'url'> = {}): Promise<PostgresStore> {
  const database = url ?? (await pgSupport.cluster.createDatabase('store'));
  const store = await PostgresStore.open({ url: database, poolSize: 4, ...options });
  urls.set(store, database);
  open.push(store);
  return store;
}

/** A connection of the test's own, to see what is in the database rather than what the store holds. */
async function inDatabase<T>(store: PostgresStore, query: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urls.get(store) });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

describeStoreContract<PostgresStore>({
  name: 'PostgresStore',
  open: (options) => openStore(undefined, options),
  reopen: (store) => openStore(urls.get(store)),
  flushCheckIns: (store) => store.flushCheckIns(),
  checkedInOnDisk: (store) =>
    inDatabase(store, async (c) => (await c.query('SELECT checked_in_at AS at, host_timestamp AS ts, agent_version AS version FROM hosts')).rows[0]),
  infraEnvRow: (store, id) => inDatabase(store, async (c) => (await c.query('SELECT * FROM infra_envs WHERE id = $1', [id])).rows[0]),
  countRows: (store, table) => inDatabase(store, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)),
});
