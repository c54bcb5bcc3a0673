/**
 * The packaged service (`dist/inband serve`) on loopback for the hostile-input suites, with what
 * they watch while they attack it: its RSS (and the peak of it, from /proc), /healthz latency, and
 * the files it made. The data dir sits alone in a sandbox directory beside a `victim` directory, so
 * "no file outside the data dir" is a comparison of two listings.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { startAgent, type AgentProcess } from './agent.js';
import { freePort } from './free-port.js';

export const HOSTILE_OPERATOR_TOKEN = 'hostile-suite-operator-token';

/**
 * The agent binary these services hand out. By default `serve` hands out its own 100 MB
 * executable, hashed at start and gzipped in the background, which costs every start a second and
 * every stop several; these suites attack the API, not the downloads (service-downloads.test.ts
 * does), so a small ELF file stands in.
 */
export const SMALL_AGENT_BINARY = ['--agent-binary', '/usr/bin/true'];

export interface InfraEnv {
  id: string;
  agent_token: string;
  download_token: string;
}

export interface StartServiceOptions {
  /** Names the temp directories, so a failed run's leftovers say whose they are. */
  name: string;
  /** More `serve` flags (timeouts, limits). */
  flags?: string[];
}

export class HostileService {
  private constructor(
    readonly process: AgentProcess,
    readonly port: number,
    /** Holds `data/` and `victim/` and nothing else. */
    readonly sandbox: string,
  ) {}

  static async start(options: StartServiceOptions): Promise<HostileService> {
    const sandbox = tempDir(`hostile-${options.name}`);
    mkdirSync(path.join(sandbox, 'victim'));
    const port = await freePort();
    const serve = startAgent([
      'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(sandbox, 'data'), '--admin-token', HOSTILE_OPERATOR_TOKEN, '--with-stdout-logging=false',
      ...SMALL_AGENT_BINARY,
      ...(options.flags ?? []),
    ]);
    await serve.waitForOutput('stderr', /serving on/, 30_000);
    return new HostileService(serve, port, sandbox);
  }

  get dataDir(): string {
    return path.join(this.sandbox, 'data');
  }

  get victimDir(): string {
    return path.join(this.sandbox, 'victim');
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The API base, `…/api/assisted-install`. */
  get base(): string {
    return `${this.origin}/api/assisted-install`;
  }

  /** A route's path on the wire, for raw requests. */
  path(route: string): string {
    return `/api/assisted-install${route}`;
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error('the service has no pid');
    return pid;
  }

  private status(field: 'VmRSS' | 'VmHWM'): number {
    const text = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) / 1024;
  }

  /** Resident memory now, MB. */
  rssMb(): number {
    return this.status('VmRSS');
  }

  /** Starts a new peak: VmHWM falls back to the current RSS. */
  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  /** The highest RSS since the last resetPeak(), MB. */
  peakRssMb(): number {
    return this.status('VmHWM');
  }

  /** One /healthz round trip, ms; it must be a 200. */
  async healthMs(): Promise<number> {
    const started = performance.now();
    const res = await fetch(`${this.origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await res.text();
    expect(res.status).toBe(200);
    return performance.now() - started;
  }

  /**
   * Probes /healthz every `everyMs` until stopped; resolves with the slowest answer, ms (a probe
   * that fails counts as Infinity), and how many probes ran.
   */
  watchHealth(everyMs = 50): { stop(): Promise<{ slowestMs: number; probes: number }> } {
    let stopped = false;
    let slowestMs = 0;
    let probes = 0;
    const loop = (async () => {
      while (!stopped) {
        const started = performance.now();
        try {
          const res = await fetch(`${this.origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
          await res.text();
          slowestMs = Math.max(slowestMs, res.status === 200 ? performance.now() - started : Infinity);
        } catch {
          slowestMs = Infinity;
        }
        probes++;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
        return { slowestMs, probes };
      },
    };
  }

  operator(route: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${HOSTILE_OPERATOR_TOKEN}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.base}${route}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
  }

  async createInfraEnv(name = 'hostile'): Promise<InfraEnv> {
    const res = await this.operator('/v2/infra-envs', { method: 'POST', body: { name } });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    return JSON.parse(text) as InfraEnv;
  }

  agent(ie: InfraEnv, route: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'x-secret-key': ie.agent_token, ...init.headers };
    if (init.body !== undefined && !(init.body instanceof FormData)) headers['content-type'] ??= 'application/json';
    const body = init.body === undefined || init.body instanceof FormData || typeof init.body === 'string' ? (init.body as FormData | string | undefined) : JSON.stringify(init.body);
    return fetch(`${this.base}${route}`, { method: init.method ?? 'GET', headers, body, signal: AbortSignal.timeout(60_000) });
  }

  register(ie: InfraEnv, hostId: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.agent(ie, `/v2/infra-envs/${ie.id}/hosts`, { method: 'POST', body: { host_id: hostId }, headers });
  }

  stepReply(ie: InfraEnv, hostId: string, reply: unknown): Promise<Response> {
    return this.agent(ie, `/v2/infra-envs/${ie.id}/hosts/${hostId}/instructions`, { method: 'POST', body: typeof reply === 'string' ? reply : JSON.stringify(reply) });
  }

  /** The logs upload's route and query under the API base, as the agent's logs_sender calls it. */
  logsRoute(ie: InfraEnv, hostId: string): string {
    return `/v2/clusters/${ie.id}/logs?logs_type=host&host_id=${hostId}&infra_env_id=${ie.id}`;
  }

  /** Every path under the sandbox but inside the data dir, relative: what the service must never add to. */
  filesOutsideDataDir(): string[] {
    return listTree(this.sandbox).filter((entry) => entry !== 'data' && !entry.startsWith(`data${path.sep}`));
  }
}

function listTree(root: string, prefix = ''): string[] {
  const entries: string[] = [];
  for (const name of readdirSync(path.join(root, prefix)).sort()) {
    const relative = path.join(prefix, name);
    entries.push(relative);
    if (statSync(path.join(root, relative)).isDirectory()) entries.push(...listTree(root, relative));
  }
  return entries;
}

/** The upstream error shapes: `error` ({kind, id, code, href, reason}) or `infra_error` ({code, message}). */
export function expectUpstreamError(text: string, status: number): Record<string, unknown> {
  const body = JSON.parse(text) as Record<string, unknown>;
  if (typeof body.code === 'number') {
    expect(body, text).toEqual({ code: status, message: expect.any(String) });
  } else {
    expect(body, text).toMatchObject({ kind: 'Error', id: status, code: String(status), reason: expect.any(String) });
  }
  return body;
}
