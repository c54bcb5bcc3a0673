/**
 * The service app on the PostgreSQL store: the agent's flow end to end through inject(), the
 * database round trips a poll and an inventory reply cost, and what clients get while the
 * database is away (503, never a 500 or a stack) and after it is back.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresCluster, usePostgres } from '../../test/support/postgres.js';
import { admin, api, HOST, startTestApp } from './app-test-support.js';
import type { PostgresStore } from './store/postgres/postgres-store.js';

const pgSupport = usePostgres();
const ROOT = path.resolve(import.meta.dirname, '../..');
const inventory = readFileSync(path.join(ROOT, 'test/fixtures/hosts/vm-virtio/expected-inventory.json'), 'utf8');

function multipart(content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----inband-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="logs.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('serve on PostgreSQL', () => {
  it('keeps logs archives in the database: uploaded through one service, downloaded through another; over the cap refused with nothing kept', async () => {
    const databaseUrl = await pgSupport.cluster.createDatabase('logs');
    const a = await startTestApp({ databaseUrl, maxLogBytes: 4 * 1024 * 1024 });
    const ie = await a.createInfraEnv();
    expect((await a.register(ie)).statusCode).toBe(201);
    // A second service on the same database, with a data dir of its own: another replica.
    const b = await startTestApp({ databaseUrl });

    const archive = Buffer.alloc(2 * 1024 * 1024 + 777);
    for (let i = 0; i < archive.length; i++) archive[i] = (i * 31) % 256;
    const { payload, headers } = multipart(archive);
    const uploadUrl = api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`);
    const upload = await a.inject({ method: 'POST', url: uploadUrl, headers: { ...headers, 'x-secret-key': ie.agent_token }, payload });
    expect(upload.statusCode, upload.body).toBe(204);

    const download = await b.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs`), headers: admin });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-length']).toBe(String(archive.length));
    expect(download.rawPayload.equals(archive)).toBe(true);
    expect(existsSync(path.join(a.dataDir, 'logs'))).toBe(false);

    // In chunks of at most 1 MiB, and only this archive's.
    const store = a.service.store as PostgresStore;
    const chunks = await (store as unknown as { pool: { query(sql: string): Promise<{ rows: Array<{ n: string; largest: number }> }> } }).pool.query(
      'SELECT count(*) AS n, max(length(data)) AS largest FROM log_chunks',
    );
    expect(chunks.rows[0]).toEqual({ n: '3', largest: 1024 * 1024 });

    const tooBig = multipart(Buffer.alloc(4 * 1024 * 1024 + 1, 7));
    const refused = await a.inject({ method: 'POST', url: uploadUrl, headers: { ...tooBig.headers, 'x-secret-key': ie.agent_token }, payload: tooBig.payload });
    expect(refused.statusCode).toBe(413);
    const after = await (store as unknown as { pool: { query(sql: string): Promise<{ rows: Array<{ n: string }> }> } }).pool.query('SELECT count(*) AS n FROM log_chunks');
    expect(after.rows[0]?.n).toBe('3');
    expect((await b.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs`), headers: admin })).rawPayload.equals(archive)).toBe(true);
  });

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
