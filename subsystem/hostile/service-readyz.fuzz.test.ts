/**
 * /readyz and /healthz, unauthenticated on every replica (a balancer has no token), against the
 * packaged service on a throwaway PostgreSQL: a flood of readiness checks with the database up and
 * with it stopped answers each within the probe's bound and 200 or 503 in upstream's error shape;
 * seeded methods, queries, headers and bodies (INBAND_FUZZ_SEED, INBAND_FUZZ_SCALE) never give a
 * 500, never a stack or a driver message; /healthz stays fast throughout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzSettings, nastyString, SeededRandom } from '../../test/support/fuzz/random.js';
import { PostgresCluster } from '../../test/support/postgres.js';
import { stopAllAgents } from '../support/agent.js';
import { rawRequest } from '../support/raw-status.js';
import { expectUpstreamError, HostileService } from '../support/service.js';

const settings = fuzzSettings();
let cluster: PostgresCluster;
let service: HostileService;

beforeAll(async () => {
  cluster = await PostgresCluster.start();
  const databaseUrl = await cluster.createDatabase('readyz_fuzz');
  service = await HostileService.start({ name: 'readyz', flags: ['--database-url', databaseUrl] });
}, 90_000);

afterAll(async () => {
  await stopAllAgents();
  await cluster?.destroy();
});

/** `count` concurrent /readyz; resolves with each status and the slowest answer, ms. */
async function flood(count: number): Promise<{ statuses: Map<number, number>; slowestMs: number; bodies: string[] }> {
  const statuses = new Map<number, number>();
  const bodies: string[] = [];
  let slowestMs = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      const res = await fetch(`${service.origin}/readyz`, { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (bodies.length < 5) bodies.push(text);
    }),
  );
  return { statuses, slowestMs, bodies };
}

it('300 concurrent /readyz with the database up, then stopped, then back: 200s, then 503s in upstream shape within the bound, then 200s', async () => {
  const up = await flood(300);
  expect(up.statuses).toEqual(new Map([[200, 300]]));
  expect(JSON.parse(up.bodies[0] ?? '{}')).toMatchObject({ status: 'ready', schema_version: expect.any(Number) });

  await cluster.stopServer('fast');
  try {
    const down = await flood(300);
    expect(down.statuses).toEqual(new Map([[503, 300]]));
    for (const body of down.bodies) {
      expectUpstreamError(body, 503);
      expect(body).not.toMatch(/ECONNREFUSED|\.ts:\d+|\.js:\d+|at /);
    }
    // READINESS_TIMEOUT_MS (1.5 s) bounds a probe; the shared probe keeps a flood from queueing behind it.
    expect(down.slowestMs).toBeLessThan(5_000);
    expect(await service.healthMs()).toBeLessThan(1_000);
  } finally {
    await cluster.startServer();
  }
  await expect.poll(async () => (await fetch(`${service.origin}/readyz`)).status, { timeout: 15_000, interval: 250 }).toBe(200);
}, 120_000);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'GETT', 'get'];
const PATHS = ['/readyz', '/healthz', '/readyz/', '/READYZ', '/readyz/..%2fhealthz', '/readyz;x', '//readyz', '/readyz%00'];

it('seeded methods, paths, queries, headers and bodies on /readyz and /healthz: declared statuses only, upstream bodies, healthy', async () => {
  const random = new SeededRandom(settings.seed).fork('readyz');
  const iterations = Math.round(150 * settings.scale);
  const seen = new Map<number, number>();
  for (let i = 0; i < iterations; i++) {
    const method = random.pick(METHODS);
    let target = random.pick(PATHS);
    if (random.chance(0.5)) target += `?${encodeURIComponent(random.pick(['verbose', 'full', 'x'])) }=${encodeURIComponent(Buffer.from(nastyString(random).slice(0, 2048), 'utf8').toString('utf8'))}`;
    const headers: string[] = ['Host: 127.0.0.1', 'Connection: close'];
    if (random.chance(0.3)) headers.push(`Authorization: Bearer ${nastyString(random).replace(/[^\x21-\x7e]/g, 'x').slice(0, 512)}`);
    if (random.chance(0.3)) headers.push(`X-Secret-Key: ${nastyString(random).replace(/[^\x21-\x7e]/g, 'x').slice(0, 512)}`);
    let body = Buffer.alloc(0);
    if (random.chance(0.4)) {
      body = Buffer.from(random.chance(0.5) ? JSON.stringify({ ready: nastyString(random) }) : nastyString(random), 'utf8');
      headers.push(`Content-Type: ${random.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'])}`);
      headers.push(`Content-Length: ${body.length}`);
    }
    const res = await rawRequest(service.port, `${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, body.length ? [body] : [], 10_000, 20);
    expect(res, `${method} ${target}: no answer`).toBeDefined();
    if (!res) continue;
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    expect([200, 204, 400, 404, 405, 413, 415], `${method} ${target} → ${res.statusLine}\n${res.body}`).toContain(res.status);
    if (res.status >= 400 && res.body !== '') expectUpstreamError(res.body, res.status);
    expect(res.body).not.toMatch(/\.ts:\d+|node_modules|ECONN/);
  }
  // The fuzzer reached both answers and refusals.
  expect(seen.get(200) ?? 0).toBeGreaterThan(0);
  expect([...seen.keys()].some((status) => status >= 400)).toBe(true);
  expect(await service.healthMs()).toBeLessThan(1_000);
}, 180_000);
