import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { normalizeGoFlags } from '../cli/go-flags.js';
import { logsSenderBuilder, logsSenderFlags } from '../commands/logs-sender.js';
import type { CommandResult, CommandRunner, RunOptions } from '../host/command-runner.js';
import { parseLogsGatherArgs } from '../steps/logs-gather.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { capDirectory, describeTruncations, truncationLevel, writeReport } from './archive.js';
import { collectLogs, LSBLK_COLUMNS } from './collect.js';

const CLUSTER = '11111111-1111-4111-8111-111111111111';
const HOST = '22222222-2222-4222-8222-222222222222';
const IE = '33333333-3333-4333-8333-333333333333';

function parse(args: string[]) {
  return logsSenderBuilder(yargs(normalizeGoFlags(args)).parserConfiguration({ 'camel-case-expansion': false })).parseSync() as Record<string, unknown>;
}

describe('logs_sender flags', () => {
  it('takes upstream\'s Go-style flags', () => {
    const flags = logsSenderFlags(
      parse(['-url', 'http://127.0.0.1:1', '-cluster-id', CLUSTER, '-host-id', HOST, '-infra-env-id', IE, '--insecure=true', '-bootstrap=true', '-with-installer-gather-logging', '-masters-ips=10.0.0.1,10.0.0.2', '-since', '5 minutes ago', '-dont-clean', '--cacert', '/ca.pem']),
      {},
    );
    expect(flags).toMatchObject({
      url: 'http://127.0.0.1:1',
      clusterId: CLUSTER,
      hostId: HOST,
      infraEnvId: IE,
      insecure: true,
      bootstrap: true,
      installerGather: true,
      mastersIps: ['10.0.0.1', '10.0.0.2'],
      since: '5 minutes ago',
      dontClean: true,
      cacertPath: '/ca.pem',
      maxSizeBytes: 200 * 1024 * 1024,
    });
  });

  it('takes the token from -pull-secret-token, else from PULL_SECRET_TOKEN', () => {
    const base = ['-url', 'http://127.0.0.1:1', '-cluster-id', CLUSTER, '-host-id', HOST, '-infra-env-id', IE];
    expect(logsSenderFlags(parse(base), { PULL_SECRET_TOKEN: 'env-token' }).token).toBe('env-token');
    expect(logsSenderFlags(parse([...base, '-pull-secret-token', 'flag-token']), { PULL_SECRET_TOKEN: 'env-token' }).token).toBe('flag-token');
  });

  it('logs to journal and text file by default, as upstream\'s logs_sender', () => {
    const argv = parse([]);
    expect(argv['with-journal-logging']).toBe(true);
    expect(argv['with-text-logging']).toBe(true);
  });

  it.each([
    [[], 'Must provide a target URL'],
    [['-url', 'ftp://x'], 'is not an http(s) URL'],
    [['-url', 'http://127.0.0.1:1'], '-cluster-id must be provided'],
    [['-url', 'http://127.0.0.1:1', '-cluster-id', 'nope'], '-cluster-id "nope" is not a UUID'],
    [['-url', 'http://127.0.0.1:1', '-cluster-id', CLUSTER, '-host-id', HOST], '-infra-env-id must be provided'],
    [['-url', 'http://127.0.0.1:1', '-cluster-id', CLUSTER, '-host-id', HOST, '-infra-env-id', IE, '--max-size', '0'], '--max-size must be a positive'],
  ])('refuses %j with a usage error', (args, message) => {
    expect(() => logsSenderFlags(parse(args), {})).toThrow(message);
  });
});

describe('logs-gather arguments', () => {
  it('parses LogsGatherCmdRequest', () => {
    const args = parseLogsGatherArgs([JSON.stringify({ cluster_id: CLUSTER, infra_env_id: IE, host_id: HOST, bootstrap: false, installer_gather: true, master_ips: ['a; $(x)'] })]);
    expect(args).toEqual({ clusterId: CLUSTER, infraEnvId: IE, hostId: HOST, bootstrap: false, installerGather: true, masterIps: ['a; $(x)'] });
  });

  it('lists every problem in go-openapi\'s words', () => {
    expect(() => parseLogsGatherArgs([JSON.stringify({ cluster_id: 'x', host_id: HOST, bootstrap: 'yes' })])).toThrow(
      'validation failure list:\ncluster_id in body must be of type uuid: "x"\ninfra_env_id in body is required\nbootstrap in body must be of type boolean: "string"\ninstaller_gather in body is required',
    );
  });
});

