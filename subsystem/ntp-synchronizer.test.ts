/**
 * ntp_synchronizer against a real chronyd. The client chronyd runs in a namespace of a test topology
 * and in a private mount namespace whose /run is a temp dir, so its command socket
 * (/run/chrony/chronyd.sock, where chronyc looks) never touches the machine's own /run. A second
 * chronyd in another namespace serves time, so a source can become synced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { Topology } from './support/netns.js';
import { swaggerErrors } from '../test/support/swagger.js';

const run = promisify(execFile);
const CLIENT = '198.18.11.1';
const SERVER = '198.18.11.2';

let topology: Topology;
let dir: string;
let holder: ChildProcess;
let clientChronydPid: number | undefined;

interface NtpOutput {
  ntp_sources: { source_name: string; source_state: string }[];
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a program inside the client's network and mount namespaces. */
async function inClient(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('nsenter', ['-t', String(holder.pid), '-m', '-n', file, ...args], {
      timeout: 60_000,
      // Reverse lookups go to a closed local port: names stay addresses, quickly, whatever this machine's DNS.
      env: { ...process.env, INBAND_DNS_SERVER: '127.0.0.1:9' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function synchronize(ntpSource: string): Promise<NtpOutput> {
  const result = await inClient(BINARY, ['ntp_synchronizer', JSON.stringify({ ntp_source: ntpSource }), '--with-journal-logging=false']);
  expect(result.code, result.stderr).toBe(0);
  const output = JSON.parse(result.stdout) as NtpOutput;
  expect(swaggerErrors('ntp_synchronization_response', output)).toEqual([]);
  return output;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  topology = await Topology.create({
    prefix: 'ib-ntp',
    hosts: [
      { name: 'client', addresses: [`${CLIENT}/24`] },
      { name: 'server', addresses: [`${SERVER}/24`] },
    ],
  });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-ntp-'));
  await fs.mkdir(path.join(dir, 'run', 'chrony'), { recursive: true, mode: 0o750 });
  // chronyd refuses a socket directory that others can read.
  await fs.chmod(path.join(dir, 'run', 'chrony'), 0o750);

  // The time server: NTP on port 123 of its namespace, no command interface at all.
  await fs.writeFile(
    path.join(dir, 'server.conf'),
    ['port 123', 'cmdport 0', 'bindcmdaddress /', `pidfile ${dir}/server.pid`, 'local stratum 8', 'allow 198.18.0.0/15', ''].join('\n'),
  );
  topology.startInNamespace(topology.host('server').netns, '/usr/sbin/chronyd', ['-d', '-x', '-u', 'root', '-f', path.join(dir, 'server.conf')]);

  // Holds the client's private mount namespace; `ip netns exec` and unshare exec in place, so its pid is sleep's.
  holder = topology.startInNamespace(topology.host('client').netns, 'unshare', ['--mount', '--propagation', 'private', 'sleep', 'infinity']);
  await waitFor('the mount namespace holder', async () => (await fs.readlink(`/proc/${holder.pid}/exe`).catch(() => '')).endsWith('/sleep'), 10_000);
  await run('nsenter', ['-t', String(holder.pid), '-m', 'mount', '--bind', path.join(dir, 'run'), '/run'], { timeout: 10_000 });

  await fs.writeFile(path.join(dir, 'client.conf'), ['port 0', 'cmdport 0', `pidfile ${dir}/client.pid`, ''].join('\n'));
  await run('nsenter', ['-t', String(holder.pid), '-m', '-n', '/usr/sbin/chronyd', '-x', '-u', 'root', '-f', path.join(dir, 'client.conf'), '-l', path.join(dir, 'client.log')], {
    timeout: 10_000,
  });
  await waitFor('the client chronyd', async () => (await inClient('chronyc', ['-n', 'sources'])).code === 0, 10_000);
  clientChronydPid = Number((await fs.readFile(path.join(dir, 'client.pid'), 'utf8')).trim());
}, 60_000);

afterAll(async () => {
  if (clientChronydPid) {
    try {
      process.kill(clientChronydPid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await topology?.destroy();
  if (dir) {
    await run('umount', [path.join(dir, 'run')]).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

describe('ntp_synchronizer with a real chronyd', () => {
  it('adds a new server by IP; an unroutable one is unreachable', async () => {
    const output = await synchronize('169.254.1.3');
    expect(output.ntp_sources).toContainEqual({ source_name: '169.254.1.3', source_state: 'unreachable' });
  });

  it('does not add an existing server twice', async () => {
    await synchronize('169.254.1.3');
    const output = await synchronize('169.254.1.3');
    expect(output.ntp_sources.filter((s) => s.source_name === '169.254.1.3')).toHaveLength(1);
    const listing = await inClient('chronyc', ['-n', 'sources']);
    expect(listing.stdout.match(/169\.254\.1\.3/g)).toHaveLength(1);
  });

  it('adds every server of a comma-separated list', async () => {
    const output = await synchronize('169.254.1.3,169.254.1.4,169.254.1.5');
    const names = output.ntp_sources.map((s) => s.source_name);
    for (const ip of ['169.254.1.3', '169.254.1.4', '169.254.1.5']) expect(names).toContain(ip);
  });

  it('reports a reachable time server as synced once chrony selects it', async () => {
    let last: NtpOutput | undefined;
    await waitFor(
      `${SERVER} to become synced`,
      async () => {
        last = await synchronize(SERVER);
        return last.ntp_sources.some((s) => s.source_name === SERVER && s.source_state === 'synced');
      },
      45_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last report ${JSON.stringify(last)}`);
    });
  }, 90_000);

  it('rejects an invalid source with upstream\'s message', async () => {
    const result = await inClient(BINARY, ['ntp_synchronizer', JSON.stringify({ ntp_source: '169.254.1.3,not valid!' }), '--with-journal-logging=false']);
    expect(result.code).toBe(255);
    expect(result.stderr.trim()).toBe('Invalid NTP source: not valid!');
  });
});
