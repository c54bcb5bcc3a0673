import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from '../errors.js';
import { READINESS_TIMEOUT_MS } from '../limits.js';
import { StoreNotReadyError, StoreUnavailableError, type Store } from '../store/store.js';

export interface HealthRoutesOptions {
  store: Store;
  /** How long a readiness probe may take before it counts as not ready (READINESS_TIMEOUT_MS by default). */
  readinessTimeoutMs?: number;
}

/**
 * `GET /healthz`: the process is up (it answers without touching the store).
 * `GET /readyz`: this replica can serve, its database reachable and migrated to this build's
 * schema: 200, else 503 with upstream's error body, so a load balancer sends traffic elsewhere.
 * Both unauthenticated (a balancer has no token) and saying nothing beyond ready or why not.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const probe = new ReadinessProbe(options.store, options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply: FastifyReply) => {
    const outcome = await probe.check();
    reply.header('Cache-Control', 'no-store');
    if (outcome.ready) return { status: 'ready', schema_version: outcome.schemaVersion };
    return reply.code(503).header('Retry-After', '2').send(errorBody(503, outcome.reason));
  });
}

export type Readiness = { ready: true; schemaVersion: number } | { ready: false; reason: string };

/**
 * One store query per wave of readiness checks, however many arrive together (a flood of /readyz
 * costs one database round trip at a time), each bounded by `timeoutMs`: a database that hangs
 * makes the replica not ready, never a hung probe.
 */
export class ReadinessProbe {
  private inFlight?: Promise<Readiness>;

  constructor(
    private readonly store: Store,
    private readonly timeoutMs: number,
  ) {}

  check(): Promise<Readiness> {
    this.inFlight ??= this.probe().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probe(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Readiness>((resolve) => {
      timer = setTimeout(() => resolve({ ready: false, reason: `the database did not answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    const answered = this.store.checkReady().then(
      ({ schemaVersion }): Readiness => ({ ready: true, schemaVersion }),
      (error: unknown): Readiness => ({ ready: false, reason: reasonOf(error) }),
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Only the store's own errors say why; anything else is not described (no driver messages or stacks to an unauthenticated caller). */
function reasonOf(error: unknown): string {
  if (error instanceof StoreNotReadyError) return error.message;
  if (error instanceof StoreUnavailableError) return 'the service cannot reach its database right now; try again shortly';
  return 'the service is not ready';
}
