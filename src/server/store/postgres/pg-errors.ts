import { ParentNotFoundError, StoreUnavailableError } from '../store.js';

/**
 * `pg` and PostgreSQL errors in the store's terms: an unreachable or restarting database becomes
 * StoreUnavailableError (the routes answer 503 and agents retry), a missing parent row
 * ParentNotFoundError (404); anything else stays as it is (a bug: 500).
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections,
// 40001/40P01 serialization failure and deadlock (the caller may simply retry).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const DISCONNECTED_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable|The server does not support SSL/i;

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  return DISCONNECTED_MESSAGES.test(error.message);
}

export function translateError(error: unknown, missingParent?: () => string): unknown {
  if (error instanceof StoreUnavailableError || error instanceof ParentNotFoundError) return error;
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`the database is unavailable: ${(error as Error).message}`, { cause: error });
  }
  if (missingParent && (error as { code?: unknown })?.code === '23503') return new ParentNotFoundError(missingParent(), { cause: error });
  return error;
}
