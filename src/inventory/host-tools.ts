import type { CommandResult, CommandRunner } from '../host/command-runner.js';

const DEFAULT_TIMEOUT_MS = 30_000;
/** Enough to overlap the waiting; more only makes 2-core hosts thrash (one process per disk adds up). */
const MAX_CONCURRENT_PROCESSES = 6;

/** Tools parse English labels ("Model name:", "Size:"); a localised host must not change them. */
const TOOL_ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

/**
 * How collectors run host programs: through the injected CommandRunner (live, recording or
 * replaying), always with a timeout and the collection's abort signal.
 */
export class HostTools {
  /** Per program: settles to true when its first run showed it is not installed. */
  private readonly absent = new Map<string, Promise<boolean>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly runner: CommandRunner,
    private readonly signal?: AbortSignal,
    /** Whether a program exists at all; without it, only a first failed run tells. */
    private readonly isInstalled?: (file: string) => boolean,
  ) {}

  async run(file: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
    if (this.isInstalled && !this.isInstalled(file)) return notInstalled(file);
    // A finishing run hands its slot straight to the next waiter, so the count never overshoots.
    if (this.running >= MAX_CONCURRENT_PROCESSES) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await this.runner(file, args, { timeoutMs, signal: this.signal, env: TOOL_ENV });
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /**
   * For a program run once per item (once per NIC, say) that many hosts do not have: the first call
   * runs, and if the program turns out to be missing the others return that failure at once
   * instead of starting a process each.
   */
  async runOptional(file: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
    const probe = this.absent.get(file);
    if (probe === undefined) {
      const first = this.run(file, args, timeoutMs);
      this.absent.set(file, first.then(isNotInstalled));
      return first;
    }
    if (await probe) return notInstalled(file);
    return this.run(file, args, timeoutMs);
  }
}

function notInstalled(file: string): CommandResult {
  return { stdout: '', stderr: `${file}: not installed`, exitCode: -1, timedOut: false };
}

/** A result that means the program could not be started at all (upstream's exit code -1). */
export function isNotInstalled(result: CommandResult): boolean {
  return result.exitCode === -1 && /ENOENT|not recorded|not installed/.test(result.stderr);
}

/** "exit N: <stderr>" for log lines. */
export function describeFailure(result: CommandResult): string {
  const err = result.stderr.trim().split('\n')[0] ?? '';
  return `exit ${result.exitCode}${err ? `: ${err}` : ''}`;
}
