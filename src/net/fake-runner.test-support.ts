import type { CommandResult } from '../host/command-runner.js';
import type { ProbeRunner } from './probe-runner.js';

export interface FakeCall {
  file: string;
  args: string[];
}

/** A ProbeRunner that answers from a function of the argv and records every call. */
export function fakeRunner(answer: (file: string, args: string[]) => Partial<CommandResult> | undefined): { run: ProbeRunner; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const run: ProbeRunner = async (file, args) => {
    calls.push({ file, args: [...args] });
    const result = answer(file, [...args]) ?? { exitCode: 0 };
    return { stdout: '', stderr: '', exitCode: 0, timedOut: false, ...result };
  };
  return { run, calls };
}
