import { HostFs } from '../host/host-fs.js';
import { runCommand } from '../host/command-runner.js';
import type { Logger } from '../log/logger.js';
import type { DryRunConfig } from '../config/dry-run.js';
import type { LldpSource } from '../inventory/lldp/collect.js';
import type { AgentIdentity, StepContext } from '../steps/types.js';

export interface StepEnvironment {
  agent: AgentIdentity;
  dryRun: DryRunConfig;
  log: Logger;
  hostRoot?: string;
  lldp?: LldpSource;
}

/** The real host: commands run here, files are read from the host root. */
export function hostStepContext(env: StepEnvironment): (signal: AbortSignal) => StepContext {
  const hostFs = new HostFs(env.hostRoot ?? '/');
  return (signal) => ({ signal, run: runCommand, hostFs, log: env.log, agent: env.agent, dryRun: env.dryRun, lldp: env.lldp });
}
