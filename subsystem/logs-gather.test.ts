/**
 * Host logs the way an operator gets them: `inband hosts logs HOST --request`, the agent's next poll
 * carries a logs-gather step, the agent collects and uploads in-process, and the operator downloads
 * the archive. Service, agent and CLI all run inside one network namespace (loopback there), so the
 * steps a discovered host receives — a free-address scan of its subnet among them — only ever see
 * the namespace's own 198.18.7.0/24.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { startAgent, stopAllAgents } from './support/agent.js';
import { Topology } from './support/netns.js';
import { tempDir } from '../test/support/temp-dir.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const TOKEN = 'logs-gather-operator-token';
const PORT = 18090;
let topology: Topology;
let netns = '';

async function inNamespace(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', netns, BINARY, ...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('logs on request, through a real agent poll', () => {
  beforeAll(async () => {
    topology = await Topology.create({ prefix: 'ib-logs', hosts: [{ name: 'host', addresses: ['198.18.7.2/24'] }] });
    netns = topology.host('host').netns;
  }, 60_000);

  afterAll(async () => {
    await stopAllAgents();
    await topology?.destroy();
  });

  it('requested → logs-gather step → upload → the operator downloads the archive', async () => {
    const dataDir = tempDir('logs-gather');
    const server = `http://127.0.0.1:${PORT}`;
    const ops = ['--server', server, '--token', TOKEN];
    const serve = startAgent(['netns', 'exec', netns, BINARY, 'serve', '--listen', `127.0.0.1:${PORT}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--poll-interval', '1'], {}, 'ip');
    await serve.waitForOutput('stderr', /serving on/, 30_000);

    // The namespace has no route off its own segment, so the domain-resolution step this brings fails there, harmlessly.
    const created = await inNamespace(['infra-env', 'create', '--name', 'logs', '--domains', 'api.lab.example.com', ...ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string; domains_to_resolve: string[] };
    expect(infraEnv.domains_to_resolve).toEqual(['api.lab.example.com']);
    const agentLogs = tempDir('logs-gather-agent');
    const agent = startAgent(
      ['netns', 'exec', netns, BINARY, 'agent', '--url', server, '--infra-env-id', infraEnv.id, '--interval', '1', '--with-journal-logging=false', '--with-text-logging=true'],
      { PULL_SECRET_TOKEN: infraEnv.agent_token, INBAND_LOG_DIR: agentLogs },
      'ip',
    );

    type Host = { id: string; status: string; logs_info?: string; logs_collected_at?: string };
    const listHosts = async (): Promise<Host[]> => JSON.parse((await inNamespace(['hosts', 'list', ...ops, '--json'])).stdout) as Host[];
    const host = await waitFor('discovery', async () => (await listHosts()).find((h) => h.status === 'known' || h.status === 'insufficient'), 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${agent.describe()}\n${serve.describe()}`);
      },
    );

    const requested = await inNamespace(['hosts', 'logs', host.id, '--request', ...ops]);
    expect(requested.code, requested.stderr).toBe(0);
    const done = await waitFor('the logs to arrive', async () => (await listHosts()).find((h) => h.id === host.id && h.logs_info === 'completed'), 90_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${agent.describe()}`);
      },
    );
    expect(done.logs_collected_at).toBeDefined();

    const archive = path.join(dataDir, '..', `logs-${host.id}.tar.gz`);
    const downloaded = await inNamespace(['hosts', 'logs', host.id, '--output', archive, ...ops]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const { stdout: listing } = await run('tar', ['-tzf', archive], { timeout: 30_000 });
    const files = listing.split('\n').filter(Boolean);
    expect(files).toContain(`logs_host_${host.id}/report.logs`);
    expect(files).toContain(`logs_host_${host.id}/agent_registration.log`);
    expect(files.some((f) => /ip_a/.test(f))).toBe(true);

    const events = JSON.parse((await inNamespace(['events', '--host-id', host.id, ...ops, '--json'])).stdout) as { message: string }[];
    expect(events.map((e) => e.message).join('\n')).toMatch(/uploaded logs \(\d+ bytes\)/);
    await agent.stop();
    await serve.stop();
  }, 180_000);
});
