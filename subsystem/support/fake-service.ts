/**
 * A fake Assisted Installer Service that answers however a test tells it to, down to the bytes on
 * the socket: the hostile peer of the agent suites (`subsystem/hostile/agent-*`). WireMock cannot
 * stream 1.5 GB, drip a byte every few seconds, cut a body short or answer with a 1xx status line;
 * a plain node:http server can. Every request is recorded in WireMock's journal shape, so the
 * journal helpers of wiremock.ts (registrations, instructionPolls, stepReplies, summarize) apply.
 *
 * Given a network namespace, the server listens on 127.0.0.1 inside it (listenInNamespace), so an
 * agent run in that namespace reaches it and nothing else: the steps a hostile answer asks for
 * cannot probe the machine's network.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenInNamespace } from './netns.js';
import { waitFor } from './wait.js';
import { registerStub, type JournalRequest } from './wiremock.js';

export type Route = 'register' | 'next-steps' | 'step-reply' | 'logs' | 'logs-progress' | 'other';

export interface Call {
  route: Route;
  /** The host the call is about: from the path, or (registration) from the body. */
  hostId: string;
  /** Already in the journal; `status` is filled in when the answer ends. */
  request: JournalRequest;
  /** How many calls of this route came before this one, for answers that change over time. */
  index: number;
}

/** Answers one call. May write to `res`, take over `res.socket`, or never answer at all. */
export type Answer = (call: Call, res: ServerResponse) => void | Promise<void>;

/** What the service keeps of a request body: step replies are KBs, an inventory a few MB. */
const MAX_RECORDED_BODY = 8 * 1024 * 1024;

const HOST_PATH = /^\/api\/assisted-install\/v2\/infra-envs\/[^/]+\/hosts(?:\/([^/?]+)\/(instructions|logs-progress))?(?:\?|$)/;
const LOGS_PATH = /^\/api\/assisted-install\/v2\/clusters\/[^/]+\/logs(?:\?|$)/;

