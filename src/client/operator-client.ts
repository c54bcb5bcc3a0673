import type { Dispatcher } from 'undici';
import { ApiError, NetworkError, parseErrorBody } from './api-error.js';
import { API_BASE_PATH, parseServiceUrl } from './service-client.js';

export interface OperatorClientOptions {
  /** The service, scheme://host:port. */
  url: string;
  /** The operator token, sent as Authorization: Bearer. */
  token: string;
  dispatcher?: Dispatcher;
}

/** The operator's calls to `inband serve` (JSON in and out, upstream-style error bodies). */
export class OperatorClient {
  private readonly base: URL;

  constructor(private readonly options: OperatorClientOptions) {
    this.base = parseServiceUrl(options.url);
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> {
    const res = await this.send(method, path, body, query);
    const text = await res.text();
    if (!res.ok) throw this.error(method, path, res, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A binary download (host logs, discovery files), as the raw response for streaming to a file. */
  async download(path: string, query?: Record<string, string | undefined>): Promise<Response> {
    const res = await this.send('GET', path, undefined, query);
    if (!res.ok) throw this.error('GET', path, res, await res.text());
    return res;
  }

  private async send(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<Response> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${API_BASE_PATH}${path}`, this.base);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit & { dispatcher?: Dispatcher } = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    if (this.options.dispatcher) init.dispatcher = this.options.dispatcher;
    try {
      return await fetch(url, init);
    } catch (err) {
      throw new NetworkError(`${method} ${path}`, err);
    }
  }

  private error(method: string, path: string, res: Response, text: string): ApiError {
    const { reason, kind } = parseErrorBody(res.headers.get('content-type') ?? '', text);
    return new ApiError(`${method} ${path}`, res.status, reason || res.statusText, kind);
  }
}
