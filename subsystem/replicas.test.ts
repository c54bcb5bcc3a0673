/**
 * Several `inband serve --database-url` processes on one throwaway PostgreSQL behave as one
 * service: driven through real HTTP, each request to whichever replica, with replicas killed
 * outright (SIGKILL) and the database stopped under load.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { usePostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/temp-dir.js';
import { startAgent, type AgentProcess } from './support/agent.js';
import { freePort } from './support/free-port.js';
import { waitFor } from './support/wait.js';

const pg = usePostgres();
const TOKEN = 'replicas-operator-token';
const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

interface Replica {
  name: string;
  base: string;
  port: number;
  process: AgentProcess;
}

const running = new Set<AgentProcess>();
afterEach(async () => {
  await Promise.all([...running].map((p) => p.stop()));
  running.clear();
});

async function startReplica(databaseUrl: string, name: string, port?: number): Promise<Replica> {
  const listen = port ?? (await freePort());
  const serve = startAgent(['serve', '--listen', `127.0.0.1:${listen}`, '--data-dir', tempDir(`replica-${name}`), '--admin-token', TOKEN, '--database-url', databaseUrl]);
  running.add(serve);
  await serve.waitForOutput('stderr', /serving on/, 60_000);
  return { name, base: `http://127.0.0.1:${listen}/api/assisted-install`, port: listen, process: serve };
}

async function kill9(replica: Replica): Promise<void> {
  process.kill(replica.process.pid as number, 'SIGKILL');
  await replica.process.stop();
  running.delete(replica.process);
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${res.status}: ${text}`);
  }
}

async function createInfraEnv(replica: Replica, name: string): Promise<{ id: string; agent_token: string }> {
  const res = await fetch(`${replica.base}/v2/infra-envs`, { method: 'POST', headers: admin, body: JSON.stringify({ name }) });
  expect(res.status).toBe(201);
  return json(res);
}

function agentHeaders(infraEnv: { agent_token: string }) {
  return { 'x-secret-key': infraEnv.agent_token, 'content-type': 'application/json' };
}

async function register(replica: Replica, infraEnv: { id: string; agent_token: string }, hostId: string): Promise<number> {
  const res = await fetch(`${replica.base}/v2/infra-envs/${infraEnv.id}/hosts`, { method: 'POST', headers: agentHeaders(infraEnv), body: JSON.stringify({ host_id: hostId }) });
  await res.arrayBuffer();
  return res.status;
}

async function reply(replica: Replica, infraEnv: { id: string; agent_token: string }, hostId: string, body: object): Promise<number> {
  const res = await fetch(`${replica.base}/v2/infra-envs/${infraEnv.id}/hosts/${hostId}/instructions`, { method: 'POST', headers: agentHeaders(infraEnv), body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
}

function inventoryReply(hostname: string) {
  return { step_id: `inventory-${randomUUID().slice(0, 8)}`, step_type: 'inventory', exit_code: 0, output: JSON.stringify({ hostname, cpu: { count: 4 }, memory: { physical_bytes: 17179869184 } }) };
}

interface WireHost {
  id: string;
  status: string;
  inventory?: string;
  ntp_sources?: string;
}

async function host(replica: Replica, infraEnvId: string, hostId: string): Promise<WireHost | undefined> {
  const res = await fetch(`${replica.base}/v2/infra-envs/${infraEnvId}/hosts/${hostId}`, { headers: admin });
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return json(res);
}

const hostnameOf = (h: WireHost | undefined) => (JSON.parse(h?.inventory ?? '{}') as { hostname?: string }).hostname;

describe('replicas on one PostgreSQL', () => {
  it('register on A, poll on B, reply on C; an infra-env made on one is usable on another at once', async () => {
    const url = await pg.cluster.createDatabase('replicas_one');
    const [a, b, c] = await Promise.all([startReplica(url, 'a'), startReplica(url, 'b'), startReplica(url, 'c')]);
    const infraEnv = await createInfraEnv(a, 'rack-1');
    const hostId = randomUUID();
    // No pause: B has not necessarily heard of the infra-env yet, and must find it in the database.
    expect(await register(b, infraEnv, hostId)).toBe(201);
    const poll = await fetch(`${c.base}/v2/infra-envs/${infraEnv.id}/hosts/${hostId}/instructions`, { headers: agentHeaders(infraEnv) });
    expect(poll.status).toBe(200);
    const steps = await json<{ instructions: { step_type: string }[] }>(poll);
    expect(steps.instructions.map((s) => s.step_type)).toContain('inventory');
    expect(await reply(a, infraEnv, hostId, inventoryReply('node-1'))).toBe(204);
    for (const replica of [a, b, c]) {
      await waitFor(`${replica.name} shows the inventory sent through A`, async () => (hostnameOf(await host(replica, infraEnv.id, hostId)) === 'node-1' ? true : undefined), 5_000);
    }
    const events = await json<{ name: string }[]>(await fetch(`${c.base}/v2/events?infra_env_id=${infraEnv.id}`, { headers: admin }));
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(['infra_env_registered', 'host_registration_succeeded']));
    // A host deleted through C is gone from A's view too.
    expect((await fetch(`${c.base}/v2/infra-envs/${infraEnv.id}/hosts/${hostId}`, { method: 'DELETE', headers: admin })).status).toBe(204);
    await waitFor('A forgets the host C deleted', async () => ((await host(a, infraEnv.id, hostId)) === undefined ? true : undefined), 5_000);
  });

  it('concurrent replies for one host through two replicas: every reply has its effect', async () => {
    const url = await pg.cluster.createDatabase('replicas_concurrent');
    const [a, b] = await Promise.all([startReplica(url, 'a'), startReplica(url, 'b')]);
    const database = new URL(url).pathname.slice(1);
    const infraEnv = await createInfraEnv(a, 'rack-2');
    const hostId = randomUUID();
    expect(await register(a, infraEnv, hostId)).toBe(201);
    for (let round = 1; round <= 25; round++) {
      const ntp = { step_id: `ntp-${round}`, step_type: 'ntp-synchronizer', exit_code: 0, output: JSON.stringify({ ntp_sources: [{ source_name: `ntp-${round}.example.com`, source_state: 'synced' }] }) };
      const statuses = await Promise.all([reply(a, infraEnv, hostId, inventoryReply(`round-${round}`)), reply(b, infraEnv, hostId, ntp)]);
      expect(statuses).toEqual([204, 204]);
      // The database holds both effects the moment both were acknowledged…
      const record = JSON.parse(await pg.cluster.psql(`SELECT record FROM hosts WHERE id = '${hostId}'`, database)) as { inventory?: string; ntpSources?: string };
      expect(hostnameOf({ id: hostId, status: '', inventory: record.inventory }), `round ${round}`).toBe(`round-${round}`);
      expect(record.ntpSources, `round ${round}`).toContain(`ntp-${round}.example.com`);
      // …and each replica's view catches up within its staleness bound.
      for (const replica of [a, b]) {
        await waitFor(`${replica.name} shows round ${round}`, async () => {
          const shown = await host(replica, infraEnv.id, hostId);
          return hostnameOf(shown) === `round-${round}` && shown?.ntp_sources?.includes(`ntp-${round}.example.com`) ? true : undefined;
        }, 2_000);
      }
    }
  });

  it('the host monitor moves to another replica within 15 s of kill -9, and silent hosts still go disconnected', async () => {
    const url = await pg.cluster.createDatabase('replicas_lease');
    const a = await startReplica(url, 'a');
    await a.process.waitForOutput('stdout', /took the host-monitor lease/, 20_000);
    const b = await startReplica(url, 'b');
    const infraEnv = await createInfraEnv(a, 'rack-3');
    const hostId = randomUUID();
    expect(await register(b, infraEnv, hostId)).toBe(201);
    expect(await reply(b, infraEnv, hostId, inventoryReply('silent-1'))).toBe(204);

    await kill9(a);
    const killedAt = Date.now();
    // The host last polled ten minutes ago; B is told to re-read it, as after any change.
    const database = new URL(url).pathname.slice(1);
    await pg.cluster.psql(`UPDATE hosts SET checked_in_at = '${new Date(Date.now() - 10 * 60_000).toISOString()}' WHERE id = '${hostId}'`, database);
    await pg.cluster.psql(`SELECT pg_notify('inband_changes', '{"origin":"test","change":{"kind":"resync"}}')`, database);
    await b.process.waitForOutput('stdout', /took the host-monitor lease/, 15_000);
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(15_000);
    await waitFor('B marks the silent host disconnected', async () => ((await host(b, infraEnv.id, hostId))?.status === 'disconnected' ? true : undefined), 20_000);
  });

  it('kill -9 of a replica during 1,000 acknowledged replies: every 204 is in the database', async () => {
    const url = await pg.cluster.createDatabase('replicas_kill');
    const [a, b] = await Promise.all([startReplica(url, 'a'), startReplica(url, 'b')]);
    const infraEnv = await createInfraEnv(a, 'rack-4');
    const hosts = Array.from({ length: 16 }, () => randomUUID());
    for (const id of hosts) expect(await register(a, infraEnv, id)).toBe(201);
    const acknowledged = new Map<string, number>();
    let acks = 0;
    let stop = false;
    const writers = hosts.map(async (id, i) => {
      const through = i % 2 === 0 ? a : b;
      for (let seq = 1; !stop; seq++) {
        try {
          if ((await reply(through, infraEnv, id, inventoryReply(`seq-${seq}`))) !== 204) break;
        } catch {
          break; // the replica is gone
        }
        acknowledged.set(id, seq);
        acks++;
      }
    });
    await waitFor('1,000 acknowledged replies', async () => (acks >= 1_000 ? true : undefined), 90_000);
    await kill9(a);
    stop = true;
    await Promise.all(writers);
    const restarted = await startReplica(url, 'a-again', a.port);
    for (const id of hosts) {
      const stored = Number(/^seq-(\d+)$/.exec(hostnameOf(await host(restarted, infraEnv.id, id)) ?? '')?.[1] ?? 0);
      expect(stored, `host ${id}`).toBeGreaterThanOrEqual(acknowledged.get(id) ?? 0);
    }
    expect(acks).toBeGreaterThanOrEqual(1_000);
  });

  it('database restarted under load: 503 meanwhile (never 500), reconnects by itself, loses nothing acknowledged', async () => {
    const url = await pg.cluster.createDatabase('replicas_outage');
    const [a, b] = await Promise.all([startReplica(url, 'a'), startReplica(url, 'b')]);
    const infraEnv = await createInfraEnv(a, 'rack-5');
    const hosts = Array.from({ length: 8 }, () => randomUUID());
    for (const id of hosts) expect(await register(b, infraEnv, id)).toBe(201);
    const acknowledged = new Map<string, number>();
    const statuses = new Map<number, number>();
    let stop = false;
    const writers = hosts.map(async (id, i) => {
      const through = i % 2 === 0 ? a : b;
      for (let seq = 1; !stop; seq++) {
        const status = await reply(through, infraEnv, id, inventoryReply(`seq-${seq}`));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 204) acknowledged.set(id, seq);
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await pg.cluster.stopServer('fast');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await pg.cluster.startServer();
    const backAt = Date.now();
    const acksAtRestart = [...acknowledged.values()].reduce((n, v) => n + v, 0);
    await waitFor('replies acknowledged again after the restart', async () => ([...acknowledged.values()].reduce((n, v) => n + v, 0) > acksAtRestart + 50 ? true : undefined), 30_000);
    const recoveredMs = Date.now() - backAt;
    stop = true;
    await Promise.all(writers);
    expect(statuses.get(503) ?? 0, 'some requests met the outage').toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s !== 204 && s !== 503), `statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    expect(recoveredMs).toBeLessThan(30_000);
    const database = new URL(url).pathname.slice(1);
    for (const id of hosts) {
      // What the database holds, now: nothing acknowledged is missing.
      const record = JSON.parse(await pg.cluster.psql(`SELECT record FROM hosts WHERE id = '${id}'`, database)) as { inventory?: string };
      const stored = Number(/^seq-(\d+)$/.exec(hostnameOf({ id, status: '', inventory: record.inventory }) ?? '')?.[1] ?? 0);
      expect(stored, `host ${id} in the database`).toBeGreaterThanOrEqual(acknowledged.get(id) ?? 0);
      // What A shows catches up once both replicas' coordination connections are back (≤ 5 s backoff).
      await waitFor(`A shows host ${id} as stored`, async () => {
        const shown = Number(/^seq-(\d+)$/.exec(hostnameOf(await host(a, infraEnv.id, id)) ?? '')?.[1] ?? 0);
        return shown >= stored ? true : undefined;
      }, 15_000);
    }
    // And the coordination connection came back: a change through B reaches A.
    const late = randomUUID();
    expect(await register(b, infraEnv, late)).toBe(201);
    await waitFor('A sees a host registered through B after the restart', async () => ((await host(a, infraEnv.id, late)) ? true : undefined), 10_000);
  });
});
