import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from '../../../test/support/postgres.js';
import { tempDir } from '../../../test/support/temp-dir.js';
import type { Store } from './store.js';
import { migrateStore, TargetNotEmptyError } from './migrate-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { aHost, anEvent, anInfraEnv, anInventory, aStepResult } from './store-fixtures.js';

const pgSupport = usePostgres();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function populatedSqlite(): Promise<SqliteStore> {
  const store = await SqliteStore.open(tempDir('migrate-from'));
  open.push(store);
  await store.createInfraEnv(anInfraEnv('e1', { agentTokenRotatedAt: '2025-02-01T00:00:00.000Z' }));
  await store.createInfraEnv(anInfraEnv('e2', { createdAt: '2025-03-01T00:00:00.000Z', downloadTokenExpiresAt: '2026-01-01T00:00:00.000Z' }));
  for (const [env, id] of [['e1', 'h1'], ['e1', 'h2'], ['e2', 'h1']] as const) {
    const inventory = anInventory(5_000);
    const host = aHost(env, id, { status: 'known', inventory, timestamp: 1_700_000_000, discoveryAgentVersion: 'v1', stepErrors: { 'ntp-synchronizer': 'x' } });
    await store.saveStepReply(aStepResult(host, `inventory-${id}`, { output: inventory }), host);
    await store.saveStepReply(aStepResult(host, `ntp-${id}`, { stepType: 'ntp-synchronizer', exitCode: 255, output: '', error: 'chronyc failed' }), host);
    await store.addEvent(anEvent({ infraEnvId: env, hostId: id, message: `registered ${env}/${id}` }));
  }
  await store.addEvent(anEvent({ message: 'an event of no infra-env' }));
  const archive = await store.beginLogArchive('e1', 'h1');
  await pipeline(Readable.from([Buffer.alloc(1_500_000, 3), Buffer.alloc(600_000, 9)]), archive.sink);
  const { path, sizeBytes } = await archive.complete();
  await store.saveLogs({ infraEnvId: 'e1', hostId: 'h1', path, sizeBytes, uploadedAt: '2025-01-01T00:05:00.000Z' }, (await store.getHost('e1', 'h1'))!);
  await archive.discard();
  return store;
}

/** Everything a store shows, as the service reads it (event seqs and archive paths differ by engine). */
async function contents(store: Store) {
  const hosts = await store.listAllHosts();
  const perHost = [];
  for (const host of hosts) {
    const logs = await store.getLogs(host.infraEnvId, host.id);
    let archive: string | undefined;
    if (logs) {
      const hash = createHash('sha256');
      for await (const chunk of await store.openLogArchive(logs)) hash.update(chunk as Buffer);
      archive = hash.digest('hex');
    }
    perHost.push({ host, results: await store.listStepResults(host.infraEnvId, host.id), logs: logs && { sizeBytes: logs.sizeBytes, uploadedAt: logs.uploadedAt, archive } });
  }
  const events = (await store.listEvents({})).map(({ seq: _seq, ...e }) => e);
  return { infraEnvs: await store.listInfraEnvs(), perHost, events };
}

describe('migrateStore: the embedded store into PostgreSQL', () => {
  it('copies every infra-env, host, step result, event and logs archive; a second run copies and changes nothing', async () => {
    const from = await populatedSqlite();
    const url = await pgSupport.cluster.createDatabase('migrate');
    const to = await PostgresStore.open({ url });
    open.push(to);
    const lines: string[] = [];

    const first = await migrateStore(from, to, { progress: (line) => lines.push(line) });
    expect(first).toEqual({ infraEnvs: 2, hosts: 3, stepResults: 6, events: 4, logs: 1 });
    expect(lines).toEqual([
      'infra-envs: 2 copied of 2',
      'hosts: 3 of 3 (3 copied, 6 step results, 1 logs archives)',
      'events: 4 copied of 4',
    ]);
    const copied = await contents(to);
    expect(copied).toEqual(await contents(from));
    expect(copied.perHost[0]?.logs?.sizeBytes).toBe(2_100_000);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const snapshot = async () =>
      (await db.query("SELECT (SELECT json_agg(h ORDER BY infra_env_id, id) FROM hosts h)::text || (SELECT count(*) FROM step_results) || (SELECT count(*) FROM events) || (SELECT count(*) FROM log_chunks) AS s")).rows[0].s as string;
    try {
      const before = await snapshot();
      await expect(migrateStore(from, to)).rejects.toBeInstanceOf(TargetNotEmptyError);
      expect(await migrateStore(from, to, { force: true })).toEqual({ infraEnvs: 0, hosts: 0, stepResults: 0, events: 0, logs: 0 });
      expect(await snapshot()).toBe(before);
    } finally {
      await db.end();
    }
  });

  it('finishes a copy cut short and takes a token rotation made since, with --force', async () => {
    const from = await populatedSqlite();
    const to = await PostgresStore.open({ url: await pgSupport.cluster.createDatabase('migrate_resume') });
    open.push(to);
    // What a run stopped after the first infra-env and host left behind.
    await to.createInfraEnv((await from.getInfraEnv('e1'))!);
    await to.putHost((await from.getHost('e1', 'h1'))!);
    await from.updateInfraEnvTokens('e1', { agentToken: 'rotated', downloadToken: 'rotated-download' });

    const counts = await migrateStore(from, to, { force: true });
    expect(counts).toMatchObject({ infraEnvs: 2, hosts: 2, events: 4, logs: 1 });
    expect(await contents(to)).toEqual(await contents(from));
  });
});
