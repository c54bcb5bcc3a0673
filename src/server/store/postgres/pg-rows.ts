import type { EventRecord, HostRecord, InfraEnvRecord, InfraEnvTokens, LogsRecord, StepResultRecord } from '../../model.js';

/**
 * Records ⇄ PostgreSQL rows. A host's identity, status and check-in fields live only in columns
 * (the check-in flush updates those without touching the JSON), the rest in `record`. bigint
 * columns arrive as strings from `pg` and are turned into numbers here.
 */

export interface InfraEnvRow {
  id: string;
  name: string;
  created_at: string;
  record: string;
  agent_token: string;
  agent_token_rotated_at: string | null;
  download_token: string;
  download_token_expires_at: string | null;
}

export interface HostRow {
  infra_env_id: string;
  id: string;
  status: string;
  checked_in_at: string;
  host_timestamp: number | null;
  agent_version: string | null;
  version: string | number;
  record: string;
}

export interface StepResultRow {
  infra_env_id: string;
  host_id: string;
  step_id: string;
  step_type: string;
  /** bigint: a string from `pg`. */
  exit_code: string | number;
  output: string;
  error: string;
  received_at: string;
}

export interface EventRow {
  seq: string | number;
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
  size_bytes: string | number;
  uploaded_at: string;
}

export function infraEnvTokenValues(tokens: InfraEnvTokens): [string, string | null, string, string | null] {
  return [tokens.agentToken, tokens.agentTokenRotatedAt ?? null, tokens.downloadToken, tokens.downloadTokenExpiresAt ?? null];
}

/** Parameters $1…$8 of the infra-env insert. */
export function infraEnvValues(infraEnv: InfraEnvRecord): unknown[] {
  const { agentToken, agentTokenRotatedAt, downloadToken, downloadTokenExpiresAt, ...rest } = infraEnv;
  return [infraEnv.id, infraEnv.name, infraEnv.createdAt, JSON.stringify(rest), ...infraEnvTokenValues({ agentToken, agentTokenRotatedAt, downloadToken, downloadTokenExpiresAt })];
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

/** Parameters $1…$7 of every host write: infra_env_id, id, status, checked_in_at, host_timestamp, agent_version, record. */
export function hostValues(host: HostRecord): unknown[] {
  const { infraEnvId, id, status, checkedInAt, timestamp, discoveryAgentVersion, ...rest } = host;
  return [infraEnvId, id, status, checkedInAt, timestamp ?? null, discoveryAgentVersion ?? null, JSON.stringify(rest)];
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

/**
 * PostgreSQL text cannot hold U+0000, which an agent's output or a hostname in a message may
 * carry (SQLite keeps it): such a character is stored as U+FFFD, the replacement character,
 * rather than have the database refuse the whole write.
 */
export function pgText<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\ufffd') : value) as T;
}

/** step_id, step_type, exit_code, output, error, received_at. */
export function stepResultValues(result: StepResultRecord): unknown[] {
  return [pgText(result.stepId), pgText(result.stepType), result.exitCode, pgText(result.output), pgText(result.error), result.receivedAt];
}

export function stepResultFromRow(row: StepResultRow): StepResultRecord {
  return {
    infraEnvId: row.infra_env_id,
    hostId: row.host_id,
    stepId: row.step_id,
    stepType: row.step_type,
    exitCode: Number(row.exit_code),
    output: row.output,
    error: row.error,
    receivedAt: row.received_at,
  };
}

export function eventValues(event: EventRecord): unknown[] {
  return [event.infraEnvId ?? null, event.hostId ?? null, event.severity, event.name, pgText(event.message), event.eventTime, pgText(event.requestId ?? null), pgText(event.props ?? null)];
}

export function eventFromRow(row: EventRow): EventRecord {
  return {
    seq: Number(row.seq),
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

export function logsFromRow(row: LogsRow): LogsRecord {
  return {
    infraEnvId: row.infra_env_id,
    hostId: row.host_id,
    path: row.path,
    sizeBytes: Number(row.size_bytes),
    uploadedAt: row.uploaded_at,
  };
}