describe('truncation', () => {
  it('leaves a bundle under the cap alone', () => {
    expect(truncationLevel([10, 20], 30)).toBeUndefined();
  });

  it('cuts only the largest files, sharing what the small ones leave', () => {
    // 100 left after the two small files; the two large ones get 45 each.
    expect(truncationLevel([5, 5, 1000, 500], 100)).toBe(45);
    expect(truncationLevel([300], 100)).toBe(100);
  });

  it('keeps the end of each cut file and says so', async () => {
    const dir = tempDir('logs-cap');
    await fs.writeFile(path.join(dir, 'big.log'), `${'a'.repeat(200_000)}THE END`);
    await fs.writeFile(path.join(dir, 'small.log'), 'small');
    const cut = await capDirectory(dir, 64 * 1024 + 1000);
    expect(cut).toEqual([{ name: 'big.log', size: 200_007, keptBytes: 995 }]);
    const big = await fs.readFile(path.join(dir, 'big.log'), 'utf8');
    expect(big).toHaveLength(995);
    expect(big.endsWith('THE END')).toBe(true);
    expect(await fs.readFile(path.join(dir, 'small.log'), 'utf8')).toBe('small');
    expect(describeTruncations(cut, 66_536)).toEqual(['big.log: truncated from 200007 to its last 995 bytes (bundle size cap 66536 bytes)']);
  });
});

describe('collection and report', () => {
  function fakeRunner(calls: { file: string; args: readonly string[]; options: RunOptions }[]): CommandRunner {
    return async (file, args, options): Promise<CommandResult> => {
      calls.push({ file, args, options });
      if (file === 'journalctl' || file === 'systemctl') return { stdout: '', stderr: `${file}: spawn ${file} ENOENT`, exitCode: -1, timedOut: false };
      if (file === 'dmesg') return { stdout: '', stderr: 'dmesg: read kernel buffer failed: Operation not permitted', exitCode: 1, timedOut: false };
      return { stdout: `${file} ${args.join(' ')}\n`, stderr: '', exitCode: 0, timedOut: false };
    };
  }

  it('runs argument vectors with timeouts, writes outputs, and notes what was missing without failing', async () => {
    const dir = tempDir('logs-bundle');
    const logDir = tempDir('logs-agent');
    await fs.writeFile(path.join(logDir, 'agent_registration.log'), 'registered\n');
    await fs.writeFile(path.join(logDir, 'unrelated.log'), 'no\n');
    const calls: { file: string; args: readonly string[]; options: RunOptions }[] = [];
    const notes = await collectLogs({
      run: fakeRunner(calls),
      dir,
      agentLogDir: logDir,
      journalDir: path.join(logDir, 'no-journal'),
      since: '1 hour ago',
      bootstrap: false,
      installerGather: false,
      mastersIps: [],
    });
    expect(calls.every((c) => c.options.timeoutMs > 0)).toBe(true);
    expect(calls.map((c) => [c.file, ...c.args])).toContainEqual(['journalctl', '--all', '--no-pager', '--since', '1 hour ago', 'SYSLOG_IDENTIFIER=agent']);
    expect(calls.map((c) => [c.file, ...c.args])).toContainEqual(['lsblk', '-o', LSBLK_COLUMNS]);
    expect((await fs.readdir(dir)).sort()).toEqual(
      ['agent_registration.log', 'disk_by_id.logs', 'disk_by_path.logs', 'dmesg.logs', 'findmnt.logs', 'ip_a.logs', 'ip_r.logs', 'lsblk.logs'].sort(),
    );
    expect(await fs.readFile(path.join(dir, 'ip_a.logs'), 'utf8')).toBe('ip a\n');
    expect(notes).toEqual([
      `${path.join(logDir, 'agent_next_step_runner.log')}: not found`,
      'journalctl --all --no-pager --since 1 hour ago SYSLOG_IDENTIFIER=agent: not run: journalctl: spawn journalctl ENOENT',
      'journalctl --all --no-pager --since 1 hour ago SYSLOG_IDENTIFIER=installer: not run: journalctl: spawn journalctl ENOENT',
      'dmesg -T: exit code 1: dmesg: read kernel buffer failed: Operation not permitted',
    ]);
    expect(await writeReport(dir, notes)).toBe(`${notes.join('\n')}\n`);
    expect(await writeReport(dir, [])).toBe('no errors\n');
  });

  it('reads the journal directory only when it exists', async () => {
    const dir = tempDir('logs-bundle');
    const journal = tempDir('logs-journal');
    const calls: { file: string; args: readonly string[]; options: RunOptions }[] = [];
    await collectLogs({ run: fakeRunner(calls), dir, agentLogDir: dir, journalDir: journal, bootstrap: true, installerGather: true, mastersIps: ['10.0.0.1'] });
    expect(calls[0]?.args).toEqual(['-D', journal, '--all', '--no-pager', 'SYSLOG_IDENTIFIER=agent']);
    expect(calls.map((c) => c.file)).toContain('coredumpctl');
  });
});
