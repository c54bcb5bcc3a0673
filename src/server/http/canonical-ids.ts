/**
 * UUIDs compare case-insensitively (RFC 4122 §3), and upstream's service lower-cases host IDs
 * before use. Lower-casing them once, as the request arrives, means every lookup, lock and stored
 * row sees one spelling: "ABCD…" and "abcd…" are one host.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const ID_FIELDS = ['infra_env_id', 'host_id', 'cluster_id'] as const;

function lowerIds(values: unknown): void {
  if (values === null || typeof values !== 'object') return;
  const record = values as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') record[field] = value.toLowerCase();
  }
}

// Hooks that run on every request take fastify's callback form: an async function would cost a
// promise and a microtask per request for work that never waits.

/** onRequest: path parameters and the query string. */
export function canonicalUrlIds(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  lowerIds(request.params);
  lowerIds(request.query);
  done();
}

/** preValidation: a JSON body's IDs (`host-create-params.host_id`). */
export function canonicalBodyIds(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  lowerIds(request.body);
  done();
}
