import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from '../../../test/support/postgres.js';
import type { Change } from '../live/change-feed.js';
import { CHANGES_CHANNEL, PostgresCoordination } from './postgres-coordination.js';

const pgCluster = usePostgres();
const quiet = { info() {}, warn() {} };
const open: PostgresCoordination[] = [];

async function replica(leaseRetryMs = 150): Promise<PostgresCoordination> {
  const coordination = new PostgresCoordination({ client: { connectionString: pgCluster.cluster.url() }, log: quiet, leaseRetryMs });
  await coordination.start();
  open.push(coordination);
  return coordination;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Ends a replica's coordination session from the server side, as a crash or a network cut would. */
async function cutSession(coordination: PostgresCoordination): Promise<void> {
  const killed = await pgCluster.cluster.psql(
    `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'inband coordination ${coordination.replicaId.slice(0, 8)}'`,
  );
  expect(killed).toBe('1');
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('PostgresCoordination', () => {
  it('delivers a change to the other replicas as remote and to the announcer once, as local', async () => {
    const [a, b] = [await replica(), await replica()];
    const seenByA: [Change, string][] = [];
    const seenByB: [Change, string][] = [];
    a.subscribe((change, origin) => seenByA.push([change, origin]));
    b.subscribe((change, origin) => seenByB.push([change, origin]));
    const change: Change = { kind: 'host', infraEnvId: 'e1', hostId: 'h1', status: 'known', statusInfo: 'Host is ready', updatedAt: '2026-12-03T14:00:00.000Z' };
    a.publish(change);
    await until(() => seenByB.length === 1);
    expect(seenByB).toEqual([[change, 'remote']]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seenByA).toEqual([[change, 'local']]);
  });

  it('ignores notifications that are not changes', async () => {
    const b = await replica();
    const seen: Change[] = [];
    b.subscribe((change) => seen.push(change));
    const origin = '"origin":"another-replica"';
    for (const payload of [
      'not json',
      `{${origin},"change":{"kind":"host","infraEnvId":"e","hostId":"h"}}`,
      `{${origin},"change":{"kind":"host","infraEnvId":"e","hostId":"h","status":"rooted","statusInfo":"","updatedAt":"t"}}`,
      `{${origin},"change":{"kind":"drop-tables"}}`,
      `{${origin},"change":{"kind":"infra-env","infraEnvId":"${'x'.repeat(100)}"}}`,
      `{${origin},"change":{"kind":"event","event":{"name":"n","severity":"info","message":5,"eventTime":"t"}}}`,
      `{"change":{"kind":"infra-env","infraEnvId":"no-origin"}}`,
    ]) {
      await pgCluster.cluster.psql(`SELECT pg_notify('${CHANGES_CHANNEL}', '${payload}')`);
    }
    await pgCluster.cluster.psql(`SELECT pg_notify('${CHANGES_CHANNEL}', '{${origin},"change":{"kind":"infra-env","infraEnvId":"e9"}}')`);
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ kind: 'infra-env', infraEnvId: 'e9' }]);
  });

  it('runs leased work on exactly one replica, and moves it when the holder loses its session', async () => {
    const replicas = [await replica(), await replica(), await replica()];
    const runs = new Map<string, number>();
    const work = replicas.map((r) =>
      r.runLeased('host-monitor', 50, async () => {
        runs.set(r.replicaId, (runs.get(r.replicaId) ?? 0) + 1);
      }),
    );
    await until(() => work.some((w) => w.held) && [...runs.values()].some((n) => n >= 3));
    expect(work.filter((w) => w.held)).toHaveLength(1);
    expect(runs.size).toBe(1);
    const holder = replicas[work.findIndex((w) => w.held)] as PostgresCoordination;

    await cutSession(holder);
    const cutAt = Date.now();
    await until(() => work.some((w, i) => w.held && replicas[i] !== holder));
    const tookOverMs = Date.now() - cutAt;
    expect(tookOverMs).toBeLessThan(3_000);
    // The old holder reconnects, and must not take the lease back while the new one holds it.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(work.filter((w) => w.held)).toHaveLength(1);
    expect(work[replicas.indexOf(holder)]?.held).toBe(false);
  });

  it('tells its listeners to resync after it lost and regained the connection', async () => {
    const a = await replica();
    const b = await replica();
    const seen: Change[] = [];
    const seenByB: Change[] = [];
    a.subscribe((change) => seen.push(change));
    b.subscribe((change) => seenByB.push(change));
    await cutSession(a);
    await until(() => seen.some((c) => c.kind === 'resync'));
    // B is told too: what A announced while cut off never reached it.
    await until(() => seenByB.some((c) => c.kind === 'resync'));
    // And it listens again: a change from B arrives.
    b.publish({ kind: 'event', event: { name: 'host_registration_succeeded', severity: 'info', message: 'm', eventTime: '2026-12-03T14:00:00.000Z', infraEnvId: 'e2' } });
    await until(() => seen.some((c) => c.kind === 'event'));
  });
});
