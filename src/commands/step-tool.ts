import type { DryRunConfig } from '../config/dry-run.js';
import type { Logger } from '../log/logger.js';
import { dispatchStep } from '../agent/dispatcher.js';
import { STEP_REGISTRY } from '../steps/registry.js';
import type { ToolSpec } from '../cli/tools.js';
import type { Step } from '../protocol/models.js';
import { hostStepContext } from './step-context.js';

export interface StepToolParams {
  tool: ToolSpec;
  /** The step's wire arguments, as the service would send them. */
  args: string[];
  dryRun: DryRunConfig;
  log: Logger;
  hostRoot: string;
  signal: AbortSignal;
}

/**
 * Runs one step type as a stand-alone tool: the reply's output goes to stdout, its error to stderr,
 * and the process exits with the step's exit code (-1 becomes 255, as a Go os.Exit(-1)).
 */
export async function stepToolCommand(params: StepToolParams): Promise<number> {
  const { tool } = params;
  if (!tool.stepType) throw new Error(`${tool.name} is not a step tool`);
  const step: Step = { step_type: tool.stepType, step_id: `${tool.stepType}-cli`, args: params.args };
  const agent = { url: '', infraEnvId: '', hostId: '', agentVersion: '', insecure: false, token: process.env.PULL_SECRET_TOKEN ?? '' };
  const context = hostStepContext({ agent, dryRun: params.dryRun, log: params.log, hostRoot: params.hostRoot });
  const result = await dispatchStep(step, { registry: STEP_REGISTRY, context, signal: params.signal });
  if (result.output) process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
  if (result.error) process.stderr.write(result.error.endsWith('\n') ? result.error : `${result.error}\n`);
  return processExitCode(result.exitCode);
}

export function processExitCode(stepExitCode: number): number {
  if (stepExitCode === 0) return 0;
  return stepExitCode > 0 && stepExitCode < 256 ? stepExitCode : 255;
}
