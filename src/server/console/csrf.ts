import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { sameSecret, type ConsoleSession } from './sessions.js';

export const CSRF_HEADER = 'x-csrf-token';
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin the browser must be on: this service as the request reached it, or its --public-url. */
function allowedOrigins(request: FastifyRequest, publicUrl: string | undefined): string[] {
  const origins = [`${request.protocol}://${request.host}`.toLowerCase()];
  if (publicUrl) {
    try {
      origins.push(new URL(publicUrl).origin.toLowerCase());
    } catch {
      // checked at start-up; an unusable value adds nothing
    }
  }
  return origins;
}

/**
 * A cookie is sent by the browser whoever asks it to: a request that changes something on the
 * strength of the session cookie must come from a page of this service. SameSite=Strict already
 * keeps the cookie off cross-site requests; this checks the two things only such a page can send:
 * an Origin (or Sec-Fetch-Site) naming this service, and the session's CSRF token in a header.
 */
export function checkSameOrigin(request: FastifyRequest, publicUrl: string | undefined): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') throw new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site === 'same-site' || site === 'cross-site' || site === 'none' ? site : 'other'})`);
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === '') throw new HttpError(403, 'a console request that changes something must carry an Origin header');
  if (!allowedOrigins(request, publicUrl).includes(origin.toLowerCase())) throw new HttpError(403, 'cross-origin request refused: Origin is not this service');
}

export function checkCsrf(request: FastifyRequest, session: ConsoleSession, publicUrl: string | undefined): void {
  checkSameOrigin(request, publicUrl);
  const given = request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, session.csrfToken)) throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header (sign in to the console again)`);
}
