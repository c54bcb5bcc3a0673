/**
 * Runs the packaged dist/inband as a real child process and keeps what it writes, so a test can
 * look at both sides: the requests in WireMock's journal and the agent's own words.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY } from './build.js';
import { killOnExit } from './cleanup.js';
import { AGENT_VERSION, INFRA_ENV_ID } from './wiremock.js';

export const PULL_SECRET_TOKEN = 'OpenShiftToken';

export interface AgentArgsOptions {
  url: string;
  hostRoot: string;
  interval?: number;
  agentVersion?: string;
  /** Upstream's Go flag package takes `-url X`; systemd units written for it use that form. */
  goStyle?: boolean;
  extra?: string[];
}

/** The command line upstream's docker-compose uses, with logging to stdout so tests can read it. */
export function agentArgs(options: AgentArgsOptions): string[] {
  const dash = options.goStyle ? '-' : '--';
  return [
    'agent',
    `${dash}url`,
    options.url,
    `${dash}infra-env-id`,
    INFRA_ENV_ID,
    `${dash}interval`,
    String(options.interval ?? 1),
    `${dash}agent-version`,
    options.agentVersion ?? AGENT_VERSION,
    `${dash}with-journal-logging=false`,
    `${dash}with-stdout-logging=true`,
    `${dash}host-root`,
    options.hostRoot,
    ...(options.extra ?? []),
  ];
}

/** Agents not yet stopped, for stopAllAgents. */
const live = new Set<AgentProcess>();

export class AgentProcess {
  private out = '';
  private err = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.err += chunk.toString();
    });
    this.exited = new Promise((resolve) => {
      // 'close' rather than 'exit': the pipes are drained, so stdout/stderr are complete afterwards.
      child.once('close', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Both streams, for failure messages. */
  describe(): string {
    return `agent pid ${this.pid ?? '?'} (${this.running ? 'running' : `exited ${this.child.exitCode ?? this.child.signalCode}`})\n--- stderr ---\n${this.err}\n--- stdout (tail) ---\n${this.out.slice(-4000)}`;
  }

  async waitForOutput(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (stream === 'stdout' ? this.out : this.err).match(pattern);
      if (found) return found;
      if (Date.now() >= deadline || !this.running) {
        const why = this.running ? `after ${timeoutMs} ms` : 'before the agent exited';
        throw new Error(`no ${pattern} on ${stream} ${why}; ${this.describe()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM (the agent's clean way out), SIGKILL after a grace period. Resolves with how it ended. */
  async stop(graceMs = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }
}

/**
 * Starts dist/inband with exactly these arguments. The environment is built from scratch: no proxy
 * variables (all traffic must stay on 127.0.0.1), no DRY_* or INBAND_* settings leaking in from the
 * developer's shell.
 */
export function startAgent(args: string[], env: Record<string, string> = {}, binary: string = BINARY): AgentProcess {
  const child = spawn(binary, args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: os.tmpdir(),
      PULL_SECRET_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Longer than any test, shorter than forever: a leaked agent dies on its own.
    timeout: 150_000,
    killSignal: 'SIGKILL',
  });
  killOnExit(child);
  const agent = new AgentProcess(child);
  live.add(agent);
  return agent;
}

/**
 * dist/inband inside a network namespace. `ip netns exec` execs the binary in place, so the
 * process's PID (for /proc) is the agent's own.
 */
export function startAgentInNetns(netns: string, args: string[], env: Record<string, string> = {}): AgentProcess {
  return startAgent(['netns', 'exec', netns, BINARY, ...args], env, 'ip');
}

/** Resident memory of a live process now and at its peak (VmRSS, VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** For afterEach: every agent a test started is stopped, whether the test passed or not. */
export async function stopAllAgents(): Promise<void> {
  await Promise.all([...live].map((agent) => agent.stop()));
}

export interface HostRootOptions {
  boardSerial?: string;
  productUuid?: string;
}

/**
 * A fake host tree for --host-root with just the DMI files the host ID comes from, and an empty
 * /sys/class/net so the MAC fallback never reads the test machine's interfaces.
 */
export function makeHostRoot(options: HostRootOptions = { boardSerial: 'INBAND-SUBSYSTEM-0001' }): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inband-host-root-'));
  const dmi = path.join(dir, 'sys', 'class', 'dmi', 'id');
  mkdirSync(dmi, { recursive: true });
  mkdirSync(path.join(dir, 'sys', 'class', 'net'), { recursive: true });
  // sysfs files end with a newline; the agent must trim it.
  if (options.boardSerial !== undefined) writeFileSync(path.join(dmi, 'board_serial'), `${options.boardSerial}\n`);
  if (options.productUuid !== undefined) writeFileSync(path.join(dmi, 'product_uuid'), `${options.productUuid}\n`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
