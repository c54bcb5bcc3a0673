import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CONSOLE_LIMITS } from '../limits.js';

export const SESSION_COOKIE = 'inband_session';

export interface ConsoleSession {
  /** sha256 of the cookie value: the value itself is never kept, so a heap dump holds no usable session. */
  readonly key: string;
  /** The token state-changing requests must echo in X-CSRF-Token (synchroniser token, per session). */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastUsedAt: number;
}

export interface SessionLimits {
  maxSessions: number;
  sessionLifetimeMs: number;
  sessionIdleMs: number;
}

function keyOf(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('base64url');
}

/**
 * The console's sign-in sessions, in memory: bounded in number (the least recently used goes
 * first) and in time (absolute lifetime and idle timeout). A restart signs everyone out, which is
 * what an operator expects of a single-binary service.
 */
export class ConsoleSessions {
  /** Insertion order is use order: a used session is moved to the end. */
  private readonly byKey = new Map<string, ConsoleSession>();

  constructor(
    private readonly limits: SessionLimits = CONSOLE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session; returns the cookie value (shown once, to the browser) and the session. */
  create(): { cookieValue: string; session: ConsoleSession } {
    this.sweep();
    while (this.byKey.size >= this.limits.maxSessions) {
      const oldest = this.byKey.keys().next().value as string;
      this.byKey.delete(oldest);
    }
    const cookieValue = randomBytes(32).toString('base64url');
    const at = this.now();
    const session: ConsoleSession = { key: keyOf(cookieValue), csrfToken: randomBytes(24).toString('base64url'), createdAt: at, lastUsedAt: at };
    this.byKey.set(session.key, session);
    return { cookieValue, session };
  }

  /** The live session a cookie value names, marked used; undefined for unknown, expired or malformed values. */
  find(cookieValue: string | undefined): ConsoleSession | undefined {
    if (!cookieValue || cookieValue.length > 128) return undefined;
    const key = keyOf(cookieValue);
    const session = this.byKey.get(key);
    if (!session) return undefined;
    const at = this.now();
    if (at - session.createdAt >= this.limits.sessionLifetimeMs || at - session.lastUsedAt >= this.limits.sessionIdleMs) {
      this.byKey.delete(key);
      return undefined;
    }
    session.lastUsedAt = at;
    this.byKey.delete(key);
    this.byKey.set(key, session);
    return session;
  }

  end(session: ConsoleSession): void {
    this.byKey.delete(session.key);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Drops expired sessions (at most maxSessions to look at). */
  private sweep(): void {
    const at = this.now();
    for (const [key, session] of this.byKey) {
      if (at - session.lastUsedAt >= this.limits.sessionIdleMs || at - session.createdAt >= this.limits.sessionLifetimeMs) this.byKey.delete(key);
    }
  }
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie's value from a Cookie header (the first of that name), without a parser library. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
