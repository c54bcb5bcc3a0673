/**
 * "A step reply acknowledged with 204 is on disk": the packaged service is killed with SIGKILL in
 * the middle of a stream of inventory replies, restarted on the same data directory, and every
 * host must hold at least the last inventory it had been told was stored.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startAgent, type AgentProcess } from './support/agent.js';
import { tempDir } from '../test/support/temp-dir.js';
import { freePort } from './support/free-port.js';

const TOKEN = 'durability-operator-token';
const WRITERS = 16;
const ROUNDS = 3;


async function startServe(port: number, dataDir: string): Promise<AgentProcess> {
  const serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--with-stdout-logging=false']);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  return serve;
}

async function kill9(serve: AgentProcess): Promise<void> {
  process.kill(serve.pid as number, 'SIGKILL');
  await serve.stop();
}

describe('inband serve under kill -9', () => {
  it('keeps every acknowledged step reply and reopens cleanly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/api/assisted-install`;
    const dataDir = tempDir('durability');
    let serve = await startServe(port, dataDir);

    const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const infraEnv = (await (await fetch(`${base}/v2/infra-envs`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'durability' }) })).json()) as {
      id: string;
      agent_token: string;
    };
    const agent = { 'x-secret-key': infraEnv.agent_token, 'content-type': 'application/json' };
    const hosts = Array.from({ length: WRITERS }, () => randomUUID());
    for (const host of hosts) {
      const res = await fetch(`${base}/v2/infra-envs/${infraEnv.id}/hosts`, { method: 'POST', headers: agent, body: JSON.stringify({ host_id: host }) });
      expect(res.status).toBe(201);
    }
    const acknowledged = new Map<string, number>();
    let totalAcks = 0;

    for (let round = 0; round < ROUNDS; round++) {
      let stop = false;
      const writers = hosts.map(async (host) => {
        for (let seq = (acknowledged.get(host) ?? 0) + 1; !stop; seq++) {
          const body = JSON.stringify({ step_id: `inventory-${seq}`, step_type: 'inventory', output: JSON.stringify({ hostname: `seq-${seq}`, cpu: { count: 2 } }) });
          try {
            const res = await fetch(`${base}/v2/infra-envs/${infraEnv.id}/hosts/${host}/instructions`, { method: 'POST', headers: agent, body });
            if (res.status !== 204) break;
            acknowledged.set(host, seq);
            totalAcks++;
          } catch {
            break; // the service is gone
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1200));
      await kill9(serve);
      stop = true;
      await Promise.all(writers);

      serve = await startServe(port, dataDir);
      for (const host of hosts) {
        const res = await fetch(`${base}/v2/infra-envs/${infraEnv.id}/hosts/${host}`, { headers: admin });
        expect(res.status).toBe(200);
        const stored = (await res.json()) as { inventory?: string };
        const storedSeq = Number(/^seq-(\d+)$/.exec((JSON.parse(stored.inventory ?? '{}') as { hostname?: string }).hostname ?? '')?.[1] ?? 0);
        // Never older than what was acknowledged; newer is fine (stored, but the answer was lost).
        expect(storedSeq, `host ${host} in round ${round}`).toBeGreaterThanOrEqual(acknowledged.get(host) ?? 0);
        if (storedSeq > (acknowledged.get(host) ?? 0)) acknowledged.set(host, storedSeq);
      }
    }
    expect(totalAcks).toBeGreaterThan(WRITERS * ROUNDS);
    await serve.stop();
  }, 120_000);
});
