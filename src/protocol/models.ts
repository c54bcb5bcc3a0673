/**
 * The upstream wire models the agent sends and receives (swagger definitions named in each comment).
 * Field names are the wire names; optional fields are omitted from JSON when unset, as upstream's
 * omitempty does.
 */
import type { StepType } from './step-types.js';

/** `host-create-params` */
export interface HostCreateParams {
  host_id: string;
  discovery_agent_version?: string;
}

/** `next_step_runner_command` inside `host_registration_response` */
export interface NextStepRunnerCommand {
  command?: string;
  args?: string[];
  retry_seconds?: number;
}

/** `host_registration_response`: a `host` plus the runner command. The agent only reads a few fields. */
export interface HostRegistrationResponse {
  id?: string;
  kind?: string;
  href?: string;
  status?: string;
  status_info?: string;
  infra_env_id?: string;
  next_step_runner_command?: NextStepRunnerCommand;
  [field: string]: unknown;
}

/** `next_step_cmd_request` */
export interface NextStepCmdRequest {
  infra_env_id: string;
  host_id: string;
  agent_version: string;
}

/** `step` */
export interface Step {
  step_type: string;
  step_id: string;
  args: string[];
}

/** `steps` */
export interface Steps {
  next_instruction_seconds?: number;
  post_step_action?: 'exit' | 'continue';
  instructions: Step[];
}

/** `step-reply` */
export interface StepReply {
  step_type: StepType | string;
  step_id: string;
  exit_code?: number;
  output?: string;
  error?: string;
}

/** `logs_state` */
export type LogsState = 'requested' | 'collecting' | 'completed' | 'timeout' | '';

/** `error`: the body of 400/404/405/409/500/501/503 answers. */
export interface ErrorBody {
  kind: 'Error';
  id: number;
  href: string;
  code: string;
  reason: string;
}

/** `infra_error`: the body of 401/403 answers. */
export interface InfraErrorBody {
  code: number;
  message: string;
}
