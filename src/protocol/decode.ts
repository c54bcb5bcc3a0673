/**
 * Runtime checks of what the service sends us. The service is a peer we do not control: a body of
 * the wrong shape must become a clear error, never an exception deep in the loop.
 */
import { IMAGE_REF_RE, isUuid } from './formats.js';
import type { HostRegistrationResponse, NextStepCmdRequest, Step, Steps } from './models.js';

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upstream sends a handful of steps per poll; a list longer than this is not a real answer. */
export const MAX_INSTRUCTIONS = 64;

export function decodeSteps(body: unknown): Steps {
  if (!isObject(body)) throw new DecodeError(`steps: expected a JSON object, got ${describe(body)}`);
  const { next_instruction_seconds: seconds, post_step_action: action, instructions } = body;
  if (seconds !== undefined && seconds !== null && (typeof seconds !== 'number' || !Number.isInteger(seconds))) {
    throw new DecodeError(`steps.next_instruction_seconds: expected an integer, got ${describe(seconds)}`);
  }
  if (action !== undefined && action !== null && action !== 'exit' && action !== 'continue') {
    throw new DecodeError(`steps.post_step_action: expected "exit" or "continue", got ${describe(action)}`);
  }
  if (instructions !== undefined && instructions !== null && !Array.isArray(instructions)) {
    throw new DecodeError(`steps.instructions: expected an array, got ${describe(instructions)}`);
  }
  if (Array.isArray(instructions) && instructions.length > MAX_INSTRUCTIONS) {
    throw new DecodeError(`steps.instructions: ${instructions.length} steps in one answer, more than the ${MAX_INSTRUCTIONS} the agent runs at once`);
  }
  const steps: Steps = {
    instructions: (instructions ?? []).map((step: unknown, index: number) => decodeStep(step, index)),
  };
  if (typeof seconds === 'number') steps.next_instruction_seconds = seconds;
  if (action === 'exit' || action === 'continue') steps.post_step_action = action;
  return steps;
}

function decodeStep(step: unknown, index: number): Step {
  const where = `steps.instructions[${index}]`;
  if (!isObject(step)) throw new DecodeError(`${where}: expected an object, got ${describe(step)}`);
  const { step_type: type, step_id: id, args } = step;
  if (typeof type !== 'string') throw new DecodeError(`${where}.step_type: expected a string, got ${describe(type)}`);
  if (id !== undefined && typeof id !== 'string') throw new DecodeError(`${where}.step_id: expected a string, got ${describe(id)}`);
  if (args !== undefined && args !== null && !(Array.isArray(args) && args.every((a) => typeof a === 'string'))) {
    throw new DecodeError(`${where}.args: expected an array of strings, got ${describe(args)}`);
  }
  return { step_type: type, step_id: id ?? '', args: (args as string[] | null | undefined) ?? [] };
}

export function decodeRegistration(body: unknown): HostRegistrationResponse {
  if (!isObject(body)) throw new DecodeError(`host registration: expected a JSON object, got ${describe(body)}`);
  const command = body.next_step_runner_command;
  if (command !== undefined && command !== null && !isObject(command)) {
    throw new DecodeError(`next_step_runner_command: expected an object, got ${describe(command)}`);
  }
  return body as HostRegistrationResponse;
}

/**
 * The single argument of `next_step_runner_command`: a JSON `next_step_cmd_request` with all three
 * fields. Anything else is the "invalid command" case upstream handles by waiting and re-registering.
 */
export function decodeNextStepCmdRequest(args: unknown): NextStepCmdRequest {
  if (!Array.isArray(args) || args.length !== 1 || typeof args[0] !== 'string') {
    const count = Array.isArray(args) ? args.length : 0;
    throw new DecodeError(`next_step_runner_command.args: expected exactly 1 argument, got ${count}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(args[0]);
  } catch (err) {
    throw new DecodeError(`next_step_runner_command.args[0] is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new DecodeError('next_step_runner_command.args[0]: expected a JSON object');
  const problems: string[] = [];
  for (const field of ['infra_env_id', 'host_id', 'agent_version'] as const) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') problems.push(`${field} in body is required`);
  }
  if (problems.length === 0) {
    if (!isUuid(parsed.infra_env_id)) problems.push(`infra_env_id in body must be of type uuid: "${String(parsed.infra_env_id)}"`);
    if (!isUuid(parsed.host_id)) problems.push(`host_id in body must be of type uuid: "${String(parsed.host_id)}"`);
    if (!IMAGE_REF_RE.test(String(parsed.agent_version))) problems.push(`agent_version in body should match '${IMAGE_REF_RE.source}'`);
  }
  if (problems.length > 0) throw new DecodeError(`validation failure list:\n${problems.join('\n')}`);
  return {
    infra_env_id: parsed.infra_env_id as string,
    host_id: parsed.host_id as string,
    agent_version: parsed.agent_version as string,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
