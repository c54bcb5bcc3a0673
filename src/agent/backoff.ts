/** Exponential backoff with randomisation and a total time budget (cenkalti/backoff's defaults upstream). */
export interface BackoffPolicy {
  initialMs: number;
  multiplier: number;
  /** Each delay is drawn from [d·(1−r), d·(1+r)]. */
  randomization: number;
  maxIntervalMs: number;
  /** Once this much time has passed since the first failure, give up. */
  maxElapsedMs: number;
}

export const NEXT_STEPS_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  multiplier: 1.5,
  randomization: 0.5,
  maxIntervalMs: 60_000,
  maxElapsedMs: 15 * 60_000,
};

export class Backoff {
  private interval: number;
  private startedAt: number | undefined;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.interval = policy.initialMs;
  }

  reset(): void {
    this.interval = this.policy.initialMs;
    this.startedAt = undefined;
  }

  /** The next delay in ms, or undefined when the time budget is spent. */
  next(): number | undefined {
    this.startedAt ??= this.now();
    const delta = this.policy.randomization * this.interval;
    const delay = this.interval - delta + this.random() * (2 * delta);
    this.interval = Math.min(this.interval * this.policy.multiplier, this.policy.maxIntervalMs);
    if (this.now() - this.startedAt + delay > this.policy.maxElapsedMs) return undefined;
    return Math.round(delay);
  }
}
