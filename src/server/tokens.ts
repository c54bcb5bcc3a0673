import { randomBytes } from 'node:crypto';

/**
 * An unguessable token (192 bits), URL-safe: it travels in headers, query strings and kernel
 * command lines. Never starting with '-': an operator who passes it as `--admin-token <token>`
 * would otherwise have it read as an option one time in 64.
 */
export function newSecretToken(): string {
  for (;;) {
    const token = randomBytes(24).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}
