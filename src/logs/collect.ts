/**
 * What logs_sender gathers on the host, as upstream's logs_sender does: the agent's own text logs,
 * its and the installer's journal entries, kernel messages, block devices and mounts, and the
 * network state. Every command goes through the CommandRunner with an argument vector and a
 * timeout; a tool or file that is missing is written down for report.logs and the rest goes on,
 * because a partial bundle is worth more to whoever debugs the host than none at all.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { CommandRunner } from '../host/command-runner.js';

export interface CollectOptions {
  run: CommandRunner;
  /** The logs_host_<id> directory; it exists and is empty. */
  dir: string;
  /** Where the agent's own text logs are (INBAND_LOG_DIR, else /var/log). */
  agentLogDir: string;
  /** The host's journal directory; passed as `-D` only when it exists, else the default journal is read. */
  journalDir: string;
  since?: string;
  bootstrap: boolean;
  installerGather: boolean;
  mastersIps: string[];
  signal?: AbortSignal;
  commandTimeoutMs?: number;
}

/** One problem or remark for report.logs. */
export type ReportNotes = string[];

const COMMAND_TIMEOUT_MS = 120_000;
/**
 * Command output is held in memory until it is written; journalctl on a busy host can print far more
 * than the agent may hold, so each command's output is capped and the cap noted.
 */
export const MAX_COMMAND_OUTPUT = 8 * 1024 * 1024;

interface CommandSpec {
  file: string;
  args: string[];
  output: string;
}

export const LSBLK_COLUMNS = 'NAME,MAJ:MIN,SIZE,TYPE,FSTYPE,KNAME,MODEL,UUID,WWN,HCTL,VENDOR,STATE,TRAN,PKNAME';

/** The agent's log files: upstream's two names plus their rotations (agent_registration.log.1 …). */
export function isAgentLogName(name: string): boolean {
  return /^agent[\w.-]*\.log(\.\d+)?$/.test(name);
}

export async function collectLogs(options: CollectOptions): Promise<ReportNotes> {
  const notes: ReportNotes = [];
  await copyAgentLogs(options, notes);

  const journalBase = [...((await isDirectory(options.journalDir)) ? ['-D', options.journalDir] : []), '--all', '--no-pager'];
  if (options.since) journalBase.push('--since', options.since);
  const commands: CommandSpec[] = [
    { file: 'journalctl', args: [...journalBase, 'SYSLOG_IDENTIFIER=agent'], output: 'agent.logs' },
    { file: 'journalctl', args: [...journalBase, 'SYSLOG_IDENTIFIER=installer'], output: 'installer.logs' },
    { file: 'dmesg', args: ['-T'], output: 'dmesg.logs' },
    { file: 'lsblk', args: ['-o', LSBLK_COLUMNS], output: 'lsblk.logs' },
    { file: 'findmnt', args: ['--df'], output: 'findmnt.logs' },
    { file: 'ls', args: ['-l', '/dev/disk/by-id'], output: 'disk_by_id.logs' },
    { file: 'ls', args: ['-l', '/dev/disk/by-path'], output: 'disk_by_path.logs' },
    { file: 'ip', args: ['a'], output: 'ip_a.logs' },
    { file: 'ip', args: ['r'], output: 'ip_r.logs' },
  ];
  for (const command of commands) await runInto(options, command, notes);

  const services = ['ironic-agent', ...(options.bootstrap ? ['bootkube'] : [])];
  for (const service of services) {
    // Upstream skips a unit the host does not have rather than reporting an empty journal for it.
    const listed = await options.run('systemctl', ['list-units', '--all', '--no-legend', `${service}.service`], runOptions(options));
    if (listed.exitCode !== 0 || listed.stdout.trim() === '') continue;
    await runInto(options, { file: 'journalctl', args: [...journalBase, '-u', service], output: `${service}.logs` }, notes);
  }

  if (options.installerGather) {
    await runInto(options, { file: 'coredumpctl', args: ['list', '--no-legend'], output: 'coredumps.logs' }, notes);
    await runInto(options, { file: 'journalctl', args: [...journalBase], output: 'journal.logs' }, notes);
    if (options.bootstrap) {
      // upstream's installer-gather.sh ships in its agent image only; this binary does not carry it.
      notes.push(`installer gather (bootstrap, masters ${options.mastersIps.join(',') || 'none'}): not available in this agent, skipped`);
    }
  }
  return notes;
}

function runOptions(options: CollectOptions) {
  return { timeoutMs: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, signal: options.signal, maxOutputBytes: MAX_COMMAND_OUTPUT };
}

async function runInto(options: CollectOptions, command: CommandSpec, notes: ReportNotes): Promise<void> {
  const shown = [command.file, ...command.args].join(' ');
  const result = await options.run(command.file, command.args, runOptions(options));
  if (result.exitCode === -1 && result.stdout === '') {
    notes.push(`${shown}: not run: ${firstLine(result.stderr) || 'could not start'}`);
    return;
  }
  await fs.writeFile(path.join(options.dir, command.output), result.stdout);
  if (Buffer.byteLength(result.stdout) >= MAX_COMMAND_OUTPUT) notes.push(`${shown}: output cut at ${MAX_COMMAND_OUTPUT} bytes`);
  if (result.timedOut) notes.push(`${shown}: timed out; ${command.output} holds what it printed until then`);
  else if (result.exitCode !== 0) notes.push(`${shown}: exit code ${result.exitCode}: ${firstLine(result.stderr)}`);
}

async function copyAgentLogs(options: CollectOptions, notes: ReportNotes): Promise<void> {
  let names: string[];
  try {
    names = (await fs.readdir(options.agentLogDir)).filter(isAgentLogName).sort();
  } catch (err) {
    notes.push(`agent text logs: cannot list ${options.agentLogDir}: ${(err as Error).message}`);
    return;
  }
  for (const expected of ['agent_registration.log', 'agent_next_step_runner.log']) {
    if (!names.includes(expected)) notes.push(`${path.join(options.agentLogDir, expected)}: not found`);
  }
  for (const name of names) {
    const from = path.join(options.agentLogDir, name);
    try {
      const stat = await fs.stat(from);
      if (!stat.isFile()) continue;
      // copyFile moves the bytes in the kernel (or by chunks), never through a whole-file buffer.
      await fs.copyFile(from, path.join(options.dir, name), fsConstants.COPYFILE_FICLONE);
    } catch (err) {
      notes.push(`${from}: not copied: ${(err as Error).message}`);
    }
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
