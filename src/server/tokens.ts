import { randomBytes } from 'node:crypto';

/** An unguessable token (192 bits), URL-safe: it travels in headers, query strings and kernel command lines. */
export function newSecretToken(): string {
  return randomBytes(24).toString('base64url');
}
