/**
 * Authentication before work, against the packaged service: bodies of up to 16 MB were read,
 * parsed and schema-checked before X-Secret-Key was, so 350 concurrent wrong-key posts took the
 * service to ~5 GB RSS, and a caller without a token got 400 validation details instead of 401.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopAllAgents } from '../support/agent.js';
import { rawRequest } from '../support/raw-status.js';
import { expectUpstreamError, HostileService, type InfraEnv } from '../support/service.js';

const HOST = '2d4c6e8a-1b3d-4f5a-9c7e-0a2b4c6d8e0f';
const STEP_REPLY_LIMIT = 4 * 1024 * 1024;
let service: HostileService;
let ie: InfraEnv;

beforeAll(async () => {
  service = await HostileService.start({ name: 'pre-auth' });
  ie = await service.createInfraEnv('pre-auth');
  expect((await service.register(ie, HOST)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

interface Attack {
  head: string;
  /** The declared body length: within the route's limit, so only the token check can refuse it early. */
  length: number;
}

/** Wrong-key (or no-key) requests on each kind of route, each declaring a body its route would take. */
function attacks(): Attack[] {
  const hosts = `/api/assisted-install/v2/infra-envs/${ie.id}/hosts`;
  const head = (method: string, path: string, auth: string, length: number, type = 'application/json') =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n`;
  return [
    { head: head('POST', `${hosts}/${HOST}/instructions`, 'X-Secret-Key: wrong-agent-token\r\n', 4_000_000), length: 4_000_000 },
    { head: head('POST', `${hosts}/${HOST}/instructions`, '', 4_000_000), length: 4_000_000 },
    { head: head('POST', hosts, 'X-Secret-Key: wrong-agent-token\r\n', 4_000), length: 4_000 },
    { head: head('PUT', `${hosts}/${HOST}/logs-progress`, `X-Secret-Key: ${'k'.repeat(4000)}\r\n`, 1_000), length: 1_000 },
    {
      head: head('POST', `/api/assisted-install/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${HOST}&infra_env_id=${ie.id}`, 'X-Secret-Key: wrong\r\n', 16_000_000, 'multipart/form-data; boundary=b'),
      length: 16_000_000,
    },
    { head: head('POST', '/api/assisted-install/v2/infra-envs', 'Authorization: Bearer wrong-operator-token\r\n', 60_000), length: 60_000 },
  ];
}

/** The first `send` bytes of the body in 64 KiB chunks, generated as sent: valid JSON's start, then filler. */
function* bodyOf(send: number): Generator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const start = Buffer.from('{"step_id":"s","step_type":"inventory","output":"');
  let sent = 0;
  for (let i = 0; sent < send; i++) {
    const next = i === 0 ? Buffer.concat([start, chunk.subarray(start.length)]) : chunk;
    const piece = next.subarray(0, Math.min(next.length, send - sent));
    sent += piece.length;
    yield piece;
  }
}

function expectUnauthorized(answer: Awaited<ReturnType<typeof rawRequest>>, what: string): void {
  expect(answer?.status, what).toBe(401);
  const body = expectUpstreamError(answer?.body ?? '', 401);
  expect(String(body.message), what).not.toMatch(/validation|must be|body/i);
}

it('answers 401 while the body is still on its way: the token is checked before a byte of it is read', async () => {
  for (const attack of attacks()) {
    // Half the declared body (64 KiB at most), and then nothing: a service that read first would wait.
    const answer = await rawRequest(service.port, attack.head, bodyOf(Math.min(64 * 1024, attack.length / 2)), 5_000);
    expectUnauthorized(answer, attack.head.split('\r\n')[0] ?? '');
    expect(answer?.bytesSentBeforeAnswer).toBeLessThan(attack.length);
  }
});

it('350 concurrent wrong-key posts of large bodies: all 401, RSS bounded, /healthz within 1 s', async () => {
  expect(STEP_REPLY_LIMIT).toBeGreaterThan(4_000_000);
  const kinds = attacks();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const idle = service.rssMb();
  service.resetPeak();
  const health = service.watchHealth();
  const answers = await Promise.all(
    Array.from({ length: 350 }, (_, i) => {
      const attack = kinds[i % kinds.length] as Attack;
      return rawRequest(service.port, attack.head, bodyOf(attack.length), 30_000).then((answer) => ({ answer, attack }));
    }),
  );
  const { slowestMs } = await health.stop();
  const peak = service.peakRssMb();
  for (const { answer, attack } of answers) expectUnauthorized(answer, attack.head.split('\r\n')[0] ?? '');
  console.log(`350 wrong-key posts: RSS ${idle.toFixed(0)} → peak ${peak.toFixed(0)} MB, slowest /healthz ${slowestMs.toFixed(0)} ms`);
  expect(peak - idle).toBeLessThan(150);
  expect(slowestMs).toBeLessThan(1_000);
  expect(service.process.running, service.process.describe()).toBe(true);
}, 90_000);

it('gives a caller without the token 401 for malformed or invalid bodies, never validation details', async () => {
  const cases: [string, string, string][] = [
    ['POST', `/v2/infra-envs/${ie.id}/hosts`, '{"host_id": 12'],
    ['POST', `/v2/infra-envs/${ie.id}/hosts`, '{"host_id": 12}'],
    ['POST', `/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions`, '{"exit_code": 1e400, "step_id": 5}'],
    ['PUT', `/v2/infra-envs/${ie.id}/hosts/${HOST}/logs-progress`, '{"logs_state": "bogus"}'],
    ['GET', `/v2/infra-envs/${ie.id}/hosts/${HOST}/instructions?timestamp=99999999999999999999`, ''],
  ];
  for (const [method, route, body] of cases) {
    const res = await fetch(`${service.base}${route}`, { method, headers: { 'x-secret-key': 'wrong', 'content-type': 'application/json' }, body: body || undefined });
    const text = await res.text();
    expect(res.status, `${method} ${route}: ${text}`).toBe(401);
    expect(expectUpstreamError(text, 401).message).toBe(`X-Secret-Key is not the agent token of infra-env ${ie.id}`);
  }
  const operator = await fetch(`${service.base}/v2/infra-envs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": 5' });
  expect(operator.status).toBe(401);
  expect(await operator.text()).not.toMatch(/validation/);
});
