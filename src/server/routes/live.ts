import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkOperator, consoleSession, type AuthConfig } from '../auth.js';
import { HttpError } from '../errors.js';
import { CONSOLE_LIMITS } from '../limits.js';
import type { ChangeFeed } from '../live/change-feed.js';
import { PendingChanges } from '../live/change-stream.js';
import { KeyedSlots } from '../http/keyed-slots.js';

export type LiveLimits = Record<'streamsPerSession' | 'streamsTotal' | 'heartbeatMs' | 'flushMs' | 'maxPendingChanges' | 'streamLifetimeMs', number>;

/** Whose stream this is, for the per-session count: the console session, else any bearer caller. */
function streamOwner(auth: AuthConfig, request: FastifyRequest): string {
  if (auth.mode === 'none') return 'anonymous';
  if (request.headers.authorization === undefined) return `session:${consoleSession(auth, request)?.key ?? ''}`;
  return 'operator-token';
}

/**
 * `GET /v2/changes` (inband extension, operator auth): a Server-Sent Events stream of host,
 * infra-env and event changes, as the feed publishes them, gathered and sent every `flushMs`.
 * Bounded: streams per owner and in all (429), pending changes per stream (then `resync`), and
 * lifetime (the browser's EventSource reconnects by itself, after `retry` ms).
 */
export async function liveRoutes(app: FastifyInstance, options: { auth: AuthConfig; changes: ChangeFeed; limits?: Partial<LiveLimits> }): Promise<void> {
  const { auth, changes } = options;
  const limits: LiveLimits = { ...CONSOLE_LIMITS, ...options.limits };
  const slots = new KeyedSlots(limits.streamsPerSession, limits.streamsTotal);
  const closers = new Set<() => void>();
  app.addHook('onRequest', async (request) => checkOperator(auth, request));
  // Open streams would hold the server's close forever.
  app.addHook('preClose', async () => {
    for (const close of [...closers]) close();
  });

  app.get('/v2/changes', async (request, reply) => {
    const release = slots.take(streamOwner(auth, request));
    if (!release) throw new HttpError(429, `too many live streams open (at most ${limits.streamsPerSession} per session, ${limits.streamsTotal} in all); close a console tab`, 'error', { 'Retry-After': '10' });
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    out.write(`retry: 1000\n: inband live changes\n\n`);
    const pending = new PendingChanges(limits.maxPendingChanges);
    const unsubscribe = changes.subscribe((change) => pending.add(change));
    const flush = setInterval(() => {
      const batch = pending.take();
      // One SSE message per flush: the client handles a batch at a time.
      if (batch.length > 0) out.write(`event: changes\ndata: ${JSON.stringify(batch)}\n\n`);
    }, limits.flushMs);
    const heartbeat = setInterval(() => out.write(`: heartbeat ${Date.now()}\n\n`), limits.heartbeatMs);
    const lifetime = setTimeout(() => close(), limits.streamLifetimeMs);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(flush);
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      unsubscribe();
      release();
      closers.delete(close);
      out.end();
    };
    closers.add(close);
    request.raw.on('close', close);
    out.on('close', close);
    out.on('error', close);
  });
}
