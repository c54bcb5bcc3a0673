/**
 * GET /metrics on the packaged service, attacked: tokens of any size and the agent token, odd
 * paths, methods and queries, a flood of scrapes, and agents (anyone with the agent token) trying
 * to grow the metrics without bound through exit codes, step types, URLs and methods. The label
 * sets must stay fixed, every scrape must parse, and the service must stay healthy; never a 500.
 * Draws are seeded (test/support/fuzz/random.ts), so a failure replays with INBAND_FUZZ_SEED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { fuzzSettings, nastyString, SeededRandom } from '../../test/support/fuzz/random.js';
import { parseExposition, samplesOf } from '../../test/support/prometheus-text.js';
import { startAgent, stopAllAgents, type AgentProcess } from '../support/agent.js';
import { freePort } from '../support/free-port.js';
import { rawStatusLine } from '../support/raw-status.js';
import { STEP_TYPES } from '../../src/protocol/step-types.js';
import { EXIT_CODE_LABELS } from '../../src/server/metrics/labels.js';

const TOKEN = 'hostile-metrics-operator-token';
const settings = fuzzSettings();
const random = new SeededRandom(settings.seed).fork('service-metrics');
let serve: AgentProcess;
let port = 0;
let base = '';
let infraEnv: { id: string; agent_token: string };

async function healthMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return performance.now() - started;
}

async function scrapeText(): Promise<string> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text;
}

const agentApi = (path: string): string => `${base}/api/assisted-install/v2/infra-envs/${infraEnv.id}${path}`;

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('hostile-metrics'), '--admin-token', TOKEN, '--with-stdout-logging=false']);
  await serve.waitForOutput('stderr', /serving on/, 30_000);
  // A name with every character the label escaping must get right (control characters are refused as operator input).
  const created = await fetch(`${base}/api/assisted-install/v2/infra-envs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rack "7" \\ east} # TYPE x counter', pull_secret: '{}' }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  infraEnv = (await created.json()) as typeof infraEnv;
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
});

describe('/metrics under abuse', () => {
  it('refuses every key but the operator token, whatever its size or shape, with 401 (or 431 for oversized headers)', async () => {
    const keys = [
      '',
      'Bearer',
      'Bearer ',
      `Bearer ${infraEnv.agent_token}`,
      `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer ${'A'.repeat(8_000)}`,
      ...Array.from({ length: 20 }, () => `Bearer ${nastyString(random).replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '').slice(0, 4_000)}`),
    ];
    for (const authorization of keys) {
      const res = await fetch(`${base}/metrics`, { headers: { authorization, 'x-secret-key': infraEnv.agent_token } });
      const body = await res.text();
      expect(res.status, authorization.slice(0, 60)).toBe(401);
      expect(body).not.toContain('inband_');
    }
    const huge = await rawStatusLine(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'A'.repeat(70_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    expect(await healthMs()).toBeLessThan(1_000);
  });

  it('odd paths, methods and queries get 4xx or the scrape, never a 500', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cases: [string, string, number][] = [
      ['GET', '/metrics?name[]=inband_hosts&x=%00', 200],
      ['HEAD', '/metrics', 200],
      ['POST', '/metrics', 404],
      ['DELETE', '/metrics', 404],
      ['GET', '/metrics/', 404],
      ['GET', '/METRICS', 404],
      ['GET', '/metrics%00', 404],
      ['GET', '/metrics/../metrics', 404],
    ];
    for (const [method, path, status] of cases) {
      const line = await rawStatusLine(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(line, `${method} ${path}`).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    }
  });

  it('agents cannot grow the label sets: random exit codes, unknown step types, URLs and methods stay bounded', async () => {
    const hosts = Array.from({ length: 8 }, (_, i) => `1f2e3d4c-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const id of hosts) {
      const res = await fetch(agentApi('/hosts'), {
        method: 'POST',
        headers: { 'x-secret-key': infraEnv.agent_token, 'content-type': 'application/json' },
        body: JSON.stringify({ host_id: id }),
      });
      expect(res.status).toBe(201);
    }
    const rounds = Math.round(300 * settings.scale);
    const statuses = new Set<number>();
    for (let i = 0; i < rounds; i++) {
      const exitCode = random.chance(0.5) ? random.int(-(2 ** 31), 2 ** 31) : random.pick([0, 1, -1, 255, 256, 2 ** 53 - 1]);
      const stepType = random.chance(0.8) ? random.pick([...STEP_TYPES, 'not-a-step', '', nastyString(random)]) : undefined;
      const body: Record<string, unknown> = { step_id: `s-${i}`, exit_code: exitCode, error: nastyString(random) };
      if (stepType !== undefined) body.step_type = stepType;
      // Outputs the service would have to parse are left out: this is about labels, not parsers.
      if (stepType === 'inventory' || stepType === 'connectivity-check' || stepType === 'free-network-addresses') body.exit_code = exitCode === 0 ? 1 : exitCode;
      const res = await fetch(agentApi(`/hosts/${random.pick(hosts)}/instructions`), {
        method: 'POST',
        headers: { 'x-secret-key': infraEnv.agent_token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      statuses.add(res.status);
      expect(res.status, `${JSON.stringify(body).slice(0, 200)} → ${await res.text()}`).toBeLessThan(500);
    }
    expect(statuses.has(204)).toBe(true);
    for (let i = 0; i < rounds; i++) {
      const method = random.pick(['GET', 'PURGE', 'PROPFIND', 'OPTIONS', 'PATCH']);
      const segment = [...Buffer.from(nastyString(random).slice(0, 200))].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      const path = `/${segment}/${random.int(0, 1e9)}?${random.int(0, 1e9)}`;
      const line = await rawStatusLine(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(line, `${method} ${path}`).toMatch(/^HTTP\/1\.1 4\d\d /);
    }

    const families = parseExposition(await scrapeText());
    const replies = samplesOf(families, 'inband_step_replies_total');
    expect(new Set(replies.map((s) => s.labels.step_type))).toEqual(new Set(replies.map((s) => s.labels.step_type).filter((t) => t === 'other' || (STEP_TYPES as readonly string[]).includes(t as string))));
    expect(replies.length).toBeLessThanOrEqual((STEP_TYPES.length + 1) * (EXIT_CODE_LABELS.length + 1));
    expect(replies.some((s) => s.labels.exit_code === 'other')).toBe(true);
    const requestSeries = samplesOf(families, 'inband_http_request_duration_seconds_count');
    const routes = new Set(requestSeries.map((s) => s.labels.route));
    // The service's own routes plus "unmatched": a few dozen, however many URLs were sent.
    expect(routes.size).toBeLessThan(40);
    expect(routes.has('unmatched')).toBe(true);
    for (const route of routes) expect(route === 'unmatched' || route?.startsWith('/')).toBe(true);
    expect(new Set(requestSeries.map((s) => s.labels.method))).toEqual(new Set(requestSeries.map((s) => s.labels.method).filter((m) => ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'other'].includes(m as string))));
    expect(requestSeries.some((s) => s.labels.method === 'other')).toBe(true);
    const hostsGauge = samplesOf(families, 'inband_hosts').filter((s) => s.labels.infra_env === infraEnv.id);
    expect(hostsGauge.reduce((n, s) => n + s.value, 0)).toBe(hosts.length);
    const info = samplesOf(families, 'inband_infra_env_info');
    expect(info.map((s) => s.labels.name)).toEqual(['rack "7" \\ east} # TYPE x counter']);
  }, 120_000);

  it('a flood of concurrent scrapes: rendered at most once a second, each parses, /healthz still answers, the scrape stays small', async () => {
    const started = performance.now();
    const scrapes = Array.from({ length: 200 }, () => scrapeText());
    const health = await healthMs();
    const texts = await Promise.all(scrapes);
    const elapsedS = (performance.now() - started) / 1000;
    // A scrape costs O(hosts + series); 200 at once must not cost 200 renderings.
    const renderings = new Set(texts).size;
    expect(renderings, `${renderings} renderings in ${elapsedS.toFixed(1)} s`).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    for (const text of new Set(texts)) parseExposition(text);
    // Generous: the machine is shared; what it guards is a service that stops answering.
    expect(health).toBeLessThan(3_000);
    const size = Math.max(...texts.map((t) => t.length));
    expect(size, `largest scrape ${size} bytes`).toBeLessThan(512 * 1024);
    expect(await healthMs()).toBeLessThan(1_000);
  }, 60_000);
});

describe('/metrics with --metrics-public', () => {
  it('answers without a token while the operator API stays closed', async () => {
    const publicPort = await freePort();
    const open = startAgent(['serve', '--listen', `127.0.0.1:${publicPort}`, '--data-dir', tempDir('hostile-metrics-public'), '--admin-token', TOKEN, '--metrics-public', '--with-stdout-logging=false']);
    await open.waitForOutput('stderr', /--metrics-public: GET \/metrics answers without the operator token/, 30_000);
    await open.waitForOutput('stderr', /serving on/, 30_000);
    const scraped = await fetch(`http://127.0.0.1:${publicPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(parseExposition(await scraped.text()).get('inband_hosts')?.type).toBe('gauge');
    expect((await fetch(`http://127.0.0.1:${publicPort}/api/assisted-install/v2/infra-envs`)).status).toBe(401);
    await open.stop();
  }, 60_000);
});
