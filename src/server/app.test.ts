import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ADMIN, AGENT_IMAGE, admin, api, HOST, OTHER, startTestApp, type TestApp, type TestInfraEnv } from './app-test-support.js';
import { type DiscoveryService, DISCONNECTION_TIMEOUT_MS } from './discovery-service.js';
import { decodeNextStepCmdRequest } from '../protocol/decode.js';
import { ServiceClient } from '../client/service-client.js';
import { swaggerErrors } from '../../test/support/swagger.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const fixtureInventory = (name: string): string =>
  readFileSync(path.join(ROOT, 'test/fixtures/hosts', name, 'expected-inventory.json'), 'utf8');

let t: TestApp;
let app: FastifyInstance;
let service: DiscoveryService;
let dataDir: string;

async function start(maxLogBytes?: number): Promise<void> {
  t = await startTestApp({ maxLogBytes });
  ({ app, service, dataDir } = t);
}

beforeEach(() => start());

const createInfraEnv = (body?: Record<string, unknown>) => t.createInfraEnv(body);
const register = (ie: TestInfraEnv, hostId?: string) => t.register(ie, hostId);
const reply = (ie: TestInfraEnv, body: Record<string, unknown>, hostId?: string) => t.reply(ie, body, hostId);
const poll = (ie: TestInfraEnv, hostId?: string) => t.poll(ie, hostId);

describe('operator API', () => {
  it('requires the operator token and answers with infra_error bodies', async () => {
    const none = await app.inject({ method: 'GET', url: api('/v2/infra-envs') });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ code: 401, message: 'missing Authorization: Bearer <operator token>' });
    const wrong = await app.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(swaggerErrors('infra_error', wrong.json())).toEqual([]);
  });

  it('creates, lists, shows and deletes infra-envs with upstream models', async () => {
    const created = await createInfraEnv({ ntp_sources: 'ntp1.example.com', domains_to_resolve: ['api.lab.example.com'] });
    expect(swaggerErrors('infra-env', created)).toEqual([]);
    expect(created).toMatchObject({ kind: 'InfraEnv', name: 'lab', ntp_sources: 'ntp1.example.com', domains_to_resolve: ['api.lab.example.com'] });
    expect(created.agent_token).toMatch(/^[\w-]{20,}$/);
    const list = await app.inject({ method: 'GET', url: api('/v2/infra-envs'), headers: admin });
    expect(list.json().map((ie: { id: string }) => ie.id)).toEqual([created.id]);
    expect((await app.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${created.id}`), headers: admin })).statusCode).toBe(204);
    const gone = await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${created.id}`), headers: admin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ kind: 'Error', id: 404, href: '', code: '404', reason: `infra-env ${created.id} not found` });
  });

  it('answers bad requests with 400 and upstream\'s validation body', async () => {
    const missing = await app.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { pull_secret: '{}' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ code: 400, message: 'validation failure list:\nname in body must have required property \'name\'' });
    const badId = await app.inject({ method: 'GET', url: api('/v2/infra-envs/not-a-uuid'), headers: admin });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toContain('infra_env_id in params must match format "uuid"');
    const badMac = await app.inject({
      method: 'POST',
      url: api('/v2/infra-envs'),
      headers: admin,
      payload: { name: 'x', dhcp_allocation: { interface: 'eth0', api_vip_mac: 'zz', ingress_vip_mac: '00:1a:4a:00:00:02' } },
    });
    expect(badMac.statusCode).toBe(400);
    expect(badMac.json().message).toContain('dhcp_allocation.api_vip_mac in body must match pattern');
    const malformed = await app.inject({ method: 'POST', url: api('/v2/infra-envs'), headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ kind: 'Error', id: 400, code: '400' });
  });
});

