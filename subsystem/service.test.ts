/**
 * The bundled service end to end: the packaged binary serves, the operator CLI creates an
 * infra-env, the packaged agent discovers this very machine through it, and the host lands in
 * known or insufficient with the validations this machine deserves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { tempDir } from '../test/support/temp-dir.js';
import { waitFor } from './support/wait.js';
import { freePort } from './support/free-port.js';

const run = promisify(execFile);
const TOKEN = 'subsystem-operator-token';


async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BINARY, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('inband serve with the packaged agent on this machine', () => {
  let server = '';
  let serve: AgentProcess;
  let ops: string[] = [];
  const dataDir = tempDir('serve-data');

  beforeAll(async () => {
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    ops = ['--server', server, '--token', TOKEN];
    // The agent below runs on the machine's own network: one poll an hour means it only ever gets
    // the discovering host's steps (inventory), never free-network-addresses or connectivity scans.
    serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--poll-interval', '3600']);
    await serve.waitForOutput('stderr', /serving on http:\/\/127\.0\.0\.1/, 30_000);
  }, 60_000);

  afterAll(async () => {
    await stopAllAgents();
  });

  it('refuses the operator CLI without the right token, saying so', async () => {
    const result = await cli(['infra-env', 'list', '--server', server, '--token', 'wrong']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('service answered 401: the operator token is not valid');
  });

  it('discovers this host: registered, inventory in, known or insufficient with this machine\'s validations', async () => {
    // No NTP sources or domains: this agent runs on the machine's own network, and those steps would
    // reach past loopback. (The namespaced logs-gather test covers them.)
    const created = await cli(['infra-env', 'create', '--name', 'subsystem', ...ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };

    const agent = startAgent(['agent', '--url', server, '--infra-env-id', infraEnv.id, '--interval', '1', '--with-journal-logging=false', '--with-stdout-logging=true'], {
      PULL_SECRET_TOKEN: infraEnv.agent_token,
    });
    type Host = { id: string; status: string; validations_info?: string; inventory?: string };
    const host = await waitFor<Host>(
      'the host to be discovered',
      async () => {
        const listed = JSON.parse((await cli(['hosts', 'list', ...ops, '--json'])).stdout) as Host[];
        return listed.find((h) => h.status === 'known' || h.status === 'insufficient');
      },
      60_000,
      () => `${agent.describe()}\n--- serve ---\n${serve.describe()}`,
    );

    const inventory = JSON.parse(host.inventory ?? '{}') as { cpu: { count: number }; memory: { usable_bytes: number } };
    expect(inventory.cpu.count).toBe(availableParallelism());
    const memTotalKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(inventory.memory.usable_bytes).toBe(memTotalKiB * 1024);

    const validations = JSON.parse(host.validations_info ?? '{}') as Record<string, { id: string; status: string }[]>;
    const status = (id: string): string | undefined => Object.values(validations).flat().find((v) => v.id === id)?.status;
    expect(status('has-inventory')).toBe('success');
    expect(status('connected')).toBe('success');
    expect(status('has-min-cpu-cores')).toBe(availableParallelism() >= 2 ? 'success' : 'failure');
    const failing = Object.values(validations).flat().filter((v) => v.status === 'failure');
    expect(host.status).toBe(failing.length === 0 ? 'known' : 'insufficient');

    const shown = await cli(['hosts', 'show', host.id, ...ops]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Host ${host.id}`);
    expect(shown.stdout).toMatch(/has-min-cpu-cores\s+(success|failure)/);
    expect(shown.stdout).toMatch(/inventory\s+0\s/);

    const table = await cli(['hosts', 'list', ...ops]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+HOSTNAME\s+STATUS\s+CPUS\s+MEMORY/);
    expect(table.stdout).toContain(host.id);

    const events = JSON.parse((await cli(['events', '--host-id', host.id, ...ops, '--json'])).stdout) as { message: string }[];
    expect(events.map((e) => e.message).join('\n')).toMatch(/successfully registered[\s\S]*updated status from discovering to (known|insufficient)/);
    await agent.stop();
  });
});

describe('inband serve operator token', () => {
  it('is generated on first start, printed once, kept 0600, and found by the CLI through --data-dir', async () => {
    const dataDir = tempDir('serve-token');
    const port = await freePort();
    const first = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--with-stdout-logging=false']);
    const printed = (await first.waitForOutput('stderr', /generated the operator token \(saved in (\S+); shown only this once\): (\S+)/, 30_000));
    await first.waitForOutput('stderr', /serving on/, 30_000);
    const [, file, token] = printed;
    expect(file).toBe(`${dataDir}/admin-token`);
    expect(statSync(file as string).mode & 0o777).toBe(0o600);
    expect(readFileSync(file as string, 'utf8').trim()).toBe(token);
    const listed = await cli(['infra-env', 'list', '--server', `http://127.0.0.1:${port}`, '--data-dir', dataDir, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    await first.stop();

    const second = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--with-stdout-logging=false']);
    await second.waitForOutput('stderr', /serving on/, 30_000);
    expect(second.stderr).not.toContain('generated the operator token');
    const refused = await cli(['infra-env', 'list', '--server', `http://127.0.0.1:${port}`, '--token', 'not-it']);
    expect(refused.code).toBe(1);
    await second.stop();
  });
});
