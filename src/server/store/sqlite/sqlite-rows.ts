import type { EventRecord, HostRecord, InfraEnvRecord, InfraEnvTokens, LogsRecord, StepResultRecord } from '../../model.js';

/**
 * Records ⇄ table rows. A host's identity, status and check-in fields live only in columns (the
 * batched check-in flush updates those without rewriting the JSON), the rest of it in `record`.
 */

export interface InfraEnvTokenColumns {
  agent_token: string;
  agent_token_rotated_at: string | null;
  download_token: string;
  download_token_expires_at: string | null;
}

export interface InfraEnvRow extends InfraEnvTokenColumns {
  id: string;
  name: string;
  created_at: string;
  record: string;
}

export interface HostRow {
  infra_env_id: string;
  id: string;
  status: string;
  checked_in_at: string;
  host_timestamp: number | null;
  agent_version: string | null;
  record: string;
  /** Read only: writes set it from the row's own (see sqlite-statements.ts). */
  version?: number;
}

export interface StepResultRow {
  infra_env_id: string;
  host_id: string;
  step_id: string;
  step_type: string;
  exit_code: number;
  output: string;
  error: string;
  received_at: string;
  /** 1: the output is the host record's inventory, not kept in this row (step-output.ts). */
  output_in_host: number;
}

export interface EventRow {
  seq?: number;
  infra_env_id: string | null;
  host_id: string | null;
  severity: string;
  name: string;
  message: string;
  event_time: string;
  request_id: string | null;
  props: string | null;
}

export interface LogsRow {
  infra_env_id: string;
  host_id: string;
  path: string;
  size_bytes: number;
  uploaded_at: string;
}

export function infraEnvTokensToColumns(tokens: InfraEnvTokens): InfraEnvTokenColumns {
  return {
    agent_token: tokens.agentToken,
    agent_token_rotated_at: tokens.agentTokenRotatedAt ?? null,
    download_token: tokens.downloadToken,
    download_token_expires_at: tokens.downloadTokenExpiresAt ?? null,
  };
}

export function infraEnvToRow(infraEnv: InfraEnvRecord): InfraEnvRow {
  const { agentToken, agentTokenRotatedAt, downloadToken, downloadTokenExpiresAt, ...rest } = infraEnv;
  return {
    id: infraEnv.id,
    name: infraEnv.name,
    created_at: infraEnv.createdAt,
    record: JSON.stringify(rest),
    ...infraEnvTokensToColumns({ agentToken, agentTokenRotatedAt, downloadToken, downloadTokenExpiresAt }),
  };
}

export function infraEnvFromRow(row: InfraEnvRow): InfraEnvRecord {
  const rest = JSON.parse(row.record) as Omit<InfraEnvRecord, keyof InfraEnvTokens>;
  return {
    ...rest,
    agentToken: row.agent_token,
    ...(row.agent_token_rotated_at !== null && { agentTokenRotatedAt: row.agent_token_rotated_at }),
    downloadToken: row.download_token,
    ...(row.download_token_expires_at !== null && { downloadTokenExpiresAt: row.download_token_expires_at }),
  };
}

export function hostToRow(host: HostRecord): HostRow {
  const { infraEnvId, id, status, checkedInAt, timestamp, discoveryAgentVersion, ...rest } = host;
  return {
    infra_env_id: infraEnvId,
    id,
    status,
    checked_in_at: checkedInAt,
    host_timestamp: timestamp ?? null,
    agent_version: discoveryAgentVersion ?? null,
    record: JSON.stringify(rest),
  };
}

export function hostFromRow(row: HostRow): HostRecord {
  const rest = JSON.parse(row.record) as Omit<HostRecord, 'infraEnvId' | 'id' | 'status' | 'checkedInAt'>;
  return {
    ...rest,
    infraEnvId: row.infra_env_id,
    id: row.id,
    status: row.status as HostRecord['status'],
    checkedInAt: row.checked_in_at,
    ...(row.host_timestamp !== null && { timestamp: row.host_timestamp }),
    ...(row.agent_version !== null && { discoveryAgentVersion: row.agent_version }),
  };
}

export function stepResultToRow(result: StepResultRecord, outputInHost = false): StepResultRow {
  return {
    infra_env_id: result.infraEnvId,
    host_id: result.hostId,
    step_id: result.stepId,
    step_type: result.stepType,
    exit_code: result.exitCode,
    output: outputInHost ? '' : result.output,
    error: result.error,
    received_at: result.receivedAt,
    output_in_host: outputInHost ? 1 : 0,
  };
}

export function stepResultFromRow(row: StepResultRow): StepResultRecord {
  return {
    infraEnvId: row.infra_env_id,
    hostId: row.host_id,
    stepId: row.step_id,
    stepType: row.step_type,
    exitCode: row.exit_code,
    output: row.output,
    error: row.error,
    receivedAt: row.received_at,
  };
}

export function eventToRow(event: EventRecord): EventRow {
  return {
    infra_env_id: event.infraEnvId ?? null,
    host_id: event.hostId ?? null,
    severity: event.severity,
    name: event.name,
    message: event.message,
    event_time: event.eventTime,
    request_id: event.requestId ?? null,
    props: event.props ?? null,
  };
}

export function eventFromRow(row: EventRow): EventRecord {
  return {
    ...(row.seq !== undefined && { seq: row.seq }),
    name: row.name,
    ...(row.infra_env_id !== null && { infraEnvId: row.infra_env_id }),
    ...(row.host_id !== null && { hostId: row.host_id }),
    severity: row.severity as EventRecord['severity'],
    message: row.message,
    eventTime: row.event_time,
    ...(row.request_id !== null && { requestId: row.request_id }),
    ...(row.props !== null && { props: row.props }),
  };
}

export function logsToRow(logs: LogsRecord): LogsRow {
  return {
    infra_env_id: logs.infraEnvId,
    host_id: logs.hostId,
    path: logs.path,
    size_bytes: logs.sizeBytes,
    uploaded_at: logs.uploadedAt,
  };
}

export function logsFromRow(row: LogsRow): LogsRecord {
  return {
    infraEnvId: row.infra_env_id,
    hostId: row.host_id,
    path: row.path,
    sizeBytes: row.size_bytes,
    uploadedAt: row.uploaded_at,
  };
}
