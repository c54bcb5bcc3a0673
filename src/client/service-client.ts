import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { Dispatcher } from 'undici';
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
  form?: () => Promise<FormData>;
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
    const form = async (): Promise<FormData> => {
      const data = new FormData();
      data.append('upfile', await openAsBlob(params.file), basename(params.file));
      return data;
    };
    const res = await this.send(
      { operation: 'upload logs', method: 'POST', path: `/v2/clusters/${params.clusterId}/logs`, query, form, versionHeader: false },
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
        const body = jsonBody ?? (req.form ? await req.form() : undefined);
        const init: RequestInit & { dispatcher?: Dispatcher } = { method: req.method, headers, body, signal: call.signal };
        if (this.options.dispatcher) init.dispatcher = this.options.dispatcher;
        res = await fetch(url, init);
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
