import type { Database, Statement } from 'better-sqlite3';
import type { EventFilter } from '../../model.js';
import type { EventRow, HostRow, InfraEnvRow, InfraEnvTokenColumns, LogsRow, StepResultRow } from './sqlite-rows.js';

const SELECT_HOSTS = `
  SELECT h.infra_env_id, h.id, h.status, h.checked_in_at, h.host_timestamp, h.agent_version, h.version, r.record
  FROM hosts h JOIN host_records r ON r.infra_env_id = h.infra_env_id AND r.host_id = h.id`;

/** Every statement the SQLite store runs, prepared once after the schema is migrated. */
export function prepareStatements(db: Database) {
  return {
    insertInfraEnv: db.prepare<[InfraEnvRow]>(`
      INSERT INTO infra_envs (id, name, created_at, record, agent_token, agent_token_rotated_at, download_token, download_token_expires_at)
      VALUES (@id, @name, @created_at, @record, @agent_token, @agent_token_rotated_at, @download_token, @download_token_expires_at)`),
    updateInfraEnvTokens: db.prepare<[InfraEnvTokenColumns & { id: string }]>(`
      UPDATE infra_envs SET agent_token = @agent_token, agent_token_rotated_at = @agent_token_rotated_at,
        download_token = @download_token, download_token_expires_at = @download_token_expires_at
      WHERE id = @id`),
    getInfraEnv: db.prepare<[string], InfraEnvRow>('SELECT * FROM infra_envs WHERE id = ?'),
    listInfraEnvs: db.prepare<[], InfraEnvRow>('SELECT * FROM infra_envs ORDER BY created_at, id'),
    deleteInfraEnv: db.prepare<[string]>('DELETE FROM infra_envs WHERE id = ?'),

    // Not INSERT OR REPLACE: replacing deletes the row first, and the cascade would take the
    // host's step results and logs with it.
    upsertHost: db.prepare<[Omit<HostRow, 'record' | 'version'>]>(`
      INSERT INTO hosts (infra_env_id, id, status, checked_in_at, host_timestamp, agent_version)
      VALUES (@infra_env_id, @id, @status, @checked_in_at, @host_timestamp, @agent_version)
      ON CONFLICT (infra_env_id, id) DO UPDATE SET
        status = excluded.status, checked_in_at = excluded.checked_in_at, host_timestamp = excluded.host_timestamp,
        agent_version = excluded.agent_version, version = hosts.version + 1`),
    updateHostIfVersion: db.prepare<[Omit<HostRow, 'record' | 'version'> & { version: number }]>(`
      UPDATE hosts SET status = @status, checked_in_at = @checked_in_at, host_timestamp = @host_timestamp,
        agent_version = @agent_version, version = version + 1
      WHERE infra_env_id = @infra_env_id AND id = @id AND version = @version`),
    hostVersion: db.prepare<[string, string], { version: number }>('SELECT version FROM hosts WHERE infra_env_id = ? AND id = ?'),
    upsertHostRecord: db.prepare<[Pick<HostRow, 'infra_env_id' | 'id' | 'record'>]>(`
      INSERT INTO host_records (infra_env_id, host_id, record) VALUES (@infra_env_id, @id, @record)
      ON CONFLICT (infra_env_id, host_id) DO UPDATE SET record = excluded.record`),
    getHost: db.prepare<[string, string], HostRow>(`${SELECT_HOSTS} WHERE h.infra_env_id = ? AND h.id = ?`),
    listHosts: db.prepare<[string], HostRow>(`${SELECT_HOSTS} WHERE h.infra_env_id = ? ORDER BY h.id`),
    listAllHosts: db.prepare<[], HostRow>(`${SELECT_HOSTS} ORDER BY h.infra_env_id, h.id`),
    deleteHost: db.prepare<[string, string]>('DELETE FROM hosts WHERE infra_env_id = ? AND id = ?'),
    countHosts: db.prepare<[], { count: number }>('SELECT count(*) AS count FROM hosts'),
    // A record written with a later check-in than the buffered one keeps its own.
    recordCheckIn: db.prepare<[{ infra_env_id: string; id: string; at: string; timestamp: number | null; agent_version: string | null }]>(`
      UPDATE hosts SET
        checked_in_at = @at,
        host_timestamp = coalesce(@timestamp, host_timestamp),
        agent_version = coalesce(@agent_version, agent_version)
      WHERE infra_env_id = @infra_env_id AND id = @id
        AND coalesce(julianday(checked_in_at) > julianday(@at), 0) = 0`),

    insertStepResult: db.prepare<[StepResultRow]>(`
      INSERT INTO step_results (infra_env_id, host_id, step_id, step_type, exit_code, output, error, received_at, output_in_host)
      VALUES (@infra_env_id, @host_id, @step_id, @step_type, @exit_code, @output, @error, @received_at, @output_in_host)`),
    pruneStepResults: db.prepare<[{ infra_env_id: string; host_id: string; step_type: string; keep: number }]>(`
      DELETE FROM step_results
      WHERE infra_env_id = @infra_env_id AND host_id = @host_id AND step_type = @step_type
        AND seq <= (SELECT seq FROM step_results
                    WHERE infra_env_id = @infra_env_id AND host_id = @host_id AND step_type = @step_type
                    ORDER BY seq DESC LIMIT 1 OFFSET @keep)`),
    listStepResults: db.prepare<[string, string], StepResultRow>(`
      SELECT s.infra_env_id, s.host_id, s.step_id, s.step_type, s.exit_code, s.error, s.received_at, s.output_in_host,
        CASE WHEN s.output_in_host THEN coalesce(json_extract(r.record, '$.inventory'), '') ELSE s.output END AS output
      FROM step_results s LEFT JOIN host_records r ON r.infra_env_id = s.infra_env_id AND r.host_id = s.host_id
      WHERE s.infra_env_id = ? AND s.host_id = ? ORDER BY s.seq`),

    insertEvent: db.prepare<[EventRow]>(`
      INSERT INTO events (infra_env_id, host_id, severity, name, message, event_time, request_id, props)
      VALUES (@infra_env_id, @host_id, @severity, @name, @message, @event_time, @request_id, @props)`),

    upsertLogs: db.prepare<[LogsRow]>(`
      INSERT INTO host_logs (infra_env_id, host_id, path, size_bytes, uploaded_at)
      VALUES (@infra_env_id, @host_id, @path, @size_bytes, @uploaded_at)
      ON CONFLICT (infra_env_id, host_id) DO UPDATE SET
        path = excluded.path, size_bytes = excluded.size_bytes, uploaded_at = excluded.uploaded_at`),
    getLogs: db.prepare<[string, string], LogsRow>('SELECT * FROM host_logs WHERE infra_env_id = ? AND host_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/**
 * Event queries combine optional filters; each combination's statement is prepared on first use
 * and kept (there are few: the severity list length is part of the key).
 */
export class EventQueries {
  private readonly prepared = new Map<string, Statement<unknown[], EventRow>>();

  constructor(private readonly db: Database) {}

  list(filter: EventFilter): EventRow[] {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.infraEnvId !== undefined) {
      conditions.push('infra_env_id = ?');
      params.push(filter.infraEnvId);
    }
    if (filter.hostId !== undefined) {
      conditions.push('host_id = ?');
      params.push(filter.hostId);
    }
    // An empty severity list filters nothing, as upstream's does.
    if (filter.severities && filter.severities.length > 0) {
      conditions.push(`severity IN (${filter.severities.map(() => '?').join(', ')})`);
      params.push(...filter.severities);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const order = filter.order === 'descending' ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM events ${where} ORDER BY seq ${order} LIMIT ? OFFSET ?`;
    // SQLite reads a negative LIMIT as "no limit".
    params.push(nonNegativeInteger(filter.limit) ?? -1, nonNegativeInteger(filter.offset) ?? 0);

    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(sql);
      this.prepared.set(sql, statement);
    }
    return statement.all(...params);
  }
}

function nonNegativeInteger(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : Math.max(0, Math.trunc(value));
}
