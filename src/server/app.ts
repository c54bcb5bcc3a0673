import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { API_BASE_PATH } from '../client/service-client.js';
import type { Logger } from '../log/logger.js';
import type { AuthConfig } from './auth.js';
import type { DiscoveryService } from './discovery-service.js';
import { errorBody, HttpError, infraErrorBody } from './errors.js';
import { agentRoutes } from './routes/agent.js';
import { operatorRoutes } from './routes/operator.js';

export interface AppOptions {
  service: DiscoveryService;
  auth: AuthConfig;
  logsDir: string;
  maxLogBytes?: number;
  log?: Logger;
  https?: { cert: Buffer; key: Buffer };
}

/** Upstream's swagger gives upfile a maxLength of 262144000 bytes. */
export const DEFAULT_MAX_LOG_BYTES = 262_144_000;
/** Inventories of large hosts run to a few hundred KB; leave room without accepting anything. */
const JSON_BODY_LIMIT = 16 * 1024 * 1024;

/** The service's HTTP application: agent and operator routes under /api/assisted-install. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: JSON_BODY_LIMIT,
    // The agent sends a request ID per session; keep it, so service logs line up with agent logs.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && given.length <= 64 ? given : randomUUID();
    },
    ...(options.https ? { https: options.https } : {}),
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.status).send(error.body());
    if (error.validation) {
      // Upstream rewrites request-validation failures (422 in go-swagger) to 400 with this body.
      const lines = error.validation.map((v) => {
        const where = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') || (v.params as { missingProperty?: string }).missingProperty || '';
        return `${where} in ${error.validationContext ?? 'body'} ${v.message ?? 'is invalid'}`.trim();
      });
      return reply.code(400).send(infraErrorBody(400, `validation failure list:\n${lines.join('\n')}`));
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) options.log?.error(`${request.method} ${request.url} failed`, { error: error.message, request_id: request.id });
    return reply.code(status).send(errorBody(status, status === 500 ? 'internal error' : error.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody(404, `no route for ${request.method} ${request.url.split('?')[0]}`)));

  await app.register(multipart);
  await app.register(
    async (api) => {
      await api.register(agentRoutes, {
        service: options.service,
        auth: options.auth,
        logsDir: options.logsDir,
        maxLogBytes: options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES,
      });
      await api.register(operatorRoutes, { service: options.service, auth: options.auth });
    },
    { prefix: API_BASE_PATH },
  );
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
