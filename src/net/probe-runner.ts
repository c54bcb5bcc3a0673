import type { CommandResult, CommandRunner } from '../host/command-runner.js';

/** A program run with its own timeout; the step binds the abort signal and environment once. */
export type ProbeRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

/** Probes print English summaries that the parsers match; a localised host must not change them. */
const PROBE_ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export function probeRunner(run: CommandRunner, signal?: AbortSignal): ProbeRunner {
  return (file, args, timeoutMs) => run(file, args, { timeoutMs, signal, env: PROBE_ENV });
}

/** Upstream reads these tools' stdout and stderr as one stream. */
export function combinedOutput(result: CommandResult): string {
  return result.stderr ? `${result.stdout}${result.stdout.endsWith('\n') || !result.stdout ? '' : '\n'}${result.stderr}` : result.stdout;
}
