/**
 * Upstream's two error bodies. Agents decide what to do from the status code and these shapes
 * (the generated Go client only types JSON bodies of these forms), so every error the service
 * sends is one of them.
 */

/** `error`: 400/404/405/409/413/500/501/503. */
export function errorBody(status: number, reason: string) {
  return { kind: 'Error' as const, id: status, href: '', code: String(status), reason };
}

/** `infra_error`: 401/403, and upstream's rewritten request-validation failures (400). */
export function infraErrorBody(code: number, message: string) {
  return { code, message };
}

/** Thrown inside handlers; the error handler turns it into the matching body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly shape: 'error' | 'infra_error' = status === 401 || status === 403 ? 'infra_error' : 'error',
    /** Headers the answer needs (Retry-After on 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): ReturnType<typeof errorBody> | ReturnType<typeof infraErrorBody> {
    return this.shape === 'infra_error' ? infraErrorBody(this.status, this.message) : errorBody(this.status, this.message);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, `${what} not found`);
