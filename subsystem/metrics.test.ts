/**
 * The packaged service's /metrics under real traffic: `dist/inband serve` and two dry-run agents
 * (forced IDs) registering, polling, replying and uploading logs, scraped before and after with
 * the operator token and read with a strict text-format parser. The agent token is refused.
 * Service, agents, CLI and scrapes all run in one network namespace: the agents report its
 * interfaces, so the steps they get (a free-address scan among them) only see 198.18.21.0/24.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { Topology } from './support/netns.js';
import { waitFor } from './support/wait.js';
import { tempDir } from '../test/support/temp-dir.js';
import { parseExposition, sampleValue, samplesOf, type MetricFamily } from '../test/support/prometheus-text.js';

const run = promisify(execFile);
const TOKEN = 'metrics-operator-token';
const HOST_IDS = ['0e7c5a10-3b2f-4c1d-9e8f-7a6b5c4d3e01', '0e7c5a10-3b2f-4c1d-9e8f-7a6b5c4d3e02'];
const REGISTER_ROUTE = '/api/assisted-install/v2/infra-envs/:infra_env_id/hosts';

const PORT = 18091;
let topology: Topology;
let netns = '';

async function inNamespace(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', netns, file, ...args], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const cli = (args: string[]) => inNamespace(BINARY, args);

/** An HTTP GET from inside the namespace (curl): status, content type and body. */
async function get(url: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; body: string }> {
  const marker = '\n--inband-metrics-test--';
  const result = await inNamespace('curl', ['-sS', '--max-time', '10', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), '-w', `${marker}%{http_code} %{content_type}`, url]);
  expect(result.code, result.stderr).toBe(0);
  const at = result.stdout.lastIndexOf(marker);
  const [status, ...type] = result.stdout.slice(at + marker.length).split(' ');
  return { status: Number(status), contentType: type.join(' '), body: result.stdout.slice(0, at) };
}

