/** Transport-level retry policy, as upstream's rehttp: a few retries with full-jitter exponential delays. */
export interface RetryPolicy {
  retries: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 2_000, capMs: 10_000 };

/** Statuses that mean "the service or its router is briefly unavailable". 500 is a real answer and is not retried. */
export function isRetryableStatus(status: number): boolean {
  return status === 503 || status === 504;
}

/** Full jitter: a uniform delay in [0, min(cap, base * 2^attempt)). */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
