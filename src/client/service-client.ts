import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import type { Logger } from '../log/logger.js';
import { decodeRegistration, decodeSteps, DecodeError } from '../protocol/decode.js';
import type { HostCreateParams, HostRegistrationResponse, LogsState, StepReply, Steps } from '../protocol/models.js';
import { ApiError, MalformedResponseError, NetworkError, parseErrorBody } from './api-error.js';
import { BodyTooLargeError, type BufferedAnswer, IdleWatch, readBounded, withDeadline } from './bounded-call.js';
import { type ClientLimits, clientLimitsFromEnv } from './limits.js';
import { DEFAULT_RETRY, isRetryableStatus, retryDelayMs, type RetryPolicy } from './retry.js';
import { sleep } from '../util/sleep.js';

export const API_BASE_PATH = '/api/assisted-install';

export interface ServiceClientOptions {
  /** Scheme, host and port of the service (`--url`); the API base path is appended. */
  url: string;
  infraEnvId: string;
  /** Sent as `discovery_agent_version` on register, next steps and step replies. */
  agentVersion: string;
  /** The agent token (`PULL_SECRET_TOKEN`), sent as X-Secret-Key even when empty, as upstream. */
  token: string;
  dispatcher?: Dispatcher;
  retry?: RetryPolicy;
  log?: Logger;
  /** Deadlines and size caps; DEFAULT_CLIENT_LIMITS (or INBAND_REQUEST_TIMEOUT_S) otherwise. */
  limits?: Partial<ClientLimits>;
}

export interface CallOptions {
  /** X-Request-ID; one per registration attempt or poll iteration, so the service's logs group a session. */
  requestId?: string;
  signal?: AbortSignal;
}

export interface UploadLogsParams {
  clusterId: string;
  hostId: string;
  infraEnvId?: string;
  /** Path of the tar.gz to upload; it is streamed from disk, never read into memory whole. */
  file: string;
  logsType?: 'host' | 'controller';
}

interface Request {
  operation: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  /** A file sent as multipart field `upfile`, streamed from disk. */
  upload?: string;
  versionHeader: boolean;
  /** Carries a large body (step replies): the longer deadline applies. */
  long?: boolean;
}

/** The agent's five calls to the Assisted Installer Service, with upstream's headers, retries and error handling. */
export class ServiceClient {
  private readonly base: URL;
  private readonly retry: RetryPolicy;
  private readonly limits: ClientLimits;

  constructor(private readonly options: ServiceClientOptions) {
    this.base = parseServiceUrl(options.url);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.limits = { ...clientLimitsFromEnv(), ...options.limits };
  }