describe('GET /metrics on the packaged service', () => {
  let server = '';
  let serve: AgentProcess;
  let ops: string[] = [];

  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Map<string, MetricFamily>> => {
    const res = await get(`${server}/metrics`, headers);
    expect(res.status, res.body).toBe(200);
    expect(res.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.body);
  };

  beforeAll(async () => {
    topology = await Topology.create({ prefix: 'ib-metrics', hosts: [{ name: 'host', addresses: ['198.18.21.2/24'] }] });
    netns = topology.host('host').netns;
    server = `http://127.0.0.1:${PORT}`;
    ops = ['--server', server, '--token', TOKEN];
    serve = startAgent(
      ['netns', 'exec', netns, BINARY, 'serve', '--listen', `127.0.0.1:${PORT}`, '--data-dir', tempDir('metrics-serve'), '--admin-token', TOKEN, '--poll-interval', '1', '--with-stdout-logging=false'],
      {},
      'ip',
    );
    await serve.waitForOutput('stderr', /serving on/, 30_000);
  }, 60_000);

  afterAll(async () => {
    await stopAllAgents();
    await topology?.destroy();
  });

  it('counters, gauges and histograms move with registrations, polls, replies and a logs upload', async () => {
    const created = await cli(['infra-env', 'create', '--name', 'metrics', ...ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };

    const before = await scrape();
    expect(sampleValue(before, 'inband_hosts', { infra_env: infraEnv.id, status: 'discovering' })).toBe(0);
    expect(sampleValue(before, 'inband_host_polls_total', { infra_env: infraEnv.id })).toBeUndefined();
    // Node's process metrics come with the service's own.
    expect(before.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(before.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');

    // The agent token is no key to the metrics, whichever header carries it.
    for (const headers of [{ 'x-secret-key': infraEnv.agent_token }, { authorization: `Bearer ${infraEnv.agent_token}` }, {}] as Record<string, string>[]) {
      const refused = await get(`${server}/metrics`, headers);
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain('inband_');
    }

    const agents = HOST_IDS.map((id) =>
      startAgent(
        ['netns', 'exec', netns, BINARY, 'agent', '--url', server, '--infra-env-id', infraEnv.id, '--interval', '1', '--dry-run', '--force-id', id, '--with-journal-logging=false', '--with-stdout-logging=true'],
        { PULL_SECRET_TOKEN: infraEnv.agent_token },
        'ip',
      ),
    );
    const context = () => `${agents.map((a) => a.describe()).join('\n')}\n--- serve ---\n${serve.describe()}`;
    type Host = { id: string; status: string; inventory?: string };
    const hosts = await waitFor<Host[]>(
      'both hosts to send their inventory',
      async () => {
        const listed = JSON.parse((await cli(['hosts', 'list', ...ops, '--json'])).stdout) as Host[];
        return listed.length === 2 && listed.every((h) => h.inventory) ? listed : undefined;
      },
      60_000,
      context,
    );

    const requested = await cli(['hosts', 'logs', HOST_IDS[0] as string, '--request', ...ops]);
    expect(requested.code, requested.stderr).toBe(0);
    const uploaded = await waitFor('the logs upload to be counted', async () => {
      const families = await scrape();
      return (sampleValue(families, 'inband_logs_uploads_total') ?? 0) >= 1 ? families : undefined;
    }, 90_000, context);
    const archive = path.join(tempDir('metrics-logs'), 'logs.tar.gz');
    const downloaded = await cli(['hosts', 'logs', HOST_IDS[0] as string, '--output', archive, ...ops]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    // A second logs-gather may reach the agent before the first upload lands (it polls every
    // second): the service's events name every upload's size, the counter must be their sum.
    const settled = await waitFor('the uploads to be counted as the events say', async () => {
      const events = JSON.parse((await cli(['events', '--host-id', HOST_IDS[0] as string, ...ops, '--json'])).stdout) as { message: string }[];
      const sizes = events.flatMap((e) => /uploaded logs \((\d+) bytes\)/.exec(e.message)?.[1] ?? []).map(Number);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const families = await scrape();
      return sampleValue(families, 'inband_logs_uploads_total') === sizes.length ? { families, sizes } : undefined;
    }, 30_000, context);
    expect(sampleValue(settled.families, 'inband_logs_received_bytes_total')).toBe(settled.sizes.reduce((a, b) => a + b, 0));
    expect(settled.sizes).toContain(statSync(archive).size);
    void uploaded;

    const after = await scrape();
    expect(sampleValue(after, 'inband_host_registrations_total', { infra_env: infraEnv.id, kind: 'new' })).toBe(2);
    const polls = sampleValue(after, 'inband_host_polls_total', { infra_env: infraEnv.id }) ?? 0;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'inventory', exit_code: '0' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'inband_step_replies_total', { step_type: 'logs-gather', exit_code: '0' })).toBeGreaterThanOrEqual(1);

    // The gauge agrees with what the operator API says about the same hosts.
    const listed = JSON.parse((await cli(['hosts', 'list', ...ops, '--json'])).stdout) as Host[];
    const expected: Record<string, number> = { discovering: 0, known: 0, insufficient: 0, disconnected: 0 };
    for (const h of listed) expected[h.status] = (expected[h.status] ?? 0) + 1;
    const gauge = Object.fromEntries(samplesOf(after, 'inband_hosts').filter((s) => s.labels.infra_env === infraEnv.id).map((s) => [s.labels.status, s.value]));
    expect(gauge).toEqual(expected);
    expect(hosts.map((h) => h.id).sort()).toEqual([...HOST_IDS].sort());

    expect(sampleValue(after, 'inband_http_request_duration_seconds_count', { route: REGISTER_ROUTE, method: 'POST', status_class: '2xx' })).toBe(2);
    expect(sampleValue(after, 'inband_http_request_duration_seconds_count', { route: '/metrics', method: 'GET', status_class: '4xx' })).toBe(3);
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_count', { operation: 'updateHost', outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(after, 'inband_store_operation_duration_seconds_count', { operation: 'saveLogs', outcome: 'ok' })).toBe(sampleValue(after, 'inband_logs_uploads_total'));

    // And they keep moving: counters never go back, polls go on.
    const later = await waitFor('more polls', async () => {
      const families = await scrape();
      return (sampleValue(families, 'inband_host_polls_total', { infra_env: infraEnv.id }) ?? 0) > polls ? families : undefined;
    }, 15_000, context);
    expect(sampleValue(later, 'inband_host_registrations_total', { infra_env: infraEnv.id, kind: 'new' })).toBe(2);
  }, 180_000);
});
