/**
 * Turns a non-success answer from the service into one readable message. Upstream answers with an
 * `error` body (400/404/409/5xx) or an `infra_error` body (401/403); routers and proxies in front of
 * it answer with HTML pages; some mocks answer with plain text.
 */

/** How the body was understood. "typed" bodies (JSON, HTML) are what upstream's client maps to a typed error. */
export type ErrorBodyKind = 'error' | 'infra_error' | 'json' | 'html' | 'text' | 'empty';

export class ApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly reason: string,
    readonly bodyKind: ErrorBodyKind,
  ) {
    super(`${operation}: service answered ${status}${reason ? `: ${reason}` : ''}`);
    this.name = 'ApiError';
  }

  /** Upstream's generated client recognises JSON and HTML error bodies; plain text and empty bodies are generic errors. */
  get typed(): boolean {
    return this.bodyKind !== 'text' && this.bodyKind !== 'empty';
  }
}

/** A transport failure: connection refused, DNS, TLS, reset, timeout. */
export class NetworkError extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation}: ${describeNetworkError(cause)}`);
    this.name = 'NetworkError';
  }
}

/** A success status with a body that is not what the contract says. */
export class MalformedResponseError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${operation}: service answered ${status} with a malformed body: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

const MAX_REASON = 300;

export function parseErrorBody(contentType: string, text: string): { reason: string; kind: ErrorBodyKind } {
  const trimmed = text.trim();
  if (trimmed === '') return { reason: '', kind: 'empty' };
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(trimmed)) {
    return { reason: clip(htmlToText(trimmed)), kind: 'html' };
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { reason: clip(trimmed.replace(/\s+/g, ' ')), kind: 'text' };
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const body = json as Record<string, unknown>;
    if (typeof body.reason === 'string') return { reason: clip(body.reason), kind: 'error' };
    if (typeof body.message === 'string') return { reason: clip(body.message), kind: 'infra_error' };
  }
  return { reason: clip(trimmed.replace(/\s+/g, ' ')), kind: 'json' };
}

/** The title and visible text of an HTML error page, e.g. an OpenShift router's "Application is not available". */
function htmlToText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim();
  const body = html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();
  if (title && !body.startsWith(title)) return body ? `${title}: ${body}` : title;
  return body || title || 'HTML error page';
}

function clip(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

function describeNetworkError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as NodeJS.ErrnoException).code;
      const message = current.message === 'fetch failed' ? '' : current.message;
      const piece = [code, message].filter(Boolean).join(' ');
      if (piece && !parts.some((p) => p.includes(piece))) parts.push(piece);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.length > 0 ? parts.join(': ') : 'request failed';
}