  get baseUrl(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  async register(hostId: string, call: CallOptions = {}): Promise<HostRegistrationResponse> {
    const params: HostCreateParams = { host_id: hostId, discovery_agent_version: this.options.agentVersion };
    const res = await this.send(
      { operation: 'register host', method: 'POST', path: this.hostsPath(), json: params, versionHeader: true },
      call,
    );
    return this.decode(res, 201, 'register host', decodeRegistration);
  }

  async nextSteps(hostId: string, timestamp: number, call: CallOptions = {}): Promise<Steps> {
    const res = await this.send(
      {
        operation: 'get next steps',
        method: 'GET',
        path: `${this.hostsPath()}/${hostId}/instructions`,
        query: { timestamp: String(Math.floor(timestamp)) },
        versionHeader: true,
      },
      call,
    );
    return this.decode(res, 200, 'get next steps', decodeSteps);
  }

  async postStepReply(hostId: string, reply: StepReply, call: CallOptions = {}): Promise<void> {
    const res = await this.send(
      { operation: `post ${reply.step_type} reply`, method: 'POST', path: `${this.hostsPath()}/${hostId}/instructions`, json: reply, versionHeader: true, long: true },
      call,
    );
    this.expectNoContent(res, `post ${reply.step_type} reply`);
  }

  async uploadLogs(params: UploadLogsParams, call: CallOptions = {}): Promise<void> {
    const query: Record<string, string> = { logs_type: params.logsType ?? 'host', host_id: params.hostId };
    if (params.infraEnvId) query.infra_env_id = params.infraEnvId;
    const res = await this.send(
      { operation: 'upload logs', method: 'POST', path: `/v2/clusters/${params.clusterId}/logs`, query, upload: params.file, versionHeader: false },
      call,
    );
    this.expectNoContent(res, 'upload logs');
  }

  async logsProgress(hostId: string, state: LogsState, call: CallOptions = {}): Promise<void> {
    const res = await this.send(
      { operation: 'update logs progress', method: 'PUT', path: `${this.hostsPath()}/${hostId}/logs-progress`, json: { logs_state: state }, versionHeader: false },
      call,
    );
    this.expectNoContent(res, 'update logs progress');
  }

  private hostsPath(): string {
    return `/v2/infra-envs/${this.options.infraEnvId}/hosts`;
  }

  private url(path: string, query?: Record<string, string>): string {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${API_BASE_PATH}${path}`, this.base);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url.toString();
  }

  private async send(req: Request, call: CallOptions): Promise<BufferedAnswer> {
    const requestId = call.requestId ?? randomUUID();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Secret-Key': this.options.token,
      'X-Request-ID': requestId,
    };
    if (req.versionHeader) headers.discovery_agent_version = this.options.agentVersion;
    // go-openapi's JSON producer ends every body with a newline; keep byte-compatible bodies.
    const jsonBody = req.json === undefined ? undefined : `${JSON.stringify(req.json)}\n`;
    if (jsonBody !== undefined) headers['Content-Type'] = 'application/json';
    const url = this.url(req.path, req.query);
    const limits = this.limits;
    // One deadline for the whole call, retries included: a service that never answers costs the
    // caller this long, not this long per retry.
    const deadlineMs = req.long ? limits.replyDeadlineMs : limits.callDeadlineMs;
    const endsAt = Date.now() + deadlineMs;

    for (let attempt = 0; ; attempt++) {
      let answer: BufferedAnswer | undefined;
      let failure: unknown;
      try {
        if (req.upload) {
          answer = await streamUpload(this.options.dispatcher ?? getGlobalDispatcher(), url, headers, req.upload, call.signal, limits);
        } else {
          const left = Math.max(1, endsAt - Date.now());
          answer = await withDeadline(req.operation, left, call.signal, (signal) => this.fetchBounded(url, req.method, headers, jsonBody, signal));
        }
      } catch (err) {
        if (call.signal?.aborted) throw err;
        if (err instanceof BodyTooLargeError) throw new MalformedResponseError(req.operation, 200, err.message);
        failure = err;
      }
      const retryable = answer ? isRetryableStatus(answer.status) : true;
      const delay = retryDelayMs(this.retry, attempt);
      const timeLeft = req.upload || Date.now() + delay < endsAt;
      if (!retryable || attempt >= this.retry.retries || !timeLeft) {
        if (answer) return answer;
        throw new NetworkError(req.operation, failure);
      }
      this.options.log?.warn(`Request will be retried in ${delay} ms`, {
        request_id: requestId,
        operation: req.operation,
        reason: answer ? `status ${answer.status}` : new NetworkError(req.operation, failure).message,
      });
      await sleep(delay, call.signal);
    }
  }

  /** One fetch, its answer read whole within the caps; redirects are answers, never followed. */
  private async fetchBounded(url: string, method: Request['method'], headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<BufferedAnswer> {
    const init: RequestInit & { dispatcher?: Dispatcher } = { method, headers, body, signal, redirect: 'manual' };
    if (this.options.dispatcher) init.dispatcher = this.options.dispatcher;
    const res = await fetch(url, init);
    const success = res.status >= 200 && res.status < 300;
    const text = success
      ? await readBounded(res.body, this.limits.maxBodyBytes, res.headers.get('content-length'))
      : await readBounded(res.body, this.limits.maxErrorBodyBytes, null, 'truncate');
    return { status: res.status, statusText: res.statusText, headers: res.headers, text };
  }

  private decode<T>(res: BufferedAnswer, expected: number, operation: string, decoder: (body: unknown) => T): T {
    if (res.status !== expected) throw this.apiError(operation, res);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch (err) {
      throw new MalformedResponseError(operation, res.status, `not JSON (${(err as Error).message})`);
    }
    try {
      return decoder(body);
    } catch (err) {
      if (err instanceof DecodeError) throw new MalformedResponseError(operation, res.status, err.message);
      throw err;
    }
  }

  private expectNoContent(res: BufferedAnswer, operation: string): void {
    if (res.status < 200 || res.status > 299) throw this.apiError(operation, res);
  }

  private apiError(operation: string, res: BufferedAnswer): ApiError {
    if (res.status >= 300 && res.status < 400) {
      const location = (res.headers.get('location') ?? '').slice(0, 200);
      const reason = `redirected${location ? ` to ${location}` : ''}; the agent follows no redirects, so its token goes only to ${this.base.origin}: give the final address as --url`;
      return new ApiError(operation, res.status, reason, 'text');
    }
    const { reason, kind } = parseErrorBody(res.headers.get('content-type') ?? '', res.text);
    return new ApiError(operation, res.status, reason || res.statusText, kind);
  }
}

/**
 * fetch() reads a FormData or streamed body far ahead of the socket (a 300 MB archive cost ~300 MB
 * of RSS), so the logs upload goes through the dispatcher's request(), which waits for the socket
 * to drain; the multipart framing is written around a file stream with a known Content-Length.
 * It may take many minutes, so instead of a deadline it has an idle limit: no byte sent or
 * received for `uploadIdleMs` ends it.
 */
async function streamUpload(dispatcher: Dispatcher, url: string, headers: Record<string, string>, file: string, parent: AbortSignal | undefined, limits: ClientLimits): Promise<BufferedAnswer> {
  const boundary = `inband-${randomUUID()}`;
  const name = basename(file).replace(/["\\\r\n]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(file);
  const idle = new IdleWatch('upload logs', limits.uploadIdleMs, parent);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of createReadStream(file)) {
      idle.poke();
      yield chunk as Buffer;
    }
    yield tail;
  }
  const target = new URL(url);
  try {
    const answer = await dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { ...headers, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + size + tail.length) },
      body: Readable.from(body()),
      signal: idle.signal,
    });
    idle.poke();
    // Error bodies are short; anything past the cap is dropped.
    const text = await readBounded(Readable.toWeb(answer.body) as ReadableStream<Uint8Array>, limits.maxErrorBodyBytes, null, 'truncate');
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(answer.headers)) {
      if (value !== undefined) responseHeaders.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    return { status: answer.statusCode, statusText: '', headers: responseHeaders, text };
  } catch (err) {
    if (idle.timedOut) throw idle.timeout;
    throw err;
  } finally {
    idle.stop();
  }
}

export function parseServiceUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`--url ${JSON.stringify(value)} is not a URL; expected scheme://host[:port], e.g. http://192.0.2.10:8090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`--url ${JSON.stringify(value)}: only http and https are supported`);
  }
  return url;
}
