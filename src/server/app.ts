import { isUuid } from '../protocol/formats.js';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import multipart from '@fastify/multipart';
import { API_BASE_PATH } from '../client/service-client.js';
import type { Logger } from '../log/logger.js';
import type { AuthConfig } from './auth.js';
import type { DiscoveryService } from './discovery-service.js';
import { errorBody, HttpError, infraErrorBody } from './errors.js';
import { enforceBodyDeadline } from './http/body-deadline.js';
import { answerClientError } from './http/client-errors.js';
import { canonicalBodyIds, canonicalUrlIds } from './http/canonical-ids.js';
import { parseJsonBodies } from './http/json-body.js';
import { UploadSlots } from './http/upload-slots.js';
import { strictValidatorCompiler } from './http/validator.js';
import { BODY_LIMITS, MULTIPART_LIMITS, REQUEST_ID_PATTERN, SERVER_TIMEOUTS, UPLOAD_CONCURRENCY } from './limits.js';
import { DiscoveryFiles, type BootOptions } from './boot/discovery-files.js';
import { agentRoutes } from './routes/agent.js';
import { agentBinaryRoutes } from './routes/agent-binaries.js';
import { downloadRoutes } from './routes/downloads.js';
import { operatorRoutes } from './routes/operator.js';
import { consoleRoutes } from './routes/console.js';
import { liveRoutes, type LiveLimits } from './routes/live.js';
import { ConsoleAssets } from './console/assets.js';
import { metricsRoutes, timeRequests } from './routes/metrics.js';
import { healthRoutes } from './routes/health.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { HostUpdateConflictError, ParentNotFoundError, StoreUnavailableError } from './store/store.js';

export type ServerTimeouts = { -readonly [K in keyof typeof SERVER_TIMEOUTS]: number };

export interface AppOptions {
  service: DiscoveryService;
  auth: AuthConfig;
  logsDir: string;
  maxLogBytes?: number;
  log?: Logger;
  https?: { cert: Buffer; key: Buffer };
  /** Connection limits and timeouts; SERVER_TIMEOUTS by default. */
  timeouts?: Partial<ServerTimeouts>;
  /** What hosts are handed to boot into discovery: the agent binary, discovery files' settings. */
  boot?: BootOptions;
  /** The web console's files (none: `/` says the build has no console). */
  consoleAssets?: ConsoleAssets;
  /** Overrides of the live stream's limits (tests). */
  liveLimits?: Partial<LiveLimits>;
  /** The service's metrics, served at /metrics (operator token unless `public`); no /metrics without. */
  metrics?: { registry: ServiceMetrics; public: boolean };
  /** How long /readyz waits for the store (READINESS_TIMEOUT_MS by default; tests). */
  readinessTimeoutMs?: number;
}

/** Upstream's swagger gives upfile a maxLength of 262144000 bytes. */
export const DEFAULT_MAX_LOG_BYTES = 262_144_000;

/** The service's HTTP application: agent and operator routes under /api/assisted-install. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const timeouts: ServerTimeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  // Node checks header and request deadlines on this interval; its 30 s default would let a
  // slow-header client stay three times longer than headersTimeout.
  const serverOptions = {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
  };
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMITS.default,
    connectionTimeout: timeouts.idleTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    http: serverOptions,
    // The agent sends a request ID per session; keep it, so service logs line up with agent
    // logs, but only a plain short token: it reaches logs and events.
    clientErrorHandler: answerClientError,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // The router refuses some paths before any route or hook runs (a segment longer than its 100
    // characters, a malformed %-escape) with fastify's own body; these answer in upstream's shape,
    // 400 as for any malformed ID, without echoing the path.
    frameworkErrors: (error, _request, reply) => {
      const reason = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is longer than 100 characters' : 'the request path is not a valid URL';
      return (reply as FastifyReply).code(400).send(errorBody(400, reason));
    },
    ...(options.https ? { https: { ...serverOptions, ...options.https } } : {}),
  });
  app.server.maxConnections = timeouts.maxConnections;
  app.setValidatorCompiler(strictValidatorCompiler());
  app.removeContentTypeParser('application/json');
  parseJsonBodies(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.status).headers(error.headers).send(error.body());
    // The infra-env or host went away while the request was in flight: what a later request would get.
    if (error instanceof ParentNotFoundError) return reply.code(404).send(errorBody(404, error.message));
    // The database is down or restarting (or a host is contended): agents retry a 503, and the store reconnects by itself.
    if (error instanceof StoreUnavailableError || error instanceof HostUpdateConflictError) {
      options.log?.warn(`${request.method} ${request.url}: ${error.message}`, { request_id: request.id });
      const message = error instanceof StoreUnavailableError ? 'the service cannot reach its database right now; try again shortly' : error.message;
      return reply.code(503).header('Retry-After', '2').send(errorBody(503, message));
    }
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

  if (options.metrics) timeRequests(app, options.metrics.registry);
  app.addHook('onRequest', canonicalUrlIds);
  // Replicas sharing a store: an infra-env another replica created a moment ago is looked up
  // before any check refuses it (a no-op with the embedded store).
  app.addHook('onRequest', (request, _reply, done) => {
    const id = (request.params as { infra_env_id?: unknown } | undefined)?.infra_env_id;
    const lookup = isUuid(id) ? options.service.knowInfraEnv(id) : undefined;
    if (lookup) lookup.then(() => done(), done);
    else done();
  });
  app.addHook('preValidation', canonicalBodyIds);
  enforceBodyDeadline(app, timeouts.jsonBodyDeadlineMs);

  const maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  await app.register(multipart, { limits: { ...MULTIPART_LIMITS, fileSize: maxLogBytes } });
  await app.register(
    async (api) => {
      await api.register(agentRoutes, {
        service: options.service,
        auth: options.auth,
        logsDir: options.logsDir,
        maxLogBytes,
        uploads: new UploadSlots(UPLOAD_CONCURRENCY),
      });
      const boot = options.boot ?? {};
      await api.register(operatorRoutes, { service: options.service, auth: options.auth, publicUrl: boot.publicUrl });
      await api.register(downloadRoutes, { service: options.service, auth: options.auth, files: new DiscoveryFiles(boot) });
      await api.register(agentBinaryRoutes, { binaries: boot.binaries, publicUrl: boot.publicUrl });
      await api.register(liveRoutes, { auth: options.auth, changes: options.service.changes, limits: options.liveLimits });
    },
    { prefix: API_BASE_PATH },
  );
  await app.register(consoleRoutes, { auth: options.auth, assets: options.consoleAssets ?? ConsoleAssets.fromContents({}) });
  await app.register(healthRoutes, { store: options.service.store, readinessTimeoutMs: options.readinessTimeoutMs });
  if (options.metrics) {
    options.metrics.registry.countHostsFrom(options.service);
    await app.register(metricsRoutes, { metrics: options.metrics.registry, auth: options.auth, public: options.metrics.public });
  }
  return app;
}
