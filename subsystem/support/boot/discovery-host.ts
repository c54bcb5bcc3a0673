/**
 * A discovery host "booting" from inband's discovery files, without a VM: the files Ignition (or
 * cloud-init) would write go into a scratch root, remote contents are fetched from inside the
 * host's network namespace, and the enabled unit's commands run as systemd would run them — same
 * argv, same environment — inside that namespace, with the scratch root laid over the machine's
 * /etc, /usr/local and /home (overlayfs in a private mount namespace: the machine is untouched).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import { AgentProcess } from '../agent.js';
import { killOnExit } from '../cleanup.js';
import { parseCommand, parseEnvironmentAssignments, parseEnvironmentFile, parseUnit, unitValues, type Command } from './systemd-unit.js';

const run = promisify(execFile);
const BOOT_ROOT_SCRIPT = path.join(path.dirname(new URL(import.meta.url).pathname), 'boot-root.sh');
/** What systemd (Debian's build) gives every service before its own Environment=. */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class IgnitionError extends Error {}

interface IgnitionResource {
  source?: string;
  compression?: string;
  verification?: { hash?: string };
}

interface IgnitionConfig {
  ignition: { version: string; security?: { tls?: { certificateAuthorities?: IgnitionResource[] } } };
  passwd?: { users?: { name: string; sshAuthorizedKeys?: string[] }[] };
  storage?: { files?: { path: string; mode?: number; overwrite?: boolean; contents?: IgnitionResource }[] };
  systemd?: { units?: { name: string; enabled?: boolean; contents?: string }[] };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function decodeDataUrl(source: string): Buffer {
  const match = /^data:([^,]*),(.*)$/s.exec(source);
  if (!match) throw new IgnitionError(`not a data URL: ${source.slice(0, 60)}`);
  return (match[1] as string).endsWith(';base64') ? Buffer.from(match[2] as string, 'base64') : Buffer.from(decodeURIComponent(match[2] as string));
}

export class DiscoveryHost {
  /** Units the configuration enabled (Ignition's `enabled`, cloud-init's `systemctl enable`). */
  readonly enabledUnits: string[] = [];
  private readonly work: string;

  constructor(
    readonly netns: string,
    /** The scratch root: what the configuration wrote, at the paths it names. */
    readonly root: string,
  ) {
    this.work = `${root}.overlay-work`;
  }

  hostPath(file: string): string {
    if (!file.startsWith('/') || file.split('/').includes('..')) throw new IgnitionError(`not an absolute, normalised path: ${file}`);
    return path.join(this.root, file);
  }

  private async write(file: string, contents: Buffer, mode: number): Promise<void> {
    const target = this.hostPath(file);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await fs.writeFile(target, contents);
    await fs.chmod(target, mode);
  }

