/**
 * logs_sender end to end against the packaged `inband serve`: the archive arrives and the operator
 * downloads it, the host's logs_info goes requested → collecting → completed, a 300 MB log
 * directory goes up without the sender's memory growing with it, and the service's 413 is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { BINARY, coldCopyOfBinary } from './support/build.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { tempDir } from '../test/support/temp-dir.js';
import { freePort } from './support/free-port.js';

const run = promisify(execFile);
const TOKEN = 'subsystem-logs-operator-token';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BINARY, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface Service {
  url: string;
  ops: string[];
  process: AgentProcess;
}

async function startService(extra: string[] = []): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('logs-serve'), '--admin-token', TOKEN, ...extra]);
  await process.waitForOutput('stderr', /serving on http:\/\/127\.0\.0\.1/, 30_000);
  return { url, ops: ['--server', url, '--token', TOKEN], process };
}

/** An infra-env and a host registered in it through the agent API, as the agent would. */
async function registeredHost(service: Service): Promise<{ infraEnvId: string; hostId: string; agentToken: string }> {
  const created = await cli(['infra-env', 'create', '--name', `logs-${randomUUID().slice(0, 8)}`, ...service.ops, '--json']);
  expect(created.code, created.stderr).toBe(0);
  const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };
  const hostId = randomUUID();
  const res = await fetch(`${service.url}/api/assisted-install/v2/infra-envs/${infraEnv.id}/hosts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Secret-Key': infraEnv.agent_token },
    body: JSON.stringify({ host_id: hostId, discovery_agent_version: 'subsystem' }),
  });
  expect(res.status, await res.text()).toBe(201);
  return { infraEnvId: infraEnv.id, hostId, agentToken: infraEnv.agent_token };
}

function senderArgs(service: Service, host: { infraEnvId: string; hostId: string }, extra: string[] = []): string[] {
  return ['logs_sender', '-url', service.url, '-cluster-id', host.infraEnvId, '-host-id', host.hostId, '-infra-env-id', host.infraEnvId, '--with-journal-logging=false', ...extra];
}

async function hostRecord(service: Service, hostId: string): Promise<{ id: string; logs_info?: string }> {
  const listed = await cli(['hosts', 'list', ...service.ops, '--json']);
  return (JSON.parse(listed.stdout) as { id: string; logs_info?: string }[]).find((h) => h.id === hostId) ?? { id: hostId };
}

/** Waits for the process to end while recording its peak RSS (VmHWM) and what the host's logs_info went through. */
async function watch(proc: AgentProcess, onTick: () => Promise<void> = async () => undefined, timeoutMs = 140_000): Promise<{ code: number | null; peakKiB: number; anonPeakKiB: number }> {
  let peakKiB = 0;
  let anonPeakKiB = 0;
  const deadline = Date.now() + timeoutMs;
  while (proc.running && Date.now() < deadline) {
    try {
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      const anon = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
      if (anon) anonPeakKiB = Math.max(anonPeakKiB, Number(anon[1]));
    } catch {
      // gone between the check and the read
    }
    await onTick();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { code } = await proc.stop();
  return { code, peakKiB, anonPeakKiB };
}

async function writeLog(file: string, bytes: number, random: boolean): Promise<void> {
  const out = createWriteStream(file);
  const chunk = 1024 * 1024;
  for (let written = 0; written < bytes; written += chunk) {
    const size = Math.min(chunk, bytes - written);
    if (!out.write(random ? randomBytes(size) : Buffer.alloc(size, 'agent log line\n'))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

afterAll(async () => {
  await stopAllAgents();
});

describe('logs_sender against the bundled service', () => {
  let service: Service;

  beforeAll(async () => {
    // Above the 300 MB bundle below, so only the sender's own cap could cut it.
    service = await startService(['--max-log-bytes', String(400 * 1024 * 1024)]);
  }, 60_000);

  it('uploads the bundle: the operator downloads it, its listing holds the expected files, logs_info ends completed', async () => {
    const host = await registeredHost(service);
    const logDir = tempDir('logs-agent-dir');
    await fs.writeFile(path.join(logDir, 'agent_registration.log'), 'time="x" level=info msg="registered"\n');
    await fs.writeFile(path.join(logDir, 'agent_next_step_runner.log'), 'time="x" level=info msg="polling"\n');

    const sender = startAgent(senderArgs(service, host), { PULL_SECRET_TOKEN: host.agentToken, INBAND_LOG_DIR: logDir });
    const { code } = await watch(sender);
    expect(code, sender.describe()).toBe(0);
    expect(sender.stdout).toMatch(/^Logs were sent\n/);

    const archive = path.join(tempDir('logs-download'), 'logs.tar.gz');
    const downloaded = await cli(['hosts', 'logs', host.hostId, ...service.ops, '--output', archive]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const { stdout: listing } = await run('tar', ['-tzf', archive]);
    const names = listing.split('\n').filter(Boolean);
    const dir = `logs_host_${host.hostId}/`;
    for (const name of ['report.logs', 'agent_registration.log', 'agent_next_step_runner.log', 'ip_a.logs', 'ip_r.logs', 'lsblk.logs', 'findmnt.logs', 'dmesg.logs', 'disk_by_id.logs']) {
      expect(names, listing).toContain(`${dir}${name}`);
    }
    const { stdout: report } = await run('tar', ['-xzOf', archive, `${dir}report.logs`]);
    // The report printed is the report shipped.
    expect(sender.stdout).toBe(`Logs were sent\n${report}`);
    const { stdout: ipA } = await run('tar', ['-xzOf', archive, `${dir}ip_a.logs`]);
    expect(ipA).toContain('lo');

    expect((await hostRecord(service, host.hostId)).logs_info).toBe('completed');
    const events = JSON.parse((await cli(['events', '--host-id', host.hostId, ...service.ops, '--json'])).stdout) as { message: string }[];
    expect(events.map((e) => e.message).join('\n')).toMatch(/uploaded logs \(\d+ bytes\)/);
  });

  it('sends a 300 MB log directory with the sender\'s RSS under 100 MB, progress requested → collecting → completed', async () => {
    const host = await registeredHost(service);
    const logDir = tempDir('logs-big');
    // Random bytes: gzip cannot shrink them, so the archive and the upload are really ~300 MB.
    await writeLog(path.join(logDir, 'agent_registration.log'), 150 * 1024 * 1024, true);
    await writeLog(path.join(logDir, 'agent_next_step_runner.log'), 150 * 1024 * 1024, true);

    const binary = await coldCopyOfBinary(tempDir('logs-binary'));
    const seen: string[] = [];
    const sender = startAgent(senderArgs(service, host, ['--max-size', String(350 * 1024 * 1024)]), { PULL_SECRET_TOKEN: host.agentToken, INBAND_LOG_DIR: logDir }, binary);
    const { code, peakKiB, anonPeakKiB } = await watch(sender, async () => {
      const state = (await hostRecord(service, host.hostId)).logs_info ?? '';
      if (state && seen[seen.length - 1] !== state) seen.push(state);
    });
    expect(code, sender.describe()).toBe(0);
    process.stdout.write(`logs_sender for a 300 MB log directory: peak RSS (VmHWM) ${peakKiB} KiB, sampled peak anonymous RSS ${anonPeakKiB} KiB\n`);
    expect(peakKiB).toBeGreaterThan(0);
    // The whole process, the binary's mapped code included, as a host that read it from disk.
    expect(peakKiB).toBeLessThan(100 * 1024);
    expect(anonPeakKiB).toBeLessThan(peakKiB);

    const final = await hostRecord(service, host.hostId);
    if (seen[seen.length - 1] !== final.logs_info) seen.push(final.logs_info ?? '');
    expect(seen[seen.length - 1]).toBe('completed');
    // Polling can miss a short state, never reorder them.
    const order = ['requested', 'collecting', 'completed'];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort());
    expect(seen).toContain('collecting');

    const archive = path.join(tempDir('logs-download'), 'logs.tar.gz');
    expect((await cli(['hosts', 'logs', host.hostId, ...service.ops, '--output', archive])).code).toBe(0);
    expect((await fs.stat(archive)).size).toBeGreaterThan(300 * 1024 * 1024);
  }, 180_000);

  it('truncates the largest files to --max-size and says so in report.logs inside the archive', async () => {
    const host = await registeredHost(service);
    const logDir = tempDir('logs-cap');
    await writeLog(path.join(logDir, 'agent_registration.log'), 4 * 1024 * 1024, false);
    await fs.writeFile(path.join(logDir, 'agent_next_step_runner.log'), 'short\n');
    const sender = startAgent(senderArgs(service, host, ['--max-size', String(1024 * 1024)]), { PULL_SECRET_TOKEN: host.agentToken, INBAND_LOG_DIR: logDir });
    const { code } = await watch(sender);
    expect(code, sender.describe()).toBe(0);
    expect(sender.stdout).toMatch(/agent_registration\.log: truncated from 4194304 to its last \d+ bytes \(bundle size cap 1048576 bytes\)/);
    const archive = path.join(tempDir('logs-download'), 'logs.tar.gz');
    expect((await cli(['hosts', 'logs', host.hostId, ...service.ops, '--output', archive])).code).toBe(0);
    const { stdout: report } = await run('tar', ['-xzOf', archive, `logs_host_${host.hostId}/report.logs`]);
    expect(report).toContain('agent_registration.log: truncated from 4194304');
  });
});

describe('logs_sender against a service with a small upload cap', () => {
  it('exits non-zero saying the service refused the archive (413) and why', async () => {
    const service = await startService(['--max-log-bytes', '1000']);
    const host = await registeredHost(service);
    const logDir = tempDir('logs-413');
    await writeLog(path.join(logDir, 'agent_registration.log'), 256 * 1024, true);
    const sender = startAgent(senderArgs(service, host), { PULL_SECRET_TOKEN: host.agentToken, INBAND_LOG_DIR: logDir });
    const { code } = await watch(sender);
    expect(code, sender.describe()).not.toBe(0);
    expect(sender.stderr).toMatch(/Failed to run send logs: the service refused the \d+-byte logs archive as too large \(413: the logs archive exceeds the service's limit of 1000 bytes\)/);
    expect(sender.stdout).not.toContain('Logs were sent');
    expect((await hostRecord(service, host.hostId)).logs_info).toBe('collecting');
  });

  it('exits 2 with usage when -url is missing', async () => {
    const result = await cli(['logs_sender', '-cluster-id', randomUUID(), '-host-id', randomUUID(), '-infra-env-id', randomUUID(), '--with-journal-logging=false', '--with-text-logging=false']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Must provide a target URL');
  });
});
