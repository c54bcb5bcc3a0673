import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isUuid } from '../protocol/formats.js';
import { HttpError, notFound } from './errors.js';
import type { InfraEnvRecord } from './model.js';
import { checkCsrf, SAFE_METHODS } from './console/csrf.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSession, type ConsoleSessions } from './console/sessions.js';

export type AuthMode = 'token' | 'none';

export interface AuthConfig {
  mode: AuthMode;
  /** The operator token (`Authorization: Bearer …`) for the operator API. */
  adminToken: string;
  /**
   * The web console's sign-in sessions: a session cookie stands for the operator token on the
   * operator API (with a CSRF check for changes). Absent: bearer tokens only.
   */
  sessions?: ConsoleSessions;
  /** --public-url: a second origin the console may be served from (behind a proxy). */
  publicUrl?: string;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The infra-env an agent call is about: the path's, or for logs uploads (keyed by cluster
 * upstream) the `infra_env_id` query, falling back to the cluster ID. Only plain strings count: a
 * repeated query parameter arrives as an array.
 */
export function agentInfraEnvId(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown>;
  const query = request.query as Record<string, unknown>;
  for (const candidate of [params.infra_env_id, query.infra_env_id, params.cluster_id]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return undefined;
}

/** What the agent check needs: in-memory lookups, cheap enough to run before any body is read. */
export interface AgentTokens {
  infraEnv(id: string): InfraEnvRecord | undefined;
  /** Whether `token` is (or, for an infra-env deleted while the service ran, was) an infra-env's agent token. */
  isAgentToken(token: string): boolean;
}

/**
 * Agent endpoints: the infra-env's agent token in X-Secret-Key (upstream's agentAuth), checked as
 * the request arrives, before its body is read or validated.
 *
 * For an infra-env that does not exist the order is upstream's: its local auth first checks that
 * the key is an agent token at all (401 otherwise), and only then does the handler find the
 * path's infra-env missing (404). So a key that is some infra-env's agent token, or was the token
 * of one deleted while this service ran, gets 404 — the answer that stops an agent of a deleted
 * infra-env — and any other key the same 401 as a wrong key for an existing infra-env: a caller
 * without a token learns nothing, not even which infra-env IDs exist. (Stricter than upstream, a
 * token is valid for its own infra-env only.) With --auth none, a missing infra-env is 404.
 */
export function checkAgent(auth: AuthConfig, request: FastifyRequest, tokens: AgentTokens): void {
  const id = agentInfraEnvId(request);
  const infraEnv = id === undefined ? undefined : tokens.infraEnv(id);
  // Only an ID echoes back: the path segment could be any text a caller likes.
  const named = id !== undefined && isUuid(id) ? `infra-env ${id}` : 'the infra-env the request names';
  if (auth.mode === 'none') {
    if (!infraEnv) throw notFound(named);
    return;
  }
  const key = request.headers['x-secret-key'];
  if (typeof key !== 'string' || key === '') throw new HttpError(401, 'missing X-Secret-Key: the agent token of the infra-env is required');
  if (infraEnv && sameSecret(key, infraEnv.agentToken)) return;
  if (!infraEnv && tokens.isAgentToken(key)) throw notFound(named);
  // Said plainly, so the agent's refusal message can tell the operator what happened.
  const rotated = infraEnv?.agentTokenRotatedAt ? `; the agent token was rotated at ${infraEnv.agentTokenRotatedAt}` : '';
  throw new HttpError(401, `X-Secret-Key is not the agent token of ${named}${rotated}`);
}

/**
 * Operator endpoints: `Authorization: Bearer <admin token>` (upstream's userAuth header), or the
 * console's session cookie — made only from the operator token — with, for requests that change
 * something, the Origin and CSRF-token checks that keep other sites from using it.
 */
export function checkOperator(auth: AuthConfig, request: FastifyRequest): void {
  if (auth.mode === 'none') return;
  if (request.headers.authorization === undefined && consoleSession(auth, request)) return;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, 'missing Authorization: Bearer <operator token>');
  if (!sameSecret(match[1] as string, auth.adminToken)) throw new HttpError(401, 'the operator token is not valid');
}

/** The request's console session, CSRF-checked when the method changes something (403 when that fails). */
export function consoleSession(auth: AuthConfig, request: FastifyRequest): ConsoleSession | undefined {
  const session = auth.sessions?.find(cookieValue(request.headers.cookie, SESSION_COOKIE));
  if (session && !SAFE_METHODS.has(request.method)) checkCsrf(request, session, auth.publicUrl);
  return session;
}

/**
 * Discovery files hold the agent token: the operator token, or the infra-env's download token as
 * `?api_key=` (upstream's urlAuth parameter; iPXE and kernel command lines cannot send headers).
 * The agent token is not enough: a leaked one must not lead to its replacement after a rotation.
 */
export function checkDownload(auth: AuthConfig, request: FastifyRequest, lookup: (id: string) => InfraEnvRecord | undefined, now: Date): void {
  const id = (request.params as { infra_env_id?: unknown }).infra_env_id;
  const infraEnv = typeof id === 'string' ? lookup(id) : undefined;
  if (!infraEnv) throw notFound(`infra-env ${typeof id === 'string' ? id : ''}`.trim());
  if (auth.mode === 'none') return;
  const apiKey = (request.query as { api_key?: unknown } | undefined)?.api_key;
  if (typeof apiKey !== 'string' || apiKey === '') {
    if (!request.headers.authorization) {
      throw new HttpError(401, 'downloads need Authorization: Bearer <operator token>, or api_key=<download token of the infra-env>');
    }
    return checkOperator(auth, request);
  }
  if (!sameSecret(apiKey, infraEnv.downloadToken)) {
    throw new HttpError(401, `api_key is not the download token of infra-env ${infraEnv.id} (it may have been rotated: fetch the URL again from the operator)`);
  }
  if (infraEnv.downloadTokenExpiresAt && Date.parse(infraEnv.downloadTokenExpiresAt) <= now.getTime()) {
    throw new HttpError(401, `the download token of infra-env ${infraEnv.id} expired at ${infraEnv.downloadTokenExpiresAt}`);
  }
}
