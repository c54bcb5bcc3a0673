/**
 * The service app on the PostgreSQL store: the agent's flow end to end through inject(), the
 * database round trips a poll and an inventory reply cost, and what clients get while the
 * database is away (503, never a 500 or a stack) and after it is back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresCluster, usePostgres } from '../../test/support/postgres.js';
import { admin, api, HOST, startTestApp } from './app-test-support.js';
import type { PostgresStore } from './store/postgres/postgres-store.js';

const pgSupport = usePostgres();
const ROOT = path.resolve(import.meta.dirname, '../..');
const inventory = readFileSync(path.join(ROOT, 'test/fixtures/hosts/vm-virtio/expected-inventory.json'), 'utf8');

describe('serve on PostgreSQL', () => {
  it('registers, polls and takes an inventory reply; a poll costs no round trip, an inventory reply one', async () => {
    const t = await startTestApp({ databaseUrl: await pgSupport.cluster.createDatabase('app') });
    const store = t.service.store as PostgresStore;
    const ie = await t.createInfraEnv();
    expect((await t.register(ie)).statusCode).toBe(201);

    let before = store.stats().statements;
    const polled = await t.poll(ie);
    expect(polled.statusCode).toBe(200);
    const pollStatements = store.stats().statements - before;
    const inventoryStep = polled.json().instructions.find((s: { step_type: string }) => s.step_type === 'inventory');
    expect(inventoryStep).toBeDefined();

    before = store.stats().statements;
    expect((await t.reply(ie, { step_id: inventoryStep.step_id, step_type: 'inventory', output: inventory })).statusCode).toBe(204);
    const replyStatements = store.stats().statements - before;
    // Heartbeats are buffered and the host comes from the service's cache: nothing per poll. The
    // reply is the host write, the step result and its pruning in one statement; a status change
    // adds an event insert.
    expect(pollStatements).toBe(0);
    expect(replyStatements).toBeGreaterThanOrEqual(1);
    expect(replyStatements).toBeLessThanOrEqual(2);
    console.log(`round trips on PostgreSQL: poll ${pollStatements}, inventory reply ${replyStatements}`);

    const host = await t.host(ie);
    expect(JSON.parse(host.inventory).hostname).toBe(JSON.parse(inventory).hostname);
    const results = await t.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin });
    expect(results.statusCode).toBe(200);
  });

  it('answers 503 with an error body while the database is down, and recovers by itself when it is back', async () => {
    const cluster = await PostgresCluster.start();
    try {
      const t = await startTestApp({ databaseUrl: await cluster.createDatabase('outage') });
      const ie = await t.createInfraEnv();
      expect((await t.register(ie)).statusCode).toBe(201);
      const step = (await t.poll(ie)).json().instructions[0];
      await cluster.stopServer('fast');

      const down = await t.reply(ie, { step_id: step.step_id, step_type: step.step_type, output: inventory });
      expect(down.statusCode).toBe(503);
      expect(down.headers['retry-after']).toBe('2');
      expect(down.json()).toEqual({ code: '503', href: '', id: 503, kind: 'Error', reason: 'the service cannot reach its database right now; try again shortly' });
      expect(down.body).not.toMatch(/at .*\.ts:\d+|ECONNREFUSED|stack/);
      const events = await t.inject({ method: 'GET', url: api(`/v2/events?infra_env_id=${ie.id}`), headers: admin });
      expect(events.statusCode).toBe(503);

      await cluster.startServer();
      await expect
        .poll(async () => (await t.reply(ie, { step_id: step.step_id, step_type: step.step_type, output: inventory })).statusCode, { timeout: 15_000, interval: 200 })
        .toBe(204);
      expect(JSON.parse((await t.host(ie)).inventory).hostname).toBe(JSON.parse(inventory).hostname);
      // Closed while its database still runs: close() writes the buffered check-ins.
      await t.close();
    } finally {
      await cluster.destroy();
    }
  });
});
