/**
 * Concurrent logs uploads: each holds a connection and a temporary file for minutes, so their
 * number is capped per host (a second upload for one host is a retry or an attack) and in total.
 */
import { HttpError } from '../errors.js';
import { KeyedSlots } from './keyed-slots.js';

export class UploadSlots {
  private readonly slots: KeyedSlots;

  constructor(private readonly limits: { perHost: number; total: number; retryAfterSeconds: number }) {
    this.slots = new KeyedSlots(limits.perHost, limits.total);
  }

  /** Takes a slot or throws 503 with Retry-After; call the returned function exactly once when done. */
  acquire(hostKey: string): () => void {
    const release = this.slots.take(hostKey);
    if (release) return release;
    const retry = this.limits.retryAfterSeconds;
    const message = this.slots.ownerFull(hostKey)
      ? `another logs upload for this host is in progress; retry in ${retry} s`
      : `the service is receiving ${this.slots.open} logs uploads already; retry in ${retry} s`;
    throw new HttpError(503, message, 'error', { 'Retry-After': String(retry) });
  }

  get inUse(): number {
    return this.slots.open;
  }
}
