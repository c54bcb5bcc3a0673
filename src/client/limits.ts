/**
 * What the agent accepts from a service. The service's address comes from the boot media and
 * answers can come from anything on the path, so every call is bounded in time and size.
 */

const KIB = 1024;
const MIB = 1024 * KIB;

export interface ClientLimits {
  /** Connect, headers and the whole answer of one attempt of a call. */
  callDeadlineMs: number;
  /** Step replies carry inventories of up to a few MB, over links that may be slow. */
  replyDeadlineMs: number;
  /** A logs upload may take many minutes; it fails only when no byte moves for this long. */
  uploadIdleMs: number;
  /** A successful answer: steps with their arguments are KBs; 4 MiB is far beyond any real one. */
  maxBodyBytes: number;
  /** An error answer is only read for its reason. */
  maxErrorBodyBytes: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  callDeadlineMs: 60_000,
  replyDeadlineMs: 120_000,
  uploadIdleMs: 60_000,
  maxBodyBytes: 4 * MIB,
  maxErrorBodyBytes: 64 * KIB,
};

/**
 * INBAND_REQUEST_TIMEOUT_S shortens the call and reply deadlines (tests of a service that never
 * answers, or a site that wants a poll to fail fast); it never lengthens them past the defaults.
 */
export function clientLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientLimits {
  const seconds = Number(env.INBAND_REQUEST_TIMEOUT_S ?? '');
  if (!Number.isFinite(seconds) || seconds <= 0) return DEFAULT_CLIENT_LIMITS;
  const ms = Math.max(100, Math.round(seconds * 1000));
  return {
    ...DEFAULT_CLIENT_LIMITS,
    callDeadlineMs: Math.min(ms, DEFAULT_CLIENT_LIMITS.callDeadlineMs),
    replyDeadlineMs: Math.min(ms, DEFAULT_CLIENT_LIMITS.replyDeadlineMs),
    uploadIdleMs: Math.min(ms, DEFAULT_CLIENT_LIMITS.uploadIdleMs),
  };
}

/** Delays the service may ask for, in seconds: never a spin, never past Node's timer range. */
export const DELAY_BOUNDS = {
  /** next_instruction_seconds: one poll a second at most (a lab's --poll-interval 1), an hour at least. */
  nextInstruction: { min: 1, max: 3600 },
  /** retry_seconds of next_step_runner_command. */
  retry: { min: 1, max: 24 * 3600 },
} as const;

/**
 * A service-given delay within its bounds. Returns the value to use and, when it had to change
 * it, why (for a log line); undefined or non-numbers fall back to `fallback`.
 */
export function clampDelay(value: unknown, bounds: { min: number; max: number }, fallback: number): { seconds: number; note?: string } {
  if (value === undefined || value === null) return { seconds: fallback };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { seconds: fallback, note: `${String(value)} is not a number of seconds; using ${fallback}` };
  if (value < bounds.min) return { seconds: bounds.min, note: `${value} s is below the ${bounds.min} s minimum; using ${bounds.min}` };
  if (value > bounds.max) return { seconds: bounds.max, note: `${value} s is above the ${bounds.max} s maximum; using ${bounds.max}` };
  return { seconds: value };
}
