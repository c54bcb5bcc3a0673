/**
 * The console's one way to the service: the operator API the CLI uses (same paths, same models),
 * authenticated by the session cookie; changes carry the session's CSRF token.
 */
export const API = '/api/assisted-install';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export function setSession(token: string, signedOut: () => void): void {
  csrfToken = token;
  onSignedOut = signedOut;
}

/** The service's error bodies: upstream's `error` (reason) and `infra_error` (message). */
async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { reason?: string; message?: string };
    message = body.reason ?? body.message ?? message;
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiError(res.status, message);
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const url = `${path.startsWith('/console/') ? '' : API}${path}${params.size > 0 ? `?${params}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 401 && !path.startsWith('/console/session')) onSignedOut();
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface SessionInfo {
  auth_mode: 'token' | 'none';
  csrf_token: string;
}

export const session = {
  current: () => request<SessionInfo>('GET', '/console/session'),
  signIn: (token: string) => request<SessionInfo>('POST', '/console/session', { token }),
  signOut: () => request<void>('DELETE', '/console/session'),
};
