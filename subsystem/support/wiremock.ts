/**
 * A real WireMock standalone (the jar the `wiremock` npm package ships) playing the Assisted
 * Installer Service, with stubs shaped like upstream's subsystem/utils.go and helpers over its
 * request journal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './build.js';
import { killOnExit } from './cleanup.js';

export const WIREMOCK_JAR = path.join(ROOT, 'node_modules', 'wiremock', 'build', 'wiremock-standalone-3.13.2.jar');

export const INFRA_ENV_ID = '11111111-1111-1111-1111-111111111111';
/** What the agent is started with and must send as discovery_agent_version on registration. */
export const AGENT_VERSION = 'quay.io/edge-infrastructure/assisted-installer-agent:latest';
/**
 * What the stubbed service hands back in next_step_runner_command. Deliberately different from
 * AGENT_VERSION: upstream's runner is started with the service's value, so polls and replies carry it.
 */
export const RUNNER_AGENT_VERSION = 'quay.io/edge-infrastructure/assisted-installer-agent:subsystem';
export const HOSTS_PATH = `/api/assisted-install/v2/infra-envs/${INFRA_ENV_ID}/hosts`;

/** Upstream's test host IDs: 00000000-0000-0000-0000-0000000000NN. */
export function testHostId(n: number): string {
  return `00000000-0000-0000-0000-${n.toString().padStart(12, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Stubs

export interface StubMapping {
  request: { method: string; url?: string; urlPattern?: string };
  response: { status: number; body?: string; headers?: Record<string, string> };
  priority?: number;
}

function json(status: number, body: unknown): StubMapping['response'] {
  return { status, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
}

/** A Host as the service returns it on registration, without next_step_runner_command. */
function hostBody(hostId: string): Record<string, unknown> {
  return {
    id: hostId,
    kind: 'Host',
    href: `${HOSTS_PATH}/${hostId}`,
    infra_env_id: INFRA_ENV_ID,
    status: 'discovering',
    status_info: 'Waiting for host to send hardware details',
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  };
}

export interface RegisterOptions {
  retrySeconds?: number;
  /** The agent version the service tells the runner to use. */
  agentVersion?: string;
}

/** 201 with a usable next_step_runner_command for `hostId`. */
export function registerStub(hostId: string, options: RegisterOptions = {}): StubMapping {
  const request = JSON.stringify({
    agent_version: options.agentVersion ?? RUNNER_AGENT_VERSION,
    host_id: hostId,
    infra_env_id: INFRA_ENV_ID,
  });
  return {
    request: { method: 'POST', url: HOSTS_PATH },
    response: json(201, {
      ...hostBody(hostId),
      next_step_runner_command: { command: '', args: [request], retry_seconds: options.retrySeconds ?? 0 },
    }),
  };
}

/** Upstream's "invalid command" variant: 201, but next_step_runner_command has no args. */
export function registerInvalidCommandStub(hostId: string, retrySeconds: number): StubMapping {
  return {
    request: { method: 'POST', url: HOSTS_PATH },
    response: json(201, { ...hostBody(hostId), next_step_runner_command: { command: '', retry_seconds: retrySeconds } }),
  };
}

/** A refusal with the body type the swagger gives that status: InfraError for 401/403, Error otherwise. */
export function registerErrorStub(status: number): StubMapping {
  const body =
    status === 401 || status === 403
      ? { code: status, message: String(status) }
      : { code: String(status), href: '', id: status, kind: 'Error', reason: String(status) };
  return { request: { method: 'POST', url: HOSTS_PATH }, response: json(status, body) };
}

export interface StepInstruction {
  step_type: string;
  step_id: string;
  args: string[];
}

export interface StepsBody {
  next_instruction_seconds: number;
  instructions?: StepInstruction[];
  post_step_action?: 'continue' | 'exit';
}

/** GET next steps for `hostId`, whatever the timestamp query. A 404 with a Steps body is upstream's "cluster not exists". */
export function nextStepsStub(hostId: string, steps: StepsBody, status = 200): StubMapping {
  return {
    request: { method: 'GET', urlPattern: `${HOSTS_PATH}/${hostId}/instructions[?]timestamp=[0-9]*` },
    response: json(status, { instructions: [], post_step_action: 'continue', ...steps }),
  };
}

export function stepReplyStub(hostId: string): StubMapping {
  return { request: { method: 'POST', url: `${HOSTS_PATH}/${hostId}/instructions` }, response: { status: 204 } };
}

// ---------------------------------------------------------------------------------------------
// Journal

export interface JournalRequest {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** WireMock's clock, ms since the epoch, when the request arrived. */
  loggedDate: number;
  wasMatched: boolean;
  status: number;
}

interface RawJournal {
  requests: {
    request: { method: string; url: string; body?: string; headers?: Record<string, string>; loggedDate: number };
    response?: { status: number };
    responseDefinition?: { status: number };
    wasMatched: boolean;
  }[];
}

/** Header lookup regardless of case: Go canonicalises names, undici lower-cases them. */
export function header(request: JournalRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function jsonBody(request: JournalRequest): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}

export function registrations(journal: readonly JournalRequest[]): JournalRequest[] {
  return journal.filter((r) => r.method === 'POST' && r.url === HOSTS_PATH);
}

/** GET next-steps calls, for one host or for any. */
export function instructionPolls(journal: readonly JournalRequest[], hostId?: string): JournalRequest[] {
  const prefix = hostId ? `${HOSTS_PATH}/${hostId}/instructions?` : undefined;
  return journal.filter(
    (r) => r.method === 'GET' && (prefix ? r.url.startsWith(prefix) : /\/hosts\/[^/]+\/instructions\?/.test(r.url)),
  );
}

export function stepReplies(journal: readonly JournalRequest[], hostId?: string): JournalRequest[] {
  return journal.filter(
    (r) => r.method === 'POST' && (hostId ? r.url === `${HOSTS_PATH}/${hostId}/instructions` : /\/hosts\/[^/]+\/instructions$/.test(r.url)),
  );
}

/** "POST …/hosts ×3, GET …/instructions ×2", for failure messages that show what did happen. */
export function summarize(journal: readonly JournalRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of journal) {
    const key = `${r.method} ${r.url.replace(/\?.*$/, '')} → ${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} ×${n}`).join('; ') || '(empty journal)';
}

// ---------------------------------------------------------------------------------------------
// The server

export interface StartOptions {
  /** A fixed port (the late-service test needs to know it before WireMock runs); 0 lets WireMock choose. */
  port?: number;
  startTimeoutMs?: number;
}

/** A process whose requests a journal wait is waiting for; if it dies, waiting longer is pointless. */
export interface Watched {
  readonly running: boolean;
  describe(): string;
}

export class WireMock {
  private output = '';
  private readonly watched = new Set<Watched>();

  private constructor(
    private readonly child: ChildProcess,
    private readonly rootDir: string,
    private portNumber = 0,
  ) {
    const keep = (chunk: Buffer): void => {
      // Enough for the port line and a crash message; WireMock never logs much without --verbose.
      if (this.output.length < 64 * 1024) this.output += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(options: StartOptions = {}): Promise<WireMock> {
    // An empty root dir, so WireMock loads no mappings or __files from wherever the suite runs.
    const rootDir = mkdtempSync(path.join(os.tmpdir(), 'inband-wiremock-'));
    const args = [
      // A short-lived test server: skip the optimising JIT tiers, they cost more start time than they save.
      '-XX:TieredStopAtLevel=1',
      '-jar',
      WIREMOCK_JAR,
      '--port',
      String(options.port ?? 0),
      '--bind-address',
      '127.0.0.1',
      '--disable-banner',
      '--root-dir',
      rootDir,
      '--disable-extensions-scanning',
      '--container-threads',
      '50',
    ];
    const child = spawn('java', args, {
      cwd: rootDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Outlives no test file: a file that hangs still loses its JVM.
      timeout: 15 * 60_000,
      killSignal: 'SIGKILL',
    });
    killOnExit(child);
    const server = new WireMock(child, rootDir, options.port ?? 0);
    try {
      await server.waitReady(options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`WireMock exited (${this.child.exitCode ?? this.child.signalCode}) before it was ready:\n${this.output}`);
      }
      if (this.portNumber === 0) {
        const found = /^port:\s+(\d+)/m.exec(this.output);
        if (found?.[1]) this.portNumber = Number(found[1]);
      }
      if (this.portNumber !== 0) {
        try {
          const res = await fetch(`${this.url}/__admin/health`, { signal: AbortSignal.timeout(2_000) });
          await res.body?.cancel();
          if (res.ok) return;
        } catch {
          // not listening yet
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`WireMock not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  private async admin(method: string, adminPath: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}/__admin${adminPath}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`WireMock ${method} /__admin${adminPath}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** Adds a stub and returns its id, for removing it later. */
  async stub(mapping: StubMapping): Promise<string> {
    const created = (await this.admin('POST', '/mappings', mapping)) as { id: string };
    return created.id;
  }

  async removeStub(id: string): Promise<void> {
    await this.admin('DELETE', `/mappings/${id}`);
  }

  /** No stubs and an empty journal, as upstream's BeforeEach. */
  async reset(): Promise<void> {
    await this.admin('DELETE', '/mappings');
    await this.resetJournal();
  }

  async resetJournal(): Promise<void> {
    await this.admin('DELETE', '/requests');
  }

  /** Every request WireMock received since the last reset, oldest first. */
  async journal(): Promise<JournalRequest[]> {
    const raw = (await this.admin('GET', '/requests')) as RawJournal;
    return raw.requests
      .map((entry) => ({
        method: entry.request.method,
        url: entry.request.url,
        body: entry.request.body ?? '',
        headers: entry.request.headers ?? {},
        loggedDate: entry.request.loggedDate,
        wasMatched: entry.wasMatched,
        status: entry.response?.status ?? entry.responseDefinition?.status ?? 0,
      }))
      .sort((a, b) => a.loggedDate - b.loggedDate);
  }

  /** Makes journal waits fail at once, with the process's output, if `process` exits. */
  watch(process: Watched): void {
    this.watched.add(process);
  }

  unwatchAll(): void {
    this.watched.clear();
  }

  /**
   * Polls the journal until `condition` holds and returns that journal; on the deadline, or when a
   * watched agent has exited, fails with what the journal did contain. For "at least" assertions,
   * so a fast agent makes a fast test.
   */
  async waitFor(
    what: string,
    condition: (journal: JournalRequest[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<JournalRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const journal = await this.journal();
      if (condition(journal)) return journal;
      const dead = [...this.watched].find((p) => !p.running);
      if (dead) throw new Error(`gave up waiting for ${what}: the agent exited; journal: ${summarize(journal)}\n${dead.describe()}`);
      if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; journal: ${summarize(journal)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM, then SIGKILL if the JVM lingers; safe to call twice. */
  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}
