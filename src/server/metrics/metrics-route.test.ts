import { describe, expect, it } from 'vitest';
import { ADMIN, admin, HOST, OTHER, startTestApp } from '../app-test-support.js';
import { fixtureInventoryText } from '../domain/test-support.js';
import { parseExposition, sampleValue, samplesOf, type MetricFamily } from '../../../test/support/prometheus-text.js';
import { ServiceMetrics } from './service-metrics.js';
import { InfraEnvLabels } from './labels.js';

const REGISTER_ROUTE = '/api/assisted-install/v2/infra-envs/:infra_env_id/hosts';
const INSTRUCTIONS_ROUTE = '/api/assisted-install/v2/infra-envs/:infra_env_id/hosts/:host_id/instructions';

async function scrape(t: Awaited<ReturnType<typeof startTestApp>>, headers: Record<string, string> = admin): Promise<Map<string, MetricFamily>> {
  const res = await t.inject({ method: 'GET', url: '/metrics', headers });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  return parseExposition(res.body);
}

describe('GET /metrics', () => {
  it('needs the operator token: none, a wrong one and the agent token are refused with 401', async () => {
    const t = await startTestApp({ metrics: { public: false } });
    const ie = await t.createInfraEnv();
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${ie.agent_token}` }, { 'x-secret-key': ie.agent_token }]) {
      const res = await t.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain('inband_');
    }
    expect((await t.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode).toBe(200);
  });

  it('with --metrics-public answers anyone; the operator API stays closed', async () => {
    const t = await startTestApp({ metrics: { public: true } });
    expect((await t.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: '/api/assisted-install/v2/infra-envs' })).statusCode).toBe(401);
  });

  it('is absent from an app built without metrics', async () => {
    const t = await startTestApp();
    expect((await t.inject({ method: 'GET', url: '/metrics', headers: admin })).statusCode).toBe(404);
  });

  it('counts registrations, polls, step replies by type and exit code, hosts by status, request and store latency', async () => {
    const t = await startTestApp({ metrics: { public: false } });
    const ie = await t.createInfraEnv({ name: 'rack "12"\\east' });
    const before = await scrape(t);
    expect(sampleValue(before, 'inband_hosts', { infra_env: ie.id, status: 'discovering' })).toBe(0);
    expect(sampleValue(before, 'inband_host_registrations_total', { infra_env: ie.id, kind: 'new' })).toBeUndefined();

    expect((await t.register(ie)).statusCode).toBe(201);
    expect((await t.register(ie, OTHER)).statusCode).toBe(201);
    expect((await t.register(ie)).statusCode).toBe(201);
    for (let i = 0; i < 3; i++) expect((await t.poll(ie)).statusCode).toBe(200);
    expect((await t.reply(ie, { step_id: 'inventory-1', step_type: 'inventory', output: fixtureInventoryText('vm-virtio') })).statusCode).toBe(204);
    expect((await t.reply(ie, { step_id: 'ntp-1', step_type: 'ntp-synchronizer', exit_code: 1, error: 'no chrony' })).statusCode).toBe(204);
    expect((await t.reply(ie, { step_id: 'x-1', step_type: 'free-network-addresses', exit_code: 77, error: 'odd' })).statusCode).toBe(204);
    expect((await t.reply(ie, { step_id: 'e-1', exit_code: -1, error: 'no type' })).statusCode).toBe(204);
    // Refused replies are not counted as replies (they show as 4xx in the latency histogram).
    expect((await t.reply(ie, { step_id: 'inventory-2', step_type: 'inventory', output: '{"cpu": "lots"' })).statusCode).toBe(400);

    const after = await scrape(t);
    expect(sampleValue(after, 'inband_host_registrations_total', { infra_env: ie.id, kind: 'new' })).toBe(2);
    expect(sampleValue(after, 'inband_host_registrations_total', { infra_env: ie.id, kind: 're-registration' })).toBe(1);
    expect(sampleValue(after, 'inband_host_polls_total', { infra_env: ie.id })).toBe(3);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'inventory', exit_code: '0' })).toBe(1);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'ntp-synchronizer', exit_code: '1' })).toBe(1);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'free-network-addresses', exit_code: 'other' })).toBe(1);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'other', exit_code: '-1' })).toBe(1);
    expect(samplesOf(after, 'inband_step_replies_total').reduce((n, s) => n + s.value, 0)).toBe(4);

    const host = await t.host(ie);
    const statusCounts = Object.fromEntries(samplesOf(after, 'inband_hosts').map((s) => [s.labels.status, s.value]));
    expect(statusCounts).toEqual({ discovering: 1, known: 0, insufficient: 0, disconnected: 0, [host.status]: host.status === 'discovering' ? 2 : 1 });
    expect(samplesOf(after, 'inband_hosts').reduce((n, s) => n + s.value, 0)).toBe(2);
    expect(sampleValue(after, 'inband_infra_env_info', { infra_env: ie.id, name: 'rack "12"\\east' })).toBe(1);

    expect(after.get('inband_http_request_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(after, 'inband_http_request_duration_seconds_count', { route: REGISTER_ROUTE, method: 'POST', status_class: '2xx' })).toBe(3);
    expect(sampleValue(after, 'inband_http_request_duration_seconds_count', { route: INSTRUCTIONS_ROUTE, method: 'GET', status_class: '2xx' })).toBe(3);
    expect(sampleValue(after, 'inband_http_request_duration_seconds_count', { route: INSTRUCTIONS_ROUTE, method: 'POST', status_class: '4xx' })).toBe(1);
    // No URL ever becomes a label value: no host or infra-env ID in any route label.
    const routes = new Set(samplesOf(after, 'inband_http_request_duration_seconds_count').map((s) => s.labels.route));
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);

    expect(after.get('inband_store_operation_duration_seconds')?.type).toBe('histogram');
    // Registrations (2 new, 1 again) and the 4 accepted replies are host writes.
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_count', { operation: 'updateHost', outcome: 'ok' })).toBe(7);
    // The refused reply never reaches the store: it is decoded (and refused) before the host's write.
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_count', { operation: 'updateHost', outcome: 'error' })).toBeUndefined();
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_count', { operation: 'recordCheckIn', outcome: 'ok' })).toBe(3);
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_sum', { operation: 'updateHost', outcome: 'ok' })).toBeGreaterThan(0);
  });

  it('counts log bytes of kept archives', async () => {
    const t = await startTestApp({ metrics: { public: false } });
    const ie = await t.createInfraEnv();
    await t.register(ie);
    const archive = Buffer.alloc(12_345, 7);
    const boundary = 'metrics-test-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="logs.tar.gz"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      archive,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await t.inject({
      method: 'POST',
      url: `/api/assisted-install/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`,
      headers: { 'x-secret-key': ie.agent_token, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(204);
    const families = await scrape(t);
    expect(sampleValue(families, 'inband_logs_received_bytes_total')).toBe(12_345);
    expect(sampleValue(families, 'inband_logs_uploads_total')).toBe(1);
  });

  it('labels at most the cap of infra-envs, sums the rest as "other", and drops a deleted one\'s series', async () => {
    const registry = new ServiceMetrics({ infraEnvLabels: new InfraEnvLabels(2), renderIntervalMs: 0 });
    const t = await startTestApp({ metrics: { public: false, registry } });
    const envs = [await t.createInfraEnv({ name: 'a' }), await t.createInfraEnv({ name: 'b' }), await t.createInfraEnv({ name: 'c' })];
    for (const [i, ie] of envs.entries()) expect((await t.register(ie, `00000000-0000-4000-8000-00000000000${i}`)).statusCode).toBe(201);
    const families = await scrape(t);
    const labelled = new Set(samplesOf(families, 'inband_hosts').map((s) => s.labels.infra_env));
    expect(labelled).toEqual(new Set([envs[0]?.id, envs[1]?.id, 'other']));
    expect(sampleValue(families, 'inband_hosts', { infra_env: 'other', status: 'discovering' })).toBe(1);
    expect(sampleValue(families, 'inband_host_registrations_total', { infra_env: 'other', kind: 'new' })).toBe(1);

    const deleted = await t.inject({ method: 'DELETE', url: `/api/assisted-install/v2/infra-envs/${envs[0]?.id}`, headers: admin });
    expect(deleted.statusCode).toBe(204);
    const after = await scrape(t);
    expect(samplesOf(after, 'inband_host_registrations_total').some((s) => s.labels.infra_env === envs[0]?.id)).toBe(false);
    // Its slot went to the next infra-env the scrape met.
    expect(new Set(samplesOf(after, 'inband_hosts').map((s) => s.labels.infra_env))).toEqual(new Set([envs[1]?.id, envs[2]?.id]));
  });

  it('unmatched URLs share one route label however many there are', async () => {
    const t = await startTestApp({ metrics: { public: false } });
    for (let i = 0; i < 50; i++) expect((await t.inject({ method: 'GET', url: `/no/such/${i}?q=${i}` })).statusCode).toBe(404);
    const families = await scrape(t);
    const unmatched = samplesOf(families, 'inband_http_request_duration_seconds_count').filter((s) => s.labels.route === 'unmatched');
    expect(unmatched).toEqual([{ name: 'inband_http_request_duration_seconds_count', labels: { route: 'unmatched', method: 'GET', status_class: '4xx' }, value: 50 }]);
  });
});

describe('scrape rendering', () => {
  it('renders at most once per interval: scrapes within it get the same text', async () => {
    const registry = new ServiceMetrics({ renderIntervalMs: 60_000 });
    const t = await startTestApp({ metrics: { public: false, registry } });
    const ie = await t.createInfraEnv();
    const first = await t.inject({ method: 'GET', url: '/metrics', headers: admin });
    expect((await t.register(ie)).statusCode).toBe(201);
    const second = await t.inject({ method: 'GET', url: '/metrics', headers: admin });
    expect(second.body).toBe(first.body);
    expect(sampleValue(parseExposition(second.body), 'inband_host_registrations_total', { infra_env: ie.id, kind: 'new' })).toBeUndefined();
    const fresh = new ServiceMetrics({ renderIntervalMs: 0 });
    fresh.hostRegistered(ie.id, true);
    expect(sampleValue(parseExposition((await fresh.scrape()).text), 'inband_host_registrations_total', { infra_env: ie.id, kind: 'new' })).toBe(1);
  });
});
