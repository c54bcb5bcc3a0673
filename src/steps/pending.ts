import type { StepType } from '../protocol/step-types.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, type StepModule } from './types.js';

/**
 * A step type the dispatcher knows but this build does not carry out yet. It answers every request
 * with exit code -1 and a message that says so, instead of pretending to have run.
 */
export function pendingStep(type: StepType): StepModule<readonly string[]> {
  return {
    type,
    timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
    parseArgs: (args) => args,
    run: async () => failed(`step type ${type} is not implemented yet in this inband agent`),
  };
}

/**
 * A step type upstream lists but deliberately never runs; the message keeps upstream's prefix, which
 * triage tooling matches on.
 */
export function refusedStep(type: StepType, why: string): StepModule<readonly string[]> {
  return {
    type,
    timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
    parseArgs: (args) => args,
    run: async () => failed(`failed to find action for step type ${type}: ${why}`),
  };
}
