/**
 * Upstream sends at most 150 connectivity-check steps a minute per cluster: a check makes a host
 * probe every peer, and in a large group a check on every poll would keep the whole network busy
 * (and cost the service a list of peers on every poll). Here the group is the infra-env, and the
 * minute is upstream's poll interval: with `serve --poll-interval` shorter than 60 s, the same 150
 * checks per interval, so that a lab polling every second still sees every host checked as often,
 * poll for poll, as upstream would. Each replica keeps its own count.
 */
export const CONNECTIVITY_CHECKS_PER_INTERVAL = 150;

/** Infra-envs tracked at once: bounded whatever IDs the requests carry (only known infra-envs get here). */
const MAX_TRACKED = 10_000;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** A token bucket per infra-env, full at first: a new infra-env's first 150 polls all get a check. */
export class ConnectivityThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    intervalSeconds: number,
    private readonly perInterval = CONNECTIVITY_CHECKS_PER_INTERVAL,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.perMs = perInterval / (Math.max(1, intervalSeconds) * 1000);
  }

  /** Whether a poll of this infra-env may carry a connectivity check now; counts it when it may. */
  take(infraEnvId: string): boolean {
    const now = this.nowMs();
    let bucket = this.buckets.get(infraEnvId);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: this.perInterval, refilledAt: now };
      this.buckets.set(infraEnvId, bucket);
    }
    bucket.tokens = Math.min(this.perInterval, bucket.tokens + (now - bucket.refilledAt) * this.perMs);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(infraEnvId: string): void {
    this.buckets.delete(infraEnvId);
  }
}
