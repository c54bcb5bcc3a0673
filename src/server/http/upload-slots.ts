/**
 * Concurrent logs uploads: each holds a connection and a temporary file for minutes, so their
 * number is capped per host (a second upload for one host is a retry or an attack) and in total.
 */
import { HttpError } from '../errors.js';

export class UploadSlots {
  private readonly perHost = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { perHost: number; total: number; retryAfterSeconds: number }) {}

  /** Takes a slot or throws 503 with Retry-After; call the returned function exactly once when done. */
  acquire(hostKey: string): () => void {
    const held = this.perHost.get(hostKey) ?? 0;
    if (held >= this.limits.perHost) {
      throw new HttpError(503, `another logs upload for this host is in progress; retry in ${this.limits.retryAfterSeconds} s`, 'error', { 'Retry-After': String(this.limits.retryAfterSeconds) });
    }
    if (this.total >= this.limits.total) {
      throw new HttpError(503, `the service is receiving ${this.total} logs uploads already; retry in ${this.limits.retryAfterSeconds} s`, 'error', { 'Retry-After': String(this.limits.retryAfterSeconds) });
    }
    this.perHost.set(hostKey, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perHost.get(hostKey) ?? 1) - 1;
      if (left <= 0) this.perHost.delete(hostKey);
      else this.perHost.set(hostKey, left);
    };
  }

  get inUse(): number {
    return this.total;
  }
}
