/**
 * JSON bodies are small, so one that is still arriving after a few seconds is a client holding a
 * connection open byte by byte. The socket's idle timeout does not catch a steady drip; this does.
 * Routes that stream large bodies (logs uploads) opt out with `config: { streamedBody: true }`
 * and rely on the idle timeout and the server's whole-request timeout instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler reads the body itself, for minutes if need be. */
    streamedBody?: boolean;
  }
}

const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function clear(request: FastifyRequest): void {
  const timer = timers.get(request);
  if (timer) clearTimeout(timer);
  timers.delete(request);
}

export function enforceBodyDeadline(app: FastifyInstance, deadlineMs: number): void {
  // Callback hooks: they run on every request and never wait (see canonical-ids.ts).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.config?.streamedBody || !hasBody(request)) return done();
    const timer = setTimeout(() => {
      timers.delete(request);
      // No answer: the handler must never run on a body that arrived this late, and a client
      // dripping bytes is not waiting for one.
      request.raw.destroy();
    }, deadlineMs);
    timer.unref();
    timers.set(request, timer);
    done();
  });
  const clearHook = (request: FastifyRequest, _reply: unknown, done: () => void): void => {
    clear(request);
    done();
  };
  app.addHook('preValidation', clearHook);
  app.addHook('onResponse', clearHook);
  app.addHook('onRequestAbort', async (request) => clear(request));
}
