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
}

/** The agent's five calls to the Assisted Installer Service, with upstream's headers, retries and error handling. */
export class ServiceClient {
  private readonly base: URL;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: ServiceClientOptions) {
    this.base = parseServiceUrl(options.url);
    this.retry = options.retry ?? DEFAULT_RETRY;
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
      { operation: `post ${reply.step_type} reply`, method: 'POST', path: `${this.hostsPath()}/${hostId}/instructions`, json: reply, versionHeader: true },
      call,
    );
    await this.expectNoContent(res, `post ${reply.step_type} reply`);
  }

  async uploadLogs(params: UploadLogsParams, call: CallOptions = {}): Promise<void> {
    const query: Record<string, string> = { logs_type: params.logsType ?? 'host', host_id: params.hostId };
    if (params.infraEnvId) query.infra_env_id = params.infraEnvId;
    const res = await this.send(
      { operation: 'upload logs', method: 'POST', path: `/v2/clusters/${params.clusterId}/logs`, query, upload: params.file, versionHeader: false },
      call,
    );
    await this.expectNoContent(res, 'upload logs');
  }

  async logsProgress(hostId: string, state: LogsState, call: CallOptions = {}): Promise<void> {
    const res = await this.send(
      { operation: 'update logs progress', method: 'PUT', path: `${this.hostsPath()}/${hostId}/logs-progress`, json: { logs_state: state }, versionHeader: false },
      call,
    );
    await this.expectNoContent(res, 'update logs progress');
  }

  private hostsPath(): string {
    return `/v2/infra-envs/${this.options.infraEnvId}/hosts`;
  }

  private url(path: string, query?: Record<string, string>): string {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${API_BASE_PATH}${path}`, this.base);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url.toString();
  }

  private async send(req: Request, call: CallOptions): Promise<Response> {
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

    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: unknown;
      try {
        if (req.upload) {
          res = await streamUpload(this.options.dispatcher ?? getGlobalDispatcher(), url, headers, req.upload, call.signal);
        } else {
          const init: RequestInit & { dispatcher?: Dispatcher } = { method: req.method, headers, body: jsonBody, signal: call.signal };
          if (this.options.dispatcher) init.dispatcher = this.options.dispatcher;
          res = await fetch(url, init);
        }
      } catch (err) {
        if (call.signal?.aborted) throw err;
        failure = err;
      }
      const retryable = res ? isRetryableStatus(res.status) : true;
      if (!retryable || attempt >= this.retry.retries) {
        if (res) return res;
        throw new NetworkError(req.operation, failure);
      }
      const delay = retryDelayMs(this.retry, attempt);
      this.options.log?.warn(`Request will be retried in ${delay} ms`, {
        request_id: requestId,
        operation: req.operation,
        reason: res ? `status ${res.status}` : new NetworkError(req.operation, failure).message,
      });
      // Not awaited: some bodies never settle a cancel, and the answer is being thrown away anyway.
      if (res) void res.body?.cancel().catch(() => undefined);
      await sleep(delay, call.signal);
    }
  }

  private async decode<T>(res: Response, expected: number, operation: string, decoder: (body: unknown) => T): Promise<T> {
    const text = await res.text();
    if (res.status !== expected) throw this.apiError(operation, res, text);
    let body: unknown;
    try {
      body = JSON.parse(text);
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

  private async expectNoContent(res: Response, operation: string): Promise<void> {
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw this.apiError(operation, res, text);
  }

  private apiError(operation: string, res: Response, text: string): ApiError {
    const { reason, kind } = parseErrorBody(res.headers.get('content-type') ?? '', text);
    return new ApiError(operation, res.status, reason || res.statusText, kind);
  }
}

/**
 * fetch() reads a FormData or streamed body far ahead of the socket (a 300 MB archive cost ~300 MB
 * of RSS), so the logs upload goes through the dispatcher's request(), which waits for the socket
 * to drain; the multipart framing is written around a file stream with a known Content-Length.
 */
async function streamUpload(dispatcher: Dispatcher, url: string, headers: Record<string, string>, file: string, signal?: AbortSignal): Promise<Response> {
  const boundary = `inband-${randomUUID()}`;
  const name = basename(file).replace(/["\\\r\n]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="upfile"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { size } = await stat(file);
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of createReadStream(file)) yield chunk as Buffer;
    yield tail;
  }
  const target = new URL(url);
  const answer = await dispatcher.request({
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: 'POST',
    headers: { ...headers, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(head.length + size + tail.length) },
    body: Readable.from(body()),
    signal,
  });
  // Error bodies are short; the answer is rebuilt as a fetch Response so the callers stay the same.
  const text = await answer.body.text();
  const responseHeaders = new Headers();
  for (const [key, value] of Object.entries(answer.headers)) {
    if (value !== undefined) responseHeaders.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const empty = answer.statusCode === 204 || answer.statusCode === 304 || text === '';
  return new Response(empty ? null : text, { status: answer.statusCode, headers: responseHeaders });
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
