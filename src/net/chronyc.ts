import type { CommandRunner } from '../host/command-runner.js';

export type SourceState = 'synced' | 'combined' | 'not_combined' | 'error' | 'variable' | 'unreachable';

export interface ChronySource {
  name: string;
  state: SourceState;
}

/** chronyc's selection-state column, mapped to the service's source_state as upstream maps it. */
const STATES: Record<string, SourceState> = {
  '*': 'synced',
  '+': 'combined',
  '-': 'not_combined',
  '?': 'unreachable',
  x: 'error',
  '~': 'variable',
};

/**
 * The NTP servers ("^" mode) of `chronyc -n sources`; peers and reference clocks are not sources the
 * service configured. CSV lines (`chronyc -c sources`) are read as well. Unknown states are errors.
 */
export function parseChronySources(output: string): ChronySource[] {
  const sources: ChronySource[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('^')) continue;
    const csv = line.startsWith('^,');
    const fields = csv ? line.split(',') : line.trim().split(/\s+/);
    const stateChar = csv ? fields[1] : fields[0]?.charAt(1);
    const name = csv ? fields[2] : fields[1];
    if (!name) continue;
    sources.push({ name, state: STATES[stateChar ?? ''] ?? 'error' });
  }
  return sources;
}

export const CHRONYC_TIMEOUT_MS = 30_000;
export const CHRONYC_TIMEOUT_ERROR = 'chronyc was timed out after 30 seconds';

export class ChronycTimeout extends Error {
  constructor() {
    super(CHRONYC_TIMEOUT_ERROR);
  }
}

export interface Chronyc {
  sources(): Promise<ChronySource[]>;
  /** Adds a server; resolves to chronyc's complaint, or undefined when it took it. */
  addServer(source: string): Promise<string | undefined>;
}

/** chronyc on the host (the agent's own copy once crashed, MGMT-14319), through the step's runner. */
export function chronyc(run: CommandRunner, signal: AbortSignal): Chronyc {
  return {
    async sources() {
      const result = await run('chronyc', ['-n', 'sources'], { timeoutMs: CHRONYC_TIMEOUT_MS, signal });
      if (result.timedOut) throw new ChronycTimeout();
      if (result.exitCode !== 0) throw new Error(`chronyc -n sources failed with exit code ${result.exitCode}: ${result.stderr.trim()}`);
      return parseChronySources(result.stdout);
    },
    async addServer(source) {
      const result = await run('chronyc', ['add', 'server', source, 'iburst'], { timeoutMs: CHRONYC_TIMEOUT_MS, signal });
      if (result.exitCode === 0) return undefined;
      return result.timedOut ? CHRONYC_TIMEOUT_ERROR : `exit code ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`;
    },
  };
}
