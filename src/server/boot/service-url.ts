import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

/**
 * URLs that go into discovery files land in systemd units, iPXE scripts and kernel command lines,
 * each with its own quoting. Only characters that mean nothing special in any of them are allowed
 * (RFC 3986's, less `$`, `'`, quotes, backslash and whitespace).
 */
const PLAIN_URL = /^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!&()*+,;=%]+$/;

/** A URL an operator gave (`--public-url`, `--boot-kernel-url` …), checked and without a trailing slash. */
export function plainUrl(value: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${what} ${JSON.stringify(value)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${what} must be an http:// or https:// URL`);
  if (!PLAIN_URL.test(value)) throw new Error(`${what} ${JSON.stringify(value)} holds characters discovery files cannot carry (spaces, quotes, $, backslash)`);
  return value.replace(/\/+$/, '');
}

const HOST_HEADER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Where discovery hosts reach this service: `--public-url` when the operator gave one (behind a
 * load balancer or NAT it is the only right answer), else the scheme and Host header of the request.
 */
export function serviceUrlFor(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const host = request.headers.host ?? '';
  if (!HOST_HEADER.test(host)) {
    throw new HttpError(400, 'the Host header is not a host[:port] the discovery files can name; start the service with --public-url');
  }
  return `${request.protocol}://${host}`;
}
