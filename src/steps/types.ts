import type { HostFs } from '../host/host-fs.js';
import type { CommandRunner } from '../host/command-runner.js';
import type { Logger } from '../log/logger.js';
import type { DryRunConfig } from '../config/dry-run.js';
import type { StepType } from '../protocol/step-types.js';
import type { LldpSource } from '../inventory/lldp/collect.js';

/** What a step produced: the reply's exit_code, output (stdout) and error (stderr). */
export interface StepResult {
  exitCode: number;
  output: string;
  error: string;
  /** Set by a step whose success means this runner must stop and the agent re-register (upgrade-agent). */
  reRegister?: boolean;
}

/** Where the agent is and who it is, for steps that talk to the service or start tools with its flags. */
export interface AgentIdentity {
  url: string;
  infraEnvId: string;
  hostId: string;
  agentVersion: string;
  insecure: boolean;
  cacertPath?: string;
  token: string;
}

export interface StepContext {
  /** Fires when the step's time is up or the agent is stopping; long work must stop on it. */
  signal: AbortSignal;
  run: CommandRunner;
  hostFs: HostFs;
  log: Logger;
  agent: AgentIdentity;
  dryRun: DryRunConfig;
  /** The agent's LLDP source (lldpd, its listener); absent with --no-lldp. */
  lldp?: LldpSource;
}

/**
 * One step type. `parseArgs` checks the wire arguments against the request model and throws a
 * StepArgsError with a message for the reply; `run` does the work.
 */
export interface StepModule<Args = unknown> {
  type: StepType;
  /** How long a run may take before it is cancelled and answered with exit code 124. */
  timeoutMs: number;
  parseArgs(args: readonly string[]): Args;
  run(args: Args, ctx: StepContext): Promise<StepResult>;
}

export const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

export function ok(output: string, error = ''): StepResult {
  return { exitCode: 0, output, error };
}

export function failed(error: string, exitCode = -1, output = ''): StepResult {
  return { exitCode, output, error };
}
