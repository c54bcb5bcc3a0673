import type { StepType } from '../protocol/step-types.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, type StepModule } from './types.js';

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