  /** Fetches a URL from inside the host's namespace, as the host's Ignition or curl would. */
  async fetch(url: string, caFile?: string): Promise<Buffer> {
    const out = path.join(this.work, `fetch-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`);
    await fs.mkdir(this.work, { recursive: true });
    // --compressed, as Go's HTTP client asks for gzip by itself: a server that encoded inband.gz
    // again would be undone here, and Ignition's own gunzip would then fail.
    const args = ['netns', 'exec', this.netns, 'curl', '--fail', '--silent', '--show-error', '--compressed', '--output', out, ...(caFile ? ['--cacert', caFile] : []), url];
    try {
      await run('ip', args, { timeout: 120_000 });
    } catch (err) {
      throw new IgnitionError(`fetching ${url}: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
    const bytes = await fs.readFile(out);
    await fs.rm(out);
    return bytes;
  }

  private async resource(resource: IgnitionResource, where: string, caFile: string | undefined): Promise<Buffer> {
    const source = resource.source ?? '';
    let bytes = source.startsWith('data:') ? decodeDataUrl(source) : await this.fetch(source, caFile);
    if (resource.compression === 'gzip') bytes = gunzipSync(bytes);
    else if (resource.compression) throw new IgnitionError(`${where}: compression ${resource.compression}`);
    const hash = resource.verification?.hash;
    if (hash) {
      // The spec: with compression, the hash describes the decompressed contents.
      const [algorithm, expected] = hash.split('-') as [string, string];
      if (algorithm !== 'sha512' && algorithm !== 'sha256') throw new IgnitionError(`${where}: hash type ${algorithm}`);
      const actual = createHash(algorithm).update(bytes).digest('hex');
      if (actual !== expected) throw new IgnitionError(`${where}: hash mismatch: the config wants ${algorithm} ${expected}, ${source} has ${actual}`);
    }
    return bytes;
  }

  /** What Ignition does with the parts of a config inband writes; anything unexpected throws. */
  async applyIgnition(config: IgnitionConfig): Promise<void> {
    const major = /^3\.(\d+)\.\d+$/.exec(config.ignition.version);
    if (!major || Number(major[1]) > 4) throw new IgnitionError(`ignition.version ${config.ignition.version}: a v3.4 reader takes 3.0.0 to 3.4.0`);
    let caFile: string | undefined;
    const cas = config.ignition.security?.tls?.certificateAuthorities ?? [];
    if (cas.length > 0) {
      caFile = path.join(this.work, 'ignition-ca.pem');
      await fs.mkdir(this.work, { recursive: true });
      await fs.writeFile(caFile, Buffer.concat(await Promise.all(cas.map((ca, i) => this.resource(ca, `certificateAuthorities[${i}]`, undefined)))));
    }
    for (const file of config.storage?.files ?? []) {
      const contents = file.contents?.source ? await this.resource(file.contents, file.path, caFile) : Buffer.alloc(0);
      await this.write(file.path, contents, file.mode ?? 0o644);
    }
    for (const unit of config.systemd?.units ?? []) {
      if (unit.contents !== undefined) await this.write(`/etc/systemd/system/${unit.name}`, Buffer.from(unit.contents), 0o644);
      if (unit.enabled) this.enabledUnits.push(unit.name);
    }
    for (const user of config.passwd?.users ?? []) {
      // Where Fedora CoreOS's Ignition puts a user's keys.
      if (user.sshAuthorizedKeys?.length) await this.write(`/home/${user.name}/.ssh/authorized_keys.d/ignition`, Buffer.from(`${user.sshAuthorizedKeys.join('\n')}\n`), 0o600);
    }
  }

  /**
   * cloud-init's write_files (path, content, permissions, b64 encoding) into the scratch root,
   * and its runcmd interpreted: only the systemctl commands inband writes are understood.
   */
  async applyCloudConfig(text: string): Promise<{ config: Record<string, unknown>; runcmd: string[][] }> {
    if (!text.startsWith('#cloud-config\n')) throw new Error('user-data without the #cloud-config line is not read as cloud-config');
    const config = yaml.load(text) as { write_files?: { path: string; content?: string; permissions?: string; encoding?: string }[]; runcmd?: string[][] };
    for (const file of config.write_files ?? []) {
      const contents = file.encoding === 'b64' ? Buffer.from(file.content ?? '', 'base64') : Buffer.from(file.content ?? '');
      await this.write(file.path, contents, file.permissions ? parseInt(file.permissions, 8) : 0o644);
    }
    const runcmd = config.runcmd ?? [];
    for (const command of runcmd) {
      if (!Array.isArray(command)) throw new Error(`runcmd entry run by a shell: ${String(command)}`);
      const [program, verb, ...rest] = command;
      if (program !== 'systemctl') throw new Error(`runcmd runs ${program}, which this emulation does not`);
      if (verb === 'daemon-reload') continue;
      if (verb === 'enable' && rest.includes('--now')) {
        this.enabledUnits.push(...rest.filter((a) => !a.startsWith('--')));
        continue;
      }
      throw new Error(`runcmd: systemctl ${verb} is not emulated`);
    }
    return { config: config as Record<string, unknown>, runcmd };
  }

  async unitText(name: string): Promise<string> {
    return fs.readFile(this.hostPath(`/etc/systemd/system/${name}`), 'utf8');
  }

  /** The unit's commands and its environment as systemd builds it: defaults, Environment=, then EnvironmentFile=. */
  async serviceOf(name: string): Promise<{ pre: Command[]; start: Command; environment: Record<string, string> }> {
    const unit = parseUnit(await this.unitText(name));
    const environment: Record<string, string> = { PATH: SYSTEMD_PATH };
    for (const value of unitValues(unit, 'Service', 'Environment')) Object.assign(environment, parseEnvironmentAssignments(value));
    for (const value of unitValues(unit, 'Service', 'EnvironmentFile')) {
      const optional = value.startsWith('-');
      const file = optional ? value.slice(1) : value;
      const text = await fs.readFile(this.hostPath(file), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (optional && err.code === 'ENOENT') return '';
        throw err;
      });
      Object.assign(environment, parseEnvironmentFile(text));
    }
    const starts = unitValues(unit, 'Service', 'ExecStart');
    if (starts.length !== 1) throw new Error(`${name}: a Type=simple service has one ExecStart, this has ${starts.length}`);
    return { pre: unitValues(unit, 'Service', 'ExecStartPre').map(parseCommand), start: parseCommand(starts[0] as string), environment };
  }

  private argv(command: string[]): string[] {
    return ['netns', 'exec', this.netns, 'unshare', '--mount', '--propagation', 'private', '/bin/sh', BOOT_ROOT_SCRIPT, this.root, this.work, ...command];
  }

  /** One command on the booted host, to completion. */
  async exec(command: string[], environment: Record<string, string>, timeoutMs = 180_000): Promise<CommandResult> {
    await fs.mkdir(this.work, { recursive: true });
    return new Promise((resolve) => {
      execFile('ip', this.argv(command), { env: environment, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /**
   * Starts a unit as systemd would: each ExecStartPre to completion (a failure fails the start,
   * unless `-`), then ExecStart as the long-running main process, with the unit's environment.
   */
  async start(name: string): Promise<{ pre: CommandResult[]; main?: AgentProcess; failed?: CommandResult }> {
    const service = await this.serviceOf(name);
    const pre: CommandResult[] = [];
    for (const command of service.pre) {
      const result = await this.exec(command.argv, service.environment);
      pre.push(result);
      if (result.code !== 0 && !command.ignoreFailure) return { pre, failed: result };
    }
    await fs.mkdir(this.work, { recursive: true });
    const child = spawn('ip', this.argv(service.start.argv), { env: service.environment, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000, killSignal: 'SIGKILL' });
    killOnExit(child);
    return { pre, main: new AgentProcess(child) };
  }
}
