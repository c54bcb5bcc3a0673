/**
 * Bounded work per reply against the packaged service: one inventory reply with 100,000 disks held
 * every request for ~63 s (the multipath holder check compared every disk with every disk), and
 * re-registering that host another 33 s. Now the lists are cut to the caps with a note in
 * upstream's `truncation` field, and the service keeps answering /healthz within 1 s throughout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopAllAgents } from '../support/agent.js';
import { HostileService, type InfraEnv } from '../support/service.js';

const HOST = '7c1d9e2a-3b4f-4a5b-8c6d-0e1f2a3b4c5d';
let service: HostileService;
let ie: InfraEnv;

beforeAll(async () => {
  service = await HostileService.start({ name: 'inventory' });
  ie = await service.createInfraEnv('inventory');
  expect((await service.register(ie, HOST)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

/**
 * Every 100th disk a multipath device, every 10th a path naming one as its holder: the shape that
 * was quadratic (within the 4 MiB a step reply may be).
 */
function hundredThousandDisks(): unknown[] {
  return Array.from({ length: 100_000 }, (_, i) => {
    if (i % 100 === 0) return { name: `m${i}`, drive_type: 'Multipath' };
    return i % 10 === 0 ? { name: `d${i}`, holders: `m${i - (i % 100)}` } : { name: `d${i}` };
  });
}

async function storedInventory(): Promise<{ disks: unknown[]; interfaces?: unknown[]; routes?: unknown[]; truncation?: { type: string; reasons: string[] } }> {
  const res = await service.operator(`/v2/infra-envs/${ie.id}/hosts/${HOST}`);
  expect(res.status).toBe(200);
  return JSON.parse(((await res.json()) as { inventory: string }).inventory);
}

it('one reply with 100,000 disks, then re-registering the host: /healthz within 1 s throughout, the list cut with a note', async () => {
  const output = JSON.stringify({ hostname: 'jbod', cpu: { count: 8, architecture: 'x86_64' }, memory: { physical_bytes: 68719476736 }, disks: hundredThousandDisks() });
  const body = JSON.stringify({ step_id: 'inventory-hostile', step_type: 'inventory', output });
  expect(body.length).toBeLessThan(4 * 1024 * 1024);
  const idle = service.rssMb();
  service.resetPeak();

  const duringReply = service.watchHealth(10);
  const reply = await service.stepReply(ie, HOST, body);
  expect(reply.status, await reply.text()).toBe(204);
  const replyHealth = await duringReply.stop();

  const inventory = await storedInventory();
  expect(inventory.disks).toHaveLength(4096);
  expect(inventory.truncation).toEqual({ type: 'partial', reasons: ['service: disks: 100000 reported, the first 4096 kept'] });

  const duringRegistration = service.watchHealth(10);
  const again = await service.register(ie, HOST);
  expect(again.status, await again.text()).toBe(201);
  const poll = await service.agent(ie, `/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions`);
  expect(poll.status, await poll.text()).toBe(200);
  const registrationHealth = await duringRegistration.stop();

  const peak = service.peakRssMb();
  console.log(`100,000 disks: slowest /healthz ${replyHealth.slowestMs.toFixed(0)} ms during the reply, ${registrationHealth.slowestMs.toFixed(0)} ms during re-registration; RSS ${idle.toFixed(0)} → peak ${peak.toFixed(0)} MB`);
  expect(replyHealth.probes).toBeGreaterThan(0);
  expect(replyHealth.slowestMs).toBeLessThan(1_000);
  expect(registrationHealth.slowestMs).toBeLessThan(1_000);
  expect(peak - idle).toBeLessThan(300);
  expect((await storedInventory()).truncation?.reasons).toEqual(['service: disks: 100000 reported, the first 4096 kept']);
}, 60_000);

it('interfaces and routes beyond their caps are cut too, each with its own note', async () => {
  const interfaces = Array.from({ length: 50_000 }, (_, i) => ({ name: `e${i}` }));
  const routes = Array.from({ length: 50_000 }, (_, i) => ({ interface: `e${i}` }));
  const output = JSON.stringify({ hostname: 'router', cpu: { count: 8 }, disks: [], interfaces, routes });
  const health = service.watchHealth(10);
  const reply = await service.stepReply(ie, HOST, { step_id: 'inventory-hostile-2', step_type: 'inventory', output });
  expect(reply.status, await reply.text()).toBe(204);
  expect((await health.stop()).slowestMs).toBeLessThan(1_000);
  const inventory = await storedInventory();
  expect(inventory.interfaces).toHaveLength(2048);
  expect(inventory.routes).toHaveLength(4096);
  expect(inventory.truncation?.reasons).toEqual(['service: interfaces: 50000 reported, the first 2048 kept', 'service: routes: 50000 reported, the first 4096 kept']);
}, 60_000);