describe('agent API', () => {
  it('registers a host: 201, a host_registration_response our agent can run', async () => {
    const ie = await createInfraEnv();
    const res = await register(ie);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(swaggerErrors('host_registration_response', body)).toEqual([]);
    expect(body).toMatchObject({ kind: 'Host', id: HOST, infra_env_id: ie.id, status: 'discovering', href: `/api/assisted-install/v2/infra-envs/${ie.id}/hosts/${HOST}` });
    expect(decodeNextStepCmdRequest(body.next_step_runner_command.args)).toEqual({ infra_env_id: ie.id, host_id: HOST, agent_version: AGENT_IMAGE });
  });

  it('refuses a wrong agent token with 401 and an unknown infra-env with 404', async () => {
    const ie = await createInfraEnv();
    const wrong = await register({ ...ie, agent_token: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ code: 401, message: `X-Secret-Key is not the agent token of infra-env ${ie.id}` });
    const unknown = await register({ id: OTHER, agent_token: ie.agent_token });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().kind).toBe('Error');
    const badBody = await app.inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts`), headers: { 'x-secret-key': ie.agent_token }, payload: { host_id: 'x' } });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().message).toContain('host_id in body must match format "uuid"');
  });

  it('sends inventory first, then the discovery steps once the inventory is in', async () => {
    const ie = await createInfraEnv({ ntp_sources: '198.18.0.1', domains_to_resolve: ['api.lab.example.com'] });
    await register(ie);
    const first = await poll(ie);
    expect(first.statusCode).toBe(200);
    const steps = first.json();
    expect(swaggerErrors('steps', steps)).toEqual([]);
    expect(steps.next_instruction_seconds).toBe(60);
    expect(steps.instructions[0].step_type).toBe('inventory');
    expect(steps.instructions[0].args).toEqual([HOST]);
    expect(steps.instructions[0].step_id).toMatch(/^inventory-[0-9a-f]{8}$/);

    expect((await reply(ie, { step_id: steps.instructions[0].step_id, step_type: 'inventory', output: fixtureInventory('vm-virtio') })).statusCode).toBe(204);
    const host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(['known', 'insufficient']).toContain(host.status);
    expect(JSON.parse(host.inventory).hostname).toBe(JSON.parse(fixtureInventory('vm-virtio')).hostname);
    const validations = JSON.parse(host.validations_info);
    expect(validations.hardware.map((v: { id: string }) => v.id)).toContain('has-min-cpu-cores');
    expect(swaggerErrors('host', host)).toEqual([]);

    const second = (await poll(ie)).json();
    const types = second.instructions.map((s: { step_type: string }) => s.step_type);
    expect(types).toEqual(expect.arrayContaining(['inventory', 'ntp-synchronizer', 'domain-resolution']));
  });

  it('answers a malformed step output with 400 and upstream\'s error body, and keeps the host as it was', async () => {
    const ie = await createInfraEnv();
    await register(ie);
    const res = await reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output: '{"cpu": "lots"' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ kind: 'Error', id: 400, href: '', code: '400' });
    expect(swaggerErrors('error', res.json())).toEqual([]);
    const host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(host.inventory).toBeUndefined();
  });

  it('records a failed step without failing the request, and lists it in the step results', async () => {
    const ie = await createInfraEnv();
    await register(ie);
    expect((await reply(ie, { step_id: 'ntp-1', step_type: 'ntp-synchronizer', exit_code: -1, error: 'chronyc missing' })).statusCode).toBe(204);
    const results = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/step-results`), headers: admin })).json();
    expect(results).toEqual([expect.objectContaining({ step_id: 'ntp-1', step_type: 'ntp-synchronizer', exit_code: -1, error: 'chronyc missing' })]);
    const host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(host.step_errors).toEqual({ 'ntp-synchronizer': 'chronyc missing' });
  });

  it('marks a silent host disconnected, records the event, and brings it back when it polls', async () => {
    const ie = await createInfraEnv();
    await register(ie);
    await reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output: fixtureInventory('vm-virtio') });
    t.clock.now = new Date(t.clock.now.getTime() + DISCONNECTION_TIMEOUT_MS + 1000);
    expect(await service.markDisconnected()).toBe(1);
    let host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(host.status).toBe('disconnected');
    expect(host.status_info).toBe('Host has stopped communicating with the installation service');
    expect((await poll(ie)).json().next_instruction_seconds).toBeGreaterThan(0);
    host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(host.status).not.toBe('disconnected');
    const events = (await app.inject({ method: 'GET', url: api(`/v2/events?host_id=${HOST}`), headers: admin })).json();
    const messages = events.map((e: { message: string }) => e.message);
    expect(messages[0]).toMatch(/successfully registered/);
    expect(messages.some((m: string) => /to disconnected/.test(m))).toBe(true);
    expect(messages.some((m: string) => /from disconnected/.test(m))).toBe(true);
    for (const e of events) expect(swaggerErrors('event', e)).toEqual([]);
  });

  it('flags two hosts that report the same hostname, in an infra-env of many', async () => {
    const ie = await createInfraEnv();
    const base = JSON.parse(fixtureInventory('vm-virtio')) as { hostname: string };
    const ids = Array.from({ length: 60 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const [i, id] of ids.entries()) {
      await register(ie, id);
      // Hosts 7 and 42 share a name; the rest are unique.
      const hostname = i === 7 || i === 42 ? 'twin' : `host-${i}`;
      expect((await reply(ie, { step_id: `inventory-${i}`, step_type: 'inventory', output: JSON.stringify({ ...base, hostname }) }, id)).statusCode).toBe(204);
    }
    const hostnameUnique = async (id: string): Promise<string | undefined> => {
      const host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${id}`), headers: admin })).json();
      return (JSON.parse(host.validations_info).hardware as { id: string; status: string }[]).find((v) => v.id === 'hostname-unique')?.status;
    };
    // Host 7 reported first; host 42's arrival must re-evaluate it too.
    expect(await hostnameUnique(ids[7] as string)).toBe('failure');
    expect(await hostnameUnique(ids[42] as string)).toBe('failure');
    expect(await hostnameUnique(ids[41] as string)).toBe('success');
    // Renaming one of them clears both.
    await reply(ie, { step_id: 'inventory-rename', step_type: 'inventory', output: JSON.stringify({ ...base, hostname: 'renamed' }) }, ids[42]);
    expect(await hostnameUnique(ids[7] as string)).toBe('success');
    expect(await hostnameUnique(ids[42] as string)).toBe('success');
  });

  it('a deleted host gets 404 on its next poll', async () => {
    const ie = await createInfraEnv();
    await register(ie);
    expect((await app.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).statusCode).toBe(204);
    const res = await poll(ie);
    expect(res.statusCode).toBe(404);
    expect(res.json().kind).toBe('Error');
  });
});

describe('logs', () => {
  function multipart(content: Buffer): { payload: Buffer; headers: Record<string, string> } {
    const boundary = '----inband-test-boundary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="logs.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
  }

  it('takes progress, an upload, and serves the archive back to the operator', async () => {
    const ie = await createInfraEnv();
    await register(ie);
    const progress = await app.inject({ method: 'PUT', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs-progress`), headers: { 'x-secret-key': ie.agent_token }, payload: { logs_state: 'requested' } });
    expect(progress.statusCode).toBe(204);
    const archive = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]);
    const { payload, headers } = multipart(archive);
    const upload = await app.inject({
      method: 'POST',
      url: api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`),
      headers: { ...headers, 'x-secret-key': ie.agent_token },
      payload,
    });
    expect(upload.statusCode, upload.body).toBe(204);
    const download = await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs`), headers: admin });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload).toEqual(archive);
    const host = (await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).json();
    expect(host.logs_info).toBe('collecting');
    expect(host.logs_collected_at).toBeDefined();
    const archive_dir = path.join(dataDir, 'logs', ie.id, HOST);
    expect(existsSync(path.join(archive_dir, 'logs.tar.gz'))).toBe(true);
    expect((await app.inject({ method: 'DELETE', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}`), headers: admin })).statusCode).toBe(204);
    expect(existsSync(archive_dir)).toBe(false);
  });

  it('refuses an archive over the cap with 413', async () => {
    await t.close();
    await start(1000);
    const ie = await createInfraEnv();
    await register(ie);
    const { payload, headers } = multipart(Buffer.alloc(5000, 1));
    const upload = await app.inject({
      method: 'POST',
      url: api(`/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`),
      headers: { ...headers, 'x-secret-key': ie.agent_token },
      payload,
    });
    expect(upload.statusCode).toBe(413);
    expect(upload.json()).toEqual({ kind: 'Error', id: 413, href: '', code: '413', reason: 'the logs archive exceeds the service\'s limit of 1000 bytes' });
    const download = await app.inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${HOST}/logs`), headers: admin });
    expect(download.statusCode).toBe(404);
  });
});

describe('over real HTTP with the agent\'s own client', () => {
  it('register → next steps → step reply', async () => {
    const ie = await createInfraEnv();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new ServiceClient({ url: address, infraEnvId: ie.id, agentVersion: AGENT_IMAGE, token: ie.agent_token, retry: { retries: 0, baseMs: 1, capMs: 1 } });
    const registration = await client.register(HOST);
    const runner = decodeNextStepCmdRequest(registration.next_step_runner_command?.args);
    const steps = await client.nextSteps(runner.host_id, Date.now() / 1000);
    expect(steps.instructions.map((s) => s.step_type)).toEqual(['inventory']);
    const step = steps.instructions[0] as { step_id: string };
    await client.postStepReply(runner.host_id, { step_id: step.step_id, step_type: 'inventory', output: fixtureInventory('server-nvme-sata-raid') });
    const host = await service.requireHost(ie.id, HOST);
    expect(JSON.parse(host.inventory ?? '{}').hostname).toBe(JSON.parse(fixtureInventory('server-nvme-sata-raid')).hostname);
    await expect(client.nextSteps(OTHER, Date.now() / 1000)).rejects.toMatchObject({ status: 404, typed: true });
  });
});
