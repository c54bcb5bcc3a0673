import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleSession, sameSecret, type AuthConfig } from '../auth.js';
import { CONSOLE_FILES, type ConsoleAssets } from '../console/assets.js';
import { checkSameOrigin } from '../console/csrf.js';
import { SESSION_COOKIE } from '../console/sessions.js';
import { HttpError } from '../errors.js';
import { CONSOLE_LIMITS } from '../limits.js';

/**
 * The page may load its own script, style and API and nothing else: agent-sent text is shown on
 * it, and the discovery URLs on it carry tokens (no Referer leaves with them).
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const signInBody = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function sendAsset(assets: ConsoleAssets, name: string, request: FastifyRequest, reply: FastifyReply) {
  const asset = assets.get(name);
  if (!asset) throw new HttpError(404, name === 'index.html' ? 'this build of inband has no console (build it with build/bundle.mjs)' : `no console file ${name}`);
  reply.headers(PAGE_HEADERS).header('Content-Type', asset.contentType).header('ETag', asset.etag).header('Cache-Control', 'no-cache').header('Vary', 'Accept-Encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('Content-Encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.body);
}

/**
 * The web console: its page and files at `/`, and sign-in. The console then calls the operator
 * API like the CLI does, with the session cookie instead of the bearer token (auth.ts).
 */
export async function consoleRoutes(app: FastifyInstance, options: { auth: AuthConfig; assets: ConsoleAssets }): Promise<void> {
  const { auth, assets } = options;
  const sessions = auth.sessions;

  app.get('/', async (request, reply) => sendAsset(assets, 'index.html', request, reply));
  // One route per file, no path parameter: any other name is the service's plain 404.
  for (const name of Object.keys(CONSOLE_FILES)) app.get(`/console/assets/${name}`, async (request, reply) => sendAsset(assets, name, request, reply));

  /** Whether this browser is signed in, and the CSRF token its changes must carry. */
  app.get('/console/session', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (auth.mode === 'none') return { auth_mode: 'none', csrf_token: '' };
    const session = consoleSession(auth, request);
    if (!session) throw new HttpError(401, 'not signed in');
    return { auth_mode: 'token', csrf_token: session.csrfToken };
  });

  // Sign-in: the operator token, and nothing else (an agent token is refused like any wrong one).
  app.post<{ Body: { token: string } }>(
    '/console/session',
    { bodyLimit: CONSOLE_LIMITS.signInBodyBytes, schema: { body: signInBody } },
    async (request, reply) => {
      // A page elsewhere must not sign this browser in to a session of its choosing.
      checkSameOrigin(request, auth.publicUrl);
      reply.header('Cache-Control', 'no-store');
      if (auth.mode === 'none') return { auth_mode: 'none', csrf_token: '' };
      if (!sessions || !sameSecret(request.body.token, auth.adminToken)) throw new HttpError(401, 'that is not the operator token');
      const { cookieValue, session } = sessions.create();
      reply.header('Set-Cookie', sessionCookie(request, cookieValue, Math.floor(CONSOLE_LIMITS.sessionLifetimeMs / 1000)));
      return reply.code(201).send({ auth_mode: 'token', csrf_token: session.csrfToken });
    },
  );

  app.delete('/console/session', async (request, reply) => {
    if (auth.mode !== 'none') {
      const session = consoleSession(auth, request);
      if (!session) throw new HttpError(401, 'not signed in');
      sessions?.end(session);
    }
    reply.header('Set-Cookie', sessionCookie(request, '', 0));
    return reply.code(204).send();
  });
}
