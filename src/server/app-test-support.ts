/**
 * The service app in-process on a fresh store, for tests that drive it through inject(). Not
 * imported by the service.
 */
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, expect } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { buildApp, type AppOptions } from './app.js';
import { DiscoveryService } from './discovery-service.js';
import { openStore } from './store/open-store.js';
import { ConsoleSessions } from './console/sessions.js';
import { ServiceMetrics } from './metrics/service-metrics.js';

export const ADMIN = 'admin-secret';
export const HOST = '5a3f0a52-7a0e-4c2b-9a53-2b1f5d7f0c11';
export const OTHER = '6b4e1b63-8b1f-4d3c-8b64-3c206e801d22';
export const AGENT_IMAGE = 'quay.io/edge-infrastructure/assisted-installer-agent:v1.2.3';
export const admin = { authorization: `Bearer ${ADMIN}` };
export const api = (p: string): string => `/api/assisted-install${p}`;

export interface TestInfraEnv {
  id: string;
  agent_token: string;
}

export interface TestApp {
  app: FastifyInstance;
  service: DiscoveryService;
  dataDir: string;
  /** The service's clock; tests move it. */
  clock: { now: Date };
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  createInfraEnv(body?: Record<string, unknown>): Promise<TestInfraEnv>;
  register(ie: TestInfraEnv, hostId?: string): Promise<LightMyRequestResponse>;
  reply(ie: TestInfraEnv, body: Record<string, unknown>, hostId?: string): Promise<LightMyRequestResponse>;
  poll(ie: TestInfraEnv, hostId?: string): Promise<LightMyRequestResponse>;
  host(ie: TestInfraEnv, hostId?: string): Promise<Record<string, any>>;
  close(): Promise<void>;
}

const running: TestApp[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.close();
});

/** A service on a new data dir; closed after the test that made it. */
export async function startTestApp(
  options: Partial<Pick<AppOptions, 'maxLogBytes' | 'timeouts' | 'boot' | 'consoleAssets' | 'liveLimits' | 'readinessTimeoutMs'>> & {
    authMode?: 'token' | 'none';
    sessions?: ConsoleSessions;
    metrics?: { public: boolean; registry?: ServiceMetrics };
    /** postgres://…: the app on a PostgreSQL store instead of a new SQLite file. */
    databaseUrl?: string;
  } = {},
): Promise<TestApp> {
  const { authMode = 'token', sessions = new ConsoleSessions(), metrics: metricsOption, databaseUrl, ...appOptions } = options;
  const dataDir = tempDir('serve');
  const clock = { now: new Date('2026-11-21T10:00:00Z') };
  const logsDir = path.join(dataDir, 'logs');
  // As `inband serve` wires them: the store timed, the service observed.
  const metrics = metricsOption ? { registry: metricsOption.registry ?? new ServiceMetrics({ renderIntervalMs: 0 }), public: metricsOption.public } : undefined;
  const store = await openStore({ dataDir, databaseUrl });
  const service = new DiscoveryService(metrics ? metrics.registry.timeStore(store) : store, { now: () => clock.now, logsDir, observer: metrics?.registry });
  await service.start();
  const app = await buildApp({ service, auth: { mode: authMode, adminToken: ADMIN, sessions }, logsDir, metrics, ...appOptions });
  const inject = (o: InjectOptions) => app.inject(o);
  let closed = false;
  const t: TestApp = {
    app,
    service,
    dataDir,
    clock,
    inject,
    async createInfraEnv(body = {}) {
      const res = await inject({ method: 'POST', url: api('/v2/infra-envs'), headers: admin, payload: { name: 'lab', pull_secret: '{}', ...body } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    register: (ie, hostId = HOST) =>
      inject({
        method: 'POST',
        url: api(`/v2/infra-envs/${ie.id}/hosts`),
        headers: { 'x-secret-key': ie.agent_token, discovery_agent_version: AGENT_IMAGE },
        payload: { host_id: hostId, discovery_agent_version: AGENT_IMAGE },
      }),
    reply: (ie, body, hostId = HOST) =>
      inject({ method: 'POST', url: api(`/v2/infra-envs/${ie.id}/hosts/${hostId}/instructions`), headers: { 'x-secret-key': ie.agent_token }, payload: body }),
    poll: (ie, hostId = HOST) =>
      inject({
        method: 'GET',
        url: api(`/v2/infra-envs/${ie.id}/hosts/${hostId}/instructions?timestamp=${Math.floor(clock.now.getTime() / 1000)}`),
        headers: { 'x-secret-key': ie.agent_token },
      }),
    async host(ie, hostId = HOST) {
      const res = await inject({ method: 'GET', url: api(`/v2/infra-envs/${ie.id}/hosts/${hostId}`), headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await service.store.close();
    },
  };
  running.push(t);
  return t;
}
