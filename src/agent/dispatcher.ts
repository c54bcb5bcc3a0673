import { errorMessage, StepArgsError } from '../errors.js';
import type { Step, StepReply } from '../protocol/models.js';
import type { StepRegistry } from '../steps/registry.js';
import type { StepContext, StepResult } from '../steps/types.js';
import { TIMEOUT_EXIT_CODE } from '../host/command-runner.js';

export type StepContextFactory = (signal: AbortSignal) => StepContext;

export interface DispatchOptions {
  registry: StepRegistry;
  context: StepContextFactory;
  /** Cancels every running step when the agent stops. */
  signal?: AbortSignal;
  /** Overrides each module's own time limit (tests, and operators who know their hardware is slow). */
  timeoutMs?: number;
}

/**
 * Runs one instruction and never throws: an unknown type, bad arguments, a crash inside the step and
 * a timeout each become a result with a non-zero exit code and a message for the reply.
 */
export async function dispatchStep(step: Step, options: DispatchOptions): Promise<StepResult> {
  const module = options.registry.get(step.step_type);
  if (!module) return { exitCode: -1, output: '', error: `failed to find action for step type ${step.step_type}` };

  let args: unknown;
  try {
    args = module.parseArgs(step.args);
  } catch (err) {
    const message = err instanceof StepArgsError ? err.message : `invalid arguments for ${step.step_type}: ${errorMessage(err)}`;
    return { exitCode: -1, output: '', error: message };
  }

  const timeoutMs = options.timeoutMs ?? module.timeoutMs;
  const controller = new AbortController();
  const stopOnParent = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopOnParent, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<StepResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('step timed out'));
      resolve({ exitCode: TIMEOUT_EXIT_CODE, output: '', error: `${step.step_type} timed out after ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
  });
  try {
    const running = module.run(args, options.context(controller.signal)).catch(
      (err: unknown): StepResult => ({ exitCode: -1, output: '', error: `${step.step_type} failed: ${errorMessage(err)}` }),
    );
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stopOnParent);
  }
}

/** Upstream's StepReply has omitempty on every field: exit code 0 and empty strings are left out. */
export function toStepReply(step: Step, result: StepResult): StepReply {
  const reply: StepReply = { step_type: step.step_type, step_id: step.step_id };
  if (result.exitCode !== 0) reply.exit_code = result.exitCode;
  if (result.output !== '') reply.output = result.output;
  if (result.error !== '') reply.error = result.error;
  return reply;
}
