import { describe, expect, it } from 'vitest';
import { PostgresCluster } from '../../../test/support/postgres.js';
import { startTestApp } from '../app-test-support.js';
import type { Store } from '../store/store.js';
import { ReadinessProbe } from './health.js';

describe('/healthz and /readyz on SQLite', () => {
  it('are unauthenticated; /readyz is 200 with the schema version once the store is open, and not cached', async () => {
    const t = await startTestApp();
    const health = await t.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await t.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    const body = ready.json();
    expect(body.status).toBe('ready');
    expect(body.schema_version).toBeGreaterThan(0);
  });

  it('is 503 with an error body once the store is closing', async () => {
    const t = await startTestApp();
    await t.service.store.close();
    const res = await t.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toEqual({ kind: 'Error', id: 503, href: '', code: '503', reason: 'the service cannot reach its database right now; try again shortly' });
  });
});

describe('ReadinessProbe', () => {
  it('concurrent checks share one store query, and a later wave makes a new one', async () => {
    const t = await startTestApp();
    const { store, calls } = countingStore(t.service.store);
    const probe = new ReadinessProbe(store, 1_000);
    const wave = await Promise.all(Array.from({ length: 200 }, () => probe.check()));
    expect(calls()).toBe(1);
    expect(wave.every((r) => r.ready)).toBe(true);
    await probe.check();
    expect(calls()).toBe(2);
  });

  it('a store that does not answer is not ready within the timeout, and the next check asks again', async () => {
    const t = await startTestApp();
    let hang = true;
    const real = t.service.store;
    const store = new Proxy(real, {
      get: (target, key, receiver) => (key === 'checkReady' && hang ? () => new Promise(() => undefined) : Reflect.get(target, key, receiver)),
    }) as Store;
    const probe = new ReadinessProbe(store, 150);
    const started = Date.now();
    expect(await probe.check()).toEqual({ ready: false, reason: 'the database did not answer within 150 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
    hang = false;
    expect((await probe.check()).ready).toBe(true);
  });
});

describe('/readyz on PostgreSQL', () => {
  it('200 while the database runs; 503 with an error body when it stops or its schema is not this build’s; 200 again by itself', async () => {
    const cluster = await PostgresCluster.start();
    try {
      const databaseUrl = await cluster.createDatabase('readyz');
      const t = await startTestApp({ databaseUrl, readinessTimeoutMs: 3_000 });
      const up = await t.inject({ method: 'GET', url: '/readyz' });
      expect(up.statusCode).toBe(200);
      const version: number = up.json().schema_version;
      expect(version).toBeGreaterThan(0);

      await cluster.stopServer('fast');
      const down = await t.inject({ method: 'GET', url: '/readyz' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toEqual({ kind: 'Error', id: 503, href: '', code: '503', reason: 'the service cannot reach its database right now; try again shortly' });
      expect(down.body).not.toMatch(/ECONNREFUSED|\.ts:\d+/);
      // The process itself is still up: the balancer's liveness check passes.
      expect((await t.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      await cluster.startServer();
      await expect.poll(async () => (await t.inject({ method: 'GET', url: '/readyz' })).statusCode, { timeout: 15_000, interval: 200 }).toBe(200);

      // A database another build left at an older version (its last step undone by hand here).
      const database = new URL(databaseUrl).pathname.slice(1);
      await cluster.psql(`DELETE FROM inband_schema WHERE version = ${version}`, database);
      const behind = await t.inject({ method: 'GET', url: '/readyz' });
      expect(behind.statusCode).toBe(503);
      expect(behind.json().reason).toBe(`the database has schema version ${version - 1}, this inband expects ${version}`);
      await t.close();
    } finally {
      await cluster.destroy();
    }
  });
});

function countingStore(real: Store): { store: Store; calls: () => number } {
  let count = 0;
  const store = new Proxy(real, {
    get: (target, key, receiver) => {
      if (key !== 'checkReady') return Reflect.get(target, key, receiver);
      return async () => {
        count += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return target.checkReady();
      };
    },
  }) as Store;
  return { store, calls: () => count };
}
