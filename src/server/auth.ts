import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
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
 * Agent endpoints: the infra-env's agent token in X-Secret-Key (upstream's agentAuth). The
 * infra-env is looked up first, so a deleted infra-env answers 404 — what tells an agent to stop.
 */
export function checkAgent(auth: AuthConfig, request: FastifyRequest, infraEnv: InfraEnvRecord): void {
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
