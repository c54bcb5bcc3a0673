// Test helpers shared by the network step tests: a scripted CommandRunner and a bare context.
import type { CommandResult, CommandRunner, RunOptions } from '../../src/host/command-runner.js';
import { DRY_RUN_OFF } from '../../src/config/dry-run.js';
import type { StepContext } from '../../src/steps/types.js';

export interface Call {
  file: string;
  args: string[];
  options: RunOptions;
}

export function result(stdout: string, exitCode = 0, stderr = '', timedOut = false): CommandResult {
  return { stdout, stderr, exitCode, timedOut };
}

/** A runner that records every call and answers through `answer`. */
export function scriptedRunner(answer: (call: Call) => CommandResult | Promise<CommandResult>): { run: CommandRunner; calls: Call[] } {
  const calls: Call[] = [];
  const run: CommandRunner = async (file, args, options) => {
    const call = { file, args: [...args], options };
    calls.push(call);
    return answer(call);
  };
  return { run, calls };
}

export function context(run: CommandRunner, dryRun = false): StepContext {
  return { signal: new AbortController().signal, run, dryRun: { ...DRY_RUN_OFF, enabled: dryRun } } as unknown as StepContext;
}

/** An nmap report in which the given IPv4 addresses are up. */
export function nmapReport(up: readonly string[], down: readonly string[] = []): string {
  const host = (state: string, addr: string): string => `<host><status state="${state}"/><address addr="${addr}" addrtype="ipv4"/></host>`;
  return `<?xml version="1.0"?><nmaprun>${up.map((a) => host('up', a)).join('')}${down.map((a) => host('down', a)).join('')}</nmaprun>`;
}
