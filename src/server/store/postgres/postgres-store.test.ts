import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCluster, usePostgres } from '../../../../test/support/postgres.js';
import { tempDir } from '../../../../test/support/temp-dir.js';
import { aHost, anEvent, anInfraEnv, aStepResult, anInventory } from '../store-fixtures.js';
import { describeStoreContract } from '../store-contract.js';
import { StoreUnavailableError } from '../store.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
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
  storedOutputBytes: (store) => inDatabase(store, async (c) => Number((await c.query('SELECT coalesce(sum(length(output)), 0) AS n FROM step_results')).rows[0].n)),
  archiveBytes: (store) => inDatabase(store, async (c) => Number((await c.query('SELECT coalesce(sum(length(data)), 0) AS n FROM log_chunks')).rows[0].n)),
  countRows: (store, table) => inDatabase(store, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)),
});

describe('PostgresStore: migrations', () => {
  let childBundle: string;
  beforeAll(async () => {
    childBundle = path.join(tempDir('pg-migrate-child'), 'child.cjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'pg-migrate.child.ts')],
      outfile: childBundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['pg-native'],
      logLevel: 'warning',
    });
  });

  function migrateInChild(url: string): { go(): void; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
    const child = spawn(process.execPath, [childBundle, url], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return { go: () => child.stdin.end('go\n'), done };
  }

  it('three processes migrating one new database at once apply each step exactly once', async () => {
    const url = await pgSupport.cluster.createDatabase('migrate3');
    const children = [migrateInChild(url), migrateInChild(url), migrateInChild(url)];
    // Let all three connect-ready processes start, then release them together.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const child of children) child.go();
    const results = await Promise.all(children.map((c) => c.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const outcomes = results.map((r) => JSON.parse(r.stdout) as { from: number; to: number; applied: number[] });
    const latest = PG_MIGRATIONS.at(-1)!.version;
    expect(outcomes.every((o) => o.to === latest)).toBe(true);
    // One of them applied every step, the others found the schema current after waiting for the lock.
    expect(outcomes.map((o) => o.applied.length).sort()).toEqual([0, 0, PG_MIGRATIONS.length]);
    expect(outcomes.filter((o) => o.from === 0)).toHaveLength(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version FROM inband_schema ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
  });

  it('refuses a database a newer inband migrated, saying so', async () => {
    const store = await openStore();
    await inDatabase(store, (c) => c.query("INSERT INTO inband_schema (version, description) VALUES (99, 'from the future')"));
    const error = await PostgresStore.open({ url: urls.get(store)! }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/schema version 99, but this inband knows versions up to \d+: it was written by a newer inband/);
  });
});

describe('PostgresStore: round trips', () => {
  it('a step reply is one statement, an updateHost on a record the store handed out is one, a check-in none until the flush', async () => {
    const store = await openStore(undefined, { checkInFlushMs: 60_000 });
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    const host = (await store.getHost('e1', 'h1'))!;

    let before = store.stats().statements;
    await store.saveStepReply(aStepResult(host, 'inventory-1', { output: anInventory() }), { ...host, inventory: anInventory() });
    expect(store.stats().statements - before).toBe(1);

    const cached = (await store.getHost('e1', 'h1'))!;
    before = store.stats().statements;
    await store.updateHost('e1', 'h1', (current) => ({ host: { ...current, status: 'known' }, stepResult: aStepResult(current, 'inventory-2') }), { assumed: cached });
    expect(store.stats().statements - before).toBe(1);

    before = store.stats().statements;
    for (let i = 0; i < 100; i++) await store.recordCheckIn('e1', 'h1', { at: `2025-01-01T00:02:${String(i % 60).padStart(2, '0')}.000Z` });
    expect(store.stats().statements - before).toBe(0);
    await store.flushCheckIns();
    expect(store.stats().statements - before).toBe(1);
  });
});

describe('PostgresStore: group commit of host writes', () => {
  it('concurrent updates of many hosts share statements, and each keeps its own version check and step result', async () => {
    const store = await openStore(undefined, { poolSize: 2, keepStepResultsPerType: 2 });
    await store.createInfraEnv(anInfraEnv('e1'));
    const ids = Array.from({ length: 60 }, (_, i) => `h${String(i).padStart(2, '0')}`);
    for (const id of ids) await store.putHost(aHost('e1', id));
    const before = store.stats().statements;
    for (let round = 1; round <= 3; round++) {
      await Promise.all(
        ids.map((id) =>
          store.updateHost('e1', id, (current) => ({
            host: { ...current, status: 'known', requestedHostname: `${id}-r${round}` },
            stepResult: aStepResult(current, `inventory-${id}-${round}`, { output: anInventory(2_000) }),
          })),
        ),
      );
    }
    // 180 writes (and their 180 reads of the host): one statement per write would be 360.
    expect(store.stats().statements - before).toBeLessThan(240);
    for (const id of ids) {
      expect((await store.getHost('e1', id))?.requestedHostname).toBe(`${id}-r3`);
      // Two results kept per type: rounds 2 and 3, pruned within the batched statement.
      expect((await store.listStepResults('e1', id)).map((r) => r.stepId)).toEqual([`inventory-${id}-2`, `inventory-${id}-3`]);
    }
    const versions = await inDatabase(store, async (c) => (await c.query('SELECT DISTINCT version FROM hosts')).rows.map((r) => Number(r.version)));
    expect(versions).toEqual([4]);
  });

  it('batches and check-in flushes of two replicas over the same hosts never deadlock', async () => {
    const database = await pgSupport.cluster.createDatabase('deadlock');
    // Plans as on a large table (index lookups in the order of the batch's rows), where locking in
    // join order would follow each batch's own order.
    await pgSupport.cluster.psql(`ALTER DATABASE "${new URL(database).pathname.slice(1)}" SET enable_seqscan = off`);
    await pgSupport.cluster.psql(`ALTER DATABASE "${new URL(database).pathname.slice(1)}" SET enable_hashjoin = off`);
    await pgSupport.cluster.psql(`ALTER DATABASE "${new URL(database).pathname.slice(1)}" SET enable_mergejoin = off`);
    const a = await openStore(database, { poolSize: 4, checkInFlushMs: 60_000 });
    const b = await openStore(database, { poolSize: 4, checkInFlushMs: 60_000 });
    await a.createInfraEnv(anInfraEnv('e1'));
    const ids = Array.from({ length: 200 }, (_, i) => `h${String(i).padStart(3, '0')}`);
    for (const id of ids) await a.putHost(aHost('e1', id));
    const shuffled = (list: string[]) => [...list].sort(() => Math.random() - 0.5);
    const bump = (store: PostgresStore, order: string[], tag: string) =>
      Promise.all(order.map((id) => store.updateHost('e1', id, (current) => ({ host: { ...current, statusInfo: `${tag} ${current.statusInfo}`.slice(0, 200) } }))));
    for (let round = 0; round < 8; round++) {
      for (const id of ids) b.recordCheckIn('e1', id, { at: `2025-01-01T00:01:${String(round).padStart(2, '0')}.000Z` });
      // Opposite orders at once, with a multi-row check-in update among them: with rows locked in
      // join order these deadlock within a few rounds.
      await Promise.all([bump(a, shuffled(ids), 'a'), bump(b, shuffled(ids).reverse(), 'b'), b.flushCheckIns()]);
    }
    const hosts = await a.listHosts('e1');
    // Every one of the 16 updates of every host arrived (none lost to a conflict or a deadlock).
    expect(hosts.map((h) => h.statusInfo.split(' ').filter((w) => w === 'a' || w === 'b').length)).toEqual(ids.map(() => 16));
  }, 60_000);

  it('a write the database refuses fails alone; the writes batched with it commit', async () => {
    const store = await openStore(undefined, { poolSize: 2 });
    // A rule of the database's own that one reply's output breaks.
    await inDatabase(store, (c) => c.query("ALTER TABLE step_results ADD CONSTRAINT no_poison CHECK (output <> 'poison')"));
    await store.createInfraEnv(anInfraEnv('e1'));
    const ids = Array.from({ length: 20 }, (_, i) => `h${i}`);
    for (const id of ids) await store.putHost(aHost('e1', id));
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        store.updateHost('e1', id, (current) => ({
          host: { ...current, status: 'known' },
          stepResult: aStepResult(current, `s-${id}`, { stepType: 'free-network-addresses', output: i === 7 ? 'poison' : 'ok' }),
        })),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[7]!.status).toBe('rejected');
    for (const [i, id] of ids.entries()) {
      expect((await store.getHost('e1', id))?.status).toBe(i === 7 ? 'discovering' : 'known');
      expect((await store.listStepResults('e1', id)).map((r) => r.output)).toEqual(i === 7 ? [] : ['ok']);
    }
  });
});

describe('PostgresStore: TLS', () => {
  const tlsCluster: { cluster?: PostgresCluster } = {};
  beforeAll(async () => {
    // Also on 127.0.0.2 (loopback too), a name the certificate does not carry.
    tlsCluster.cluster = await PostgresCluster.start({ tls: true, settings: { listen_addresses: "'127.0.0.1,127.0.0.2'" } });
  }, 120_000);
  afterAll(async () => {
    await tlsCluster.cluster?.destroy();
  });

  async function sslInUse(store: PostgresStore): Promise<boolean> {
    const { rows } = await (store as unknown as { pool: pg.Pool }).pool.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0].ssl as boolean;
  }

  it('verify-full with the server CA as sslrootcert connects over TLS; the wrong host name or no CA is refused', async () => {
    const cluster = tlsCluster.cluster!;
    const base = await cluster.createDatabase('tls');
    const verified = await openStore(`${base}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cluster.caFile!)}`);
    expect(await sslInUse(verified)).toBe(true);

    // The certificate names 127.0.0.1 and localhost; "127.0.0.2" reaches the same server under another name.
    const otherName = base.replace('127.0.0.1', '127.0.0.2');
    await expect(PostgresStore.open({ url: `${otherName}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cluster.caFile!)}` })).rejects.toThrow(/IP: 127\.0\.0\.2 is not in the cert's list/);
    // verify-ca accepts the other name: only the chain is checked.
    expect(await sslInUse(await openStore(`${otherName}?sslmode=verify-ca&sslrootcert=${encodeURIComponent(cluster.caFile!)}`))).toBe(true);
    // Without the CA the self-signed certificate is not trusted.
    await expect(PostgresStore.open({ url: `${base}?sslmode=verify-full` })).rejects.toThrow(/self-signed certificate/);
  });

  it('require encrypts without verifying; prefer uses TLS where offered and plain where not; disable never', async () => {
    const tls = tlsCluster.cluster!;
    expect(await sslInUse(await openStore(`${await tls.createDatabase('req')}?sslmode=require`))).toBe(true);
    expect(await sslInUse(await openStore(`${await tls.createDatabase('pref')}?sslmode=prefer`))).toBe(true);
    expect(await sslInUse(await openStore(`${await tls.createDatabase('dis')}?sslmode=disable`))).toBe(false);
    // The main test cluster has no TLS: prefer (the default) falls back, require fails.
    const plainDb = await pgSupport.cluster.createDatabase('plain');
    expect(await sslInUse(await openStore(plainDb))).toBe(false);
    await expect(PostgresStore.open({ url: `${plainDb}?sslmode=require` })).rejects.toThrow(/does not support SSL/);
  });
});

describe('PostgresStore: what PostgreSQL text cannot hold', () => {
  it('keeps outputs, errors and events with NUL characters (as U+FFFD) and exit codes beyond 32 bits', async () => {
    const store = await openStore();
    await store.createInfraEnv(anInfraEnv('e1'));
    await store.putHost(aHost('e1', 'h1'));
    await store.updateHost('e1', 'h1', (current) => ({
      host: { ...current, status: 'known' },
      stepResult: aStepResult(current, 's1', { stepType: 'free-network-addresses', output: 'a\u0000b', error: '\u0000', exitCode: 2 ** 40 }),
    }));
    const [result] = await store.listStepResults('e1', 'h1');
    expect(result).toMatchObject({ output: 'a\ufffdb', error: '\ufffd', exitCode: 2 ** 40 });
    await store.addEvent(anEvent({ infraEnvId: 'e1', hostId: 'h1', message: 'host \u0000 named', props: '{"x":"\u0000"}' }));
    const events = await store.listEvents({ hostId: 'h1' });
    expect(events.at(-1)).toMatchObject({ message: 'host \ufffd named', props: '{"x":"\ufffd"}' });
  });
});

describe('PostgresStore: unix socket', () => {
  it('connects through the server\'s socket directory (host=/dir), without TLS, as libpq does', async () => {
    const cluster = pgSupport.cluster;
    const tcp = await cluster.createDatabase('socket');
    const store = await openStore(`${tcp}?host=${encodeURIComponent(cluster.dir)}`);
    expect(store.connection.ssl).toBe(false);
    const { rows } = await (store as unknown as { pool: pg.Pool }).pool.query('SELECT client_addr FROM pg_stat_activity WHERE pid = pg_backend_pid()');
    // A unix-socket session has no client address.
    expect(rows[0].client_addr).toBeNull();
  });
});

describe('PostgresStore: the database going away', () => {
  it('fails calls with StoreUnavailableError while the server is down, and works again once it is back, by itself', async () => {
    const cluster = await PostgresCluster.start();
    try {
      const store = await openStore(await cluster.createDatabase('outage'), { connectTimeoutMs: 1000 });
      await store.createInfraEnv(anInfraEnv('e1'));
      await store.putHost(aHost('e1', 'h1'));
      await cluster.stopServer('fast');

      const down = await store.getHost('e1', 'h1').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(StoreUnavailableError);
      expect(await store.putHost(aHost('e1', 'h2')).catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError);

      await cluster.startServer();
      await expect.poll(async () => (await store.getHost('e1', 'h1').catch(() => undefined))?.id, { timeout: 15_000 }).toBe('h1');
      await store.putHost(aHost('e1', 'h2'));
      expect(await store.countHosts()).toBe(2);
    } finally {
      await cluster.destroy();
    }
  });
});
