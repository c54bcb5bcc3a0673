import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkOperator, type AuthConfig } from '../auth.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

export interface MetricsRoutesOptions {
  metrics: ServiceMetrics;
  auth: AuthConfig;
  /** `serve --metrics-public`: a scraper needs no operator token (the figures name infra-env IDs and counts, no secrets). */
  public: boolean;
}

/** `GET /metrics` in Prometheus' text format; the operator token unless made public. */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  if (!options.public) app.addHook('onRequest', async (request: FastifyRequest) => checkOperator(options.auth, request));
  app.get('/metrics', async (_request: FastifyRequest, reply: FastifyReply) => {
    const { contentType, text } = await options.metrics.scrape();
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(text);
  });
}

/**
 * Times every request into the latency histogram, by the pattern of the route that answered it
 * (its registered URL; "unmatched" for the not-found handler), so one label value per route.
 */
export function timeRequests(app: FastifyInstance, metrics: ServiceMetrics): void {
  // A callback hook: it runs on every request and never waits (see http/canonical-ids.ts).
  app.addHook('onResponse', (request, reply, done) => {
    metrics.request(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
