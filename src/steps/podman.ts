/**
 * The podman calls shared by the image and installation steps. Every call is one argument vector
 * handed to podman directly, never a shell string: an image name or a flag value from the service
 * reaches podman as exactly one argument, whatever characters it holds.
 */
import type { CommandResult, CommandRunner, RunOptions } from '../host/command-runner.js';

/** The swagger pattern for a fully qualified image name (controller, installer, mco, availability images). */
export const IMAGE_PATTERN = '^(([a-zA-Z0-9\\-\\.]+)(:[0-9]+)?\\/)?[a-z0-9\\._\\-\\/@]+[?::a-zA-Z0-9_\\-.]+$';
export const IMAGE_RE = new RegExp(IMAGE_PATTERN);

/**
 * The swagger pattern lets a name start with "-", which podman would read as an option
 * ("--quiet" matches it); such a name can never be an image, so it is refused too.
 */
export function isImageName(value: string): boolean {
  return IMAGE_RE.test(value) && !value.startsWith('-');
}

const QUERY_TIMEOUT_MS = 60_000;

/** podman could not be started at all; each step turns this into a clear -1 reply. */
export class PodmanMissingError extends Error {
  constructor(detail: string) {
    super(`podman is not installed: ${detail}`);
    this.name = 'PodmanMissingError';
  }
}

export class Podman {
  constructor(
    private readonly run: CommandRunner,
    private readonly signal?: AbortSignal,
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  /** Runs podman; a program that cannot be spawned is thrown rather than mistaken for a podman failure. */
  async exec(args: readonly string[], options: Partial<RunOptions> & { timeoutMs: number }): Promise<CommandResult> {
    const result = await this.run('podman', args, { signal: this.signal, ...(this.env ? { env: this.env } : {}), ...options });
    if (result.exitCode === -1 && /ENOENT|EACCES/.test(result.stderr)) throw new PodmanMissingError(result.stderr.trim());
    return result;
  }

  /** Whether the image is in local storage: `podman images --quiet` prints its id, or nothing. */
  async imagePresent(image: string): Promise<boolean> {
    const result = await this.exec(['images', '--quiet', image], { timeoutMs: QUERY_TIMEOUT_MS });
    return result.exitCode === 0 && result.stdout.trim() !== '';
  }

  /**
   * Pulls within `timeoutMs`. The runner's own timeout replaces upstream's `timeout N` wrapper: the
   * effect (kill, exit 124) is the same, and a missing podman stays distinguishable from a failed pull.
   */
  async pull(image: string, timeoutMs: number): Promise<CommandResult> {
    return this.exec(['pull', image], { timeoutMs });
  }

  /** The image's size in bytes as podman reports it, or undefined when it cannot be read. */
  async imageSize(image: string): Promise<number | undefined> {
    const result = await this.exec(['image', 'inspect', '--format={{.Size}}', image], { timeoutMs: QUERY_TIMEOUT_MS });
    if (result.exitCode !== 0) return undefined;
    const size = Number(result.stdout.trim());
    return Number.isFinite(size) && result.stdout.trim() !== '' ? size : undefined;
  }
}

/**
 * A process-wide "one at a time" guard: upstream answers a second request of the same kind while
 * the first still runs with an empty reply instead of queueing a second round of pulls.
 */
export class Busy {
  private running = false;

  async ifIdle<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.running) return { ran: false };
    this.running = true;
    try {
      return { ran: true, value: await work() };
    } finally {
      this.running = false;
    }
  }
}