export function routeOf(method: string, url: string): { route: Route; hostId: string } {
  const hosts = HOST_PATH.exec(url);
  if (hosts) {
    const [, hostId = '', leaf] = hosts;
    if (!leaf && method === 'POST') return { route: 'register', hostId };
    if (leaf === 'instructions' && method === 'GET') return { route: 'next-steps', hostId };
    if (leaf === 'instructions' && method === 'POST') return { route: 'step-reply', hostId };
    if (leaf === 'logs-progress' && method === 'PUT') return { route: 'logs-progress', hostId };
  }
  if (LOGS_PATH.test(url) && method === 'POST') return { route: 'logs', hostId: new URL(url, 'http://x').searchParams.get('host_id') ?? '' };
  return { route: 'other', hostId: '' };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Upstream's 201 for `hostId`, with a usable next_step_runner_command (the shape the WireMock suites stub). */
export function registrationBody(hostId: string): unknown {
  return JSON.parse(registerStub(hostId).response.body ?? '{}');
}

export interface StepsAnswer {
  next_instruction_seconds?: unknown;
  instructions?: unknown[];
  post_step_action?: unknown;
}

export function stepsBody(steps: StepsAnswer = {}): unknown {
  return { instructions: [], next_instruction_seconds: 1, post_step_action: 'continue', ...steps };
}

/** A well-behaved service: registers anyone under the ID it asked for, polls every second, takes every reply. */
export const WELL_BEHAVED: Answer = (call, res) => {
  if (call.route === 'register') return sendJson(res, 201, registrationBody(call.hostId));
  if (call.route === 'next-steps') return sendJson(res, 200, stepsBody());
  if (call.route === 'other') return sendJson(res, 404, { code: '404', href: '', id: 404, kind: 'Error', reason: 'no such route' });
  res.writeHead(204).end();
};

/**
 * `bytes` of JSON-looking filler, written as the socket drains and never held in memory: stops as
 * soon as the client hangs up. Resolves with how many body bytes were written.
 */
export function streamFiller(res: ServerResponse, bytes: number, declareLength: boolean): Promise<number> {
  res.writeHead(200, { 'Content-Type': 'application/json', ...(declareLength ? { 'Content-Length': String(bytes) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  chunk.write('{"instructions":[');
  const filler = Buffer.alloc(64 * 1024, 0x20);
  let written = 0;
  return new Promise((resolve) => {
    let closed = false;
    res.once('close', () => {
      closed = true;
      resolve(written);
    });
    const pump = (): void => {
      while (!closed && written < bytes) {
        const piece = (written === 0 ? chunk : filler).subarray(0, Math.min(filler.length, bytes - written));
        written += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  });
}

/** Headers at once, then one byte of body every `everyMs`, for ever (until the client hangs up). */
export function drip(res: ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000000' });
  res.write('{');
  const timer = setInterval(() => res.write(' '), everyMs);
  res.once('close', () => clearInterval(timer));
}

/** Raw bytes on the socket instead of an HTTP answer (a 1xx final status, broken headers, …), then close. */
export function rawAnswer(res: ServerResponse, bytes: string | Buffer): void {
  const socket = res.socket;
  if (!socket) return;
  socket.end(bytes);
}

export class FakeService {
  readonly journal: JournalRequest[] = [];
  /** Replaced by tests between phases; WELL_BEHAVED until then. */
  answer: Answer = WELL_BEHAVED;
  private readonly sockets = new Set<Socket>();
  private readonly counts = new Map<Route, number>();
  private readonly ended = new WeakMap<JournalRequest, number>();
  /**
   * Calls not yet ended, per connection. A raw answer ends the socket without ending its response,
   * and Node queues a request read meanwhile behind that response, so its own 'close' never comes:
   * the connection's close ends them all.
   */
  private readonly open = new WeakMap<Socket, Set<() => void>>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.open.set(socket, new Set());
      socket.once('close', () => {
        this.sockets.delete(socket);
        for (const close of this.open.get(socket) ?? []) close();
      });
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    // A hostile peer has no timeouts of its own: holding a connection for ever is its point.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 60_000;
  }

  /** On 127.0.0.1 of `netns` when given (only that namespace reaches it), else of this machine. */
  static async start(options: { netns?: string; answer?: Answer } = {}): Promise<FakeService> {
    const server = http.createServer();
    let port: number;
    if (options.netns) {
      const listener = await listenInNamespace(options.netns);
      port = listener.port;
      await new Promise<void>((resolve) => server.listen(listener.server, resolve));
    } else {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    }
    const service = new FakeService(server, port);
    if (options.answer) service.answer = options.answer;
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.sockets.size;
  }

  calls(route: Route, hostId?: string): JournalRequest[] {
    return this.journal.filter((r) => {
      const where = routeOf(r.method, r.url);
      return where.route === route && (hostId === undefined || where.hostId === hostId || (route === 'register' && registeredId(r) === hostId));
    });
  }

  async waitFor(what: string, check: (journal: readonly JournalRequest[]) => boolean, timeoutMs = 15_000, context: () => string = () => ''): Promise<JournalRequest[]> {
    return waitFor(what, async () => (check(this.journal) ? [...this.journal] : undefined), timeoutMs, context);
  }

  /** Ms from a request's arrival until its answer ended or either side hung up; undefined while open. */
  heldFor(request: JournalRequest): number | undefined {
    const end = this.ended.get(request);
    return end === undefined ? undefined : end - request.loggedDate;
  }

  /** Forgets what was recorded, between phases of a test. */
  clear(): void {
    this.journal.length = 0;
    this.counts.clear();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private settle(request: JournalRequest, res: ServerResponse, at: number): void {
    request.status = res.headersSent ? res.statusCode : -1;
    this.ended.set(request, at);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Listened for before the body is read: a client that hangs up meanwhile has still ended the call.
    let closedAt: number | undefined;
    const calls = this.open.get(req.socket);
    const onClose = (): void => {
      if (closedAt !== undefined) return;
      closedAt = Date.now();
      calls?.delete(onClose);
      if (request) this.settle(request, res, closedAt);
    };
    res.once('close', onClose);
    calls?.add(onClose);
    let request: JournalRequest | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        if (size < MAX_RECORDED_BODY) chunks.push(chunk.subarray(0, MAX_RECORDED_BODY - size));
        size += chunk.length;
      }
    } catch {
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    request = {
      method: req.method ?? '',
      url: req.url ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
      headers,
      loggedDate: Date.now(),
      wasMatched: true,
      status: 0,
    };
    this.journal.push(request);
    if (closedAt !== undefined) this.settle(request, res, closedAt);
    const where = routeOf(request.method, request.url);
    const hostId = where.route === 'register' ? (registeredId(request) ?? '') : where.hostId;
    const index = this.counts.get(where.route) ?? 0;
    this.counts.set(where.route, index + 1);
    if (closedAt !== undefined) return;
    try {
      await this.answer({ route: where.route, hostId, request, index }, res);
    } catch (err) {
      // A bug in a test's answer, not the agent's: say so on the wire and in the test's output.
      process.stderr.write(`fake service answer failed: ${(err as Error).stack ?? String(err)}\n`);
      res.destroy();
    }
  }
}

function registeredId(request: JournalRequest): string | undefined {
  try {
    const body = JSON.parse(request.body) as { host_id?: unknown };
    return typeof body.host_id === 'string' ? body.host_id : undefined;
  } catch {
    return undefined;
  }
}
