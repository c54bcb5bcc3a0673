/**
 * `inband serve --database-url postgres://…` from the packaged binary, on a throwaway PostgreSQL
 * cluster: the packaged agent registers and reports through it, what it reports is in the
 * database (not in the data dir), a replica started later on another data dir sees it all, and a
 * URL that is not PostgreSQL's is refused before anything starts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/temp-dir.js';
import { startAgent, stopAllAgents } from './support/agent.js';
import { BINARY } from './support/build.js';
import { freePort } from './support/free-port.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const TOKEN = 'subsystem-pg-operator-token';
const pgSupport = usePostgres();

afterAll(async () => {
  await stopAllAgents();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BINARY, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function startServe(databaseUrl: string, via: 'flag' | 'env') {
  const port = await freePort();
  const dataDir = tempDir('serve-pg-data');
  // The agent runs on the machine's own network: one poll an hour keeps it to the discovering
  // host's steps (inventory), never free-network-addresses or connectivity scans.
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--agent-binary', '/usr/bin/true', '--poll-interval', '3600', '--with-stdout-logging=false'];
  const serve = startAgent(via === 'flag' ? [...args, '--database-url', databaseUrl, '--database-pool', '3'] : args, via === 'env' ? { INBAND_DATABASE_URL: databaseUrl } : {});
  await serve.waitForOutput('stderr', /serving on http:\/\/127\.0\.0\.1/, 30_000);
  return { serve, dataDir, server: `http://127.0.0.1:${port}`, ops: ['--server', `http://127.0.0.1:${port}`, '--token', TOKEN] };
}

describe('inband serve on PostgreSQL', () => {
  it('discovers this host through a PostgreSQL-backed serve; a second serve on another data dir sees the same hosts', async () => {
    const databaseUrl = await pgSupport.cluster.createDatabase('serve');
    const a = await startServe(databaseUrl, 'flag');
    expect(a.serve.stderr).toContain(`(data in ${databaseUrl})`);
    const created = await cli(['infra-env', 'create', '--name', 'pg-subsystem', ...a.ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };

    const agent = startAgent(['agent', '--url', a.server, '--infra-env-id', infraEnv.id, '--interval', '1', '--with-journal-logging=false', '--with-stdout-logging=true'], {
      PULL_SECRET_TOKEN: infraEnv.agent_token,
    });
    type Host = { id: string; status: string; inventory?: string };
    const host = await waitFor<Host>(
      'the host to be discovered through the PostgreSQL-backed service',
      async () => {
        const listed = JSON.parse((await cli(['hosts', 'list', ...a.ops, '--json'])).stdout) as Host[];
        return listed.find((h) => h.status === 'known' || h.status === 'insufficient');
      },
      60_000,
      () => `${agent.describe()}\n--- serve ---\n${a.serve.describe()}`,
    );
    await agent.stop();

    // The truth is in PostgreSQL: the host, its inventory step result and its events; the data dir holds no database.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const hosts = await client.query<{ id: string; status: string; record: string }>('SELECT id, status, record FROM hosts');
      expect(hosts.rows.map((r) => r.id)).toEqual([host.id]);
      expect(JSON.parse(hosts.rows[0]!.record).inventory).toBe(host.inventory);
      const steps = await client.query<{ step_type: string }>('SELECT DISTINCT step_type FROM step_results WHERE host_id = $1', [host.id]);
      expect(steps.rows.map((r) => r.step_type)).toContain('inventory');
      const events = await client.query<{ message: string }>('SELECT message FROM events WHERE host_id = $1 ORDER BY seq', [host.id]);
      expect(events.rows.map((r) => r.message).join('\n')).toMatch(/successfully registered[\s\S]*updated status from discovering to (known|insufficient)/);
    } finally {
      await client.end();
    }
    expect(existsSync(path.join(a.dataDir, 'inband.db'))).toBe(false);

    // Another serve, another data dir, the URL from the environment: the same infra-env and host.
    const b = await startServe(databaseUrl, 'env');
    const seenByB = JSON.parse((await cli(['hosts', 'list', ...b.ops, '--json'])).stdout) as Host[];
    expect(seenByB.map((h) => [h.id, h.status])).toEqual([[host.id, host.status]]);
    const envs = JSON.parse((await cli(['infra-env', 'list', ...b.ops, '--json'])).stdout) as { id: string }[];
    expect(envs.map((e) => e.id)).toEqual([infraEnv.id]);
    await b.serve.stop();
    await a.serve.stop();
  });

  it('moves a site: serve migrate-store copies an embedded data dir into PostgreSQL once, refuses a non-empty target without --force, and serve on it has the records', async () => {
    const dataDir = tempDir('serve-sqlite-site');
    const port = await freePort();
    const sqlite = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--agent-binary', '/usr/bin/true', '--with-stdout-logging=false']);
    await sqlite.waitForOutput('stderr', /serving on/, 30_000);
    const ops = ['--server', `http://127.0.0.1:${port}`, '--token', TOKEN];
    const infraEnv = JSON.parse((await cli(['infra-env', 'create', '--name', 'moving', ...ops, '--json'])).stdout) as { id: string; agent_token: string };
    const hostId = '7d1c8a52-0c4e-4b8e-9f3a-1d2e3f4a5b6c';
    const registered = await fetch(`http://127.0.0.1:${port}/api/assisted-install/v2/infra-envs/${infraEnv.id}/hosts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-secret-key': infraEnv.agent_token },
      body: JSON.stringify({ host_id: hostId, discovery_agent_version: 'quay.io/edge-infrastructure/assisted-installer-agent:latest' }),
    });
    expect(registered.status).toBe(201);
    await sqlite.stop();

    const databaseUrl = await pgSupport.cluster.createDatabase('moved');
    const moved = await cli(['serve', 'migrate-store', '--from', dataDir, '--to', databaseUrl]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('infra-envs: 1 copied of 1');
    expect(moved.stderr).toContain('copied 1 infra-envs, 1 hosts, 0 step results, 2 events, 0 logs archives');
    const again = await cli(['serve', 'migrate-store', '--from', dataDir, '--to', databaseUrl]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the target store is not empty (1 infra-envs, 1 hosts); pass --force');
    const forced = await cli(['serve', 'migrate-store', '--from', dataDir, '--to', databaseUrl, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('copied 0 infra-envs, 0 hosts, 0 step results, 0 events, 0 logs archives');

    const onPg = await startServe(databaseUrl, 'flag');
    const hosts = JSON.parse((await cli(['hosts', 'list', ...onPg.ops, '--json'])).stdout) as { id: string }[];
    expect(hosts.map((h) => h.id)).toEqual([hostId]);
    await onPg.serve.stop();
  });

  it('refuses a URL that is not PostgreSQL\'s, and an unreachable database, before serving', async () => {
    const dataDir = tempDir('serve-pg-bad');
    const port = await freePort();
    const bad = await cli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--database-url', 'mysql://root:s3cret@db/inband']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--database-url must be a postgres:// URL, got a mysql: URL');
    expect(bad.stderr).not.toContain('s3cret');

    const closedPort = await freePort();
    const unreachable = await cli(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--database-url', `postgres://inband:s3cret@127.0.0.1:${closedPort}/inband`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot open the PostgreSQL store: the database is unavailable: connect ECONNREFUSED/);
    expect(unreachable.stderr).not.toContain('s3cret');
  });
});
