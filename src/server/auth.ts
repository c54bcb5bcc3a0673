import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError, notFound } from './errors.js';
import type { InfraEnvRecord } from './model.js';

export type AuthMode = 'token' | 'none';

export interface AuthConfig {
  mode: AuthMode;
  /** The operator token (`Authorization: Bearer …`) for the operator API. */
  adminToken: string;
}

function sameSecret(given: string, expected: string): boolean {
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

/**
 * Agent endpoints: the infra-env's agent token in X-Secret-Key (upstream's agentAuth), checked as
 * the request arrives, before its body is read. The infra-env is looked up first, so a deleted
 * infra-env answers 404 — what tells an agent to stop; the 404 says nothing a caller without a
 * token could not guess, as infra-env IDs are random UUIDs.
 */
export function checkAgent(auth: AuthConfig, request: FastifyRequest, lookup: (id: string) => InfraEnvRecord | undefined): void {
  const id = agentInfraEnvId(request);
  const infraEnv = id === undefined ? undefined : lookup(id);
  if (!infraEnv) throw notFound(`infra-env ${id ?? ''}`.trim());
  if (auth.mode === 'none') return;
  const key = request.headers['x-secret-key'];
  if (typeof key !== 'string' || key === '') throw new HttpError(401, 'missing X-Secret-Key: the agent token of the infra-env is required');
  if (!sameSecret(key, infraEnv.agentToken)) throw new HttpError(401, `X-Secret-Key is not the agent token of infra-env ${infraEnv.id}`);
}

/** Operator endpoints: `Authorization: Bearer <admin token>` (upstream's userAuth header). */
export function checkOperator(auth: AuthConfig, request: FastifyRequest): void {
  if (auth.mode === 'none') return;
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, 'missing Authorization: Bearer <operator token>');
  if (!sameSecret(match[1] as string, auth.adminToken)) throw new HttpError(401, 'the operator token is not valid');
}
