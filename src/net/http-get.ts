import { Agent, request, type Dispatcher } from 'undici';
import { createDispatcher } from '../client/dispatcher.js';

export interface GetOptions {
  headers?: Record<string, string>;
  /** PEM text of the only CA to trust; without it the system store and the proxy variables apply. */
  caPem?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface GetResult {
  status: number;
  body: string;
}

// Go's default client has no deadline at all; ours keeps one so that a silent peer cannot hold a step
// until the step's own (much longer) limit.
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * One GET the way upstream's in-process checks make it. A caller-given CA builds a transport of its
 * own, which (as upstream's custom transport) trusts only that CA and does not go through a proxy.
 */
export async function httpGet(url: string, options: GetOptions = {}): Promise<GetResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dispatcher: Dispatcher = options.caPem
    ? new Agent({ connect: { ca: [options.caPem], timeout: timeoutMs } })
    : createDispatcher({});
  try {
    const response = await request(url, {
      method: 'GET',
      headers: options.headers,
      dispatcher,
      signal: options.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      maxRedirections: 10,
    });
    return { status: response.statusCode, body: await response.body.text() };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** A network error's most telling text: undici hides the socket's own error in `cause`. */
export function networkErrorText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.message ?? e.cause?.code;
  return cause && cause !== e.message ? `${e.message ?? String(err)}: ${cause}` : (e.message ?? String(err));
}
