import type { Change } from '../live/change-feed.js';
import type { EventRecord, EventSeverity, HostStatus } from '../model.js';

/**
 * Changes as they travel between replicas (NOTIFY payloads), and back. A payload is read as
 * hostile: any other process with database access can NOTIFY on the channel, so only the known
 * shapes with bounded strings become changes.
 */

/** PostgreSQL's NOTIFY payload limit is 8000 bytes; events longer than this are sent cut. */
export const MAX_PAYLOAD_BYTES = 7_900;
const MAX_ID = 64;
const MAX_TEXT = 4_096;
const HOST_STATUSES: readonly HostStatus[] = ['discovering', 'known', 'insufficient', 'disconnected'];
const SEVERITIES: readonly EventSeverity[] = ['info', 'warning', 'error', 'critical'];

/** How every payload from `origin` begins (encodeChange writes the origin first). */
export function encodeOrigin(origin: string): string {
  return `{"origin":${JSON.stringify(origin)},`;
}

export function encodeChange(change: Change, origin: string): string {
  const payload = JSON.stringify({ origin, change });
  if (Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES || change.kind !== 'event') return payload;
  const event: EventRecord = { ...change.event, message: `${change.event.message.slice(0, 2_000)}…`, props: undefined };
  return JSON.stringify({ origin, change: { kind: 'event', event } });
}

export function decodeChange(payload: string): { origin: string; change: Change } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const outer = record(value);
  const origin = text(outer?.origin, MAX_ID);
  const change = outer && parse(record(outer.change));
  return origin && change ? { origin, change } : undefined;
}

function parse(v: Record<string, unknown> | undefined): Change | undefined {
  if (!v) return undefined;
  const infraEnvId = text(v.infraEnvId, MAX_ID);
  const hostId = text(v.hostId, MAX_ID);
  switch (v.kind) {
    case 'host': {
      const status = HOST_STATUSES.find((s) => s === v.status);
      const statusInfo = text(v.statusInfo, MAX_TEXT);
      const updatedAt = text(v.updatedAt, MAX_ID);
      return infraEnvId && hostId && status && statusInfo !== undefined && updatedAt ? { kind: 'host', infraEnvId, hostId, status, statusInfo, updatedAt } : undefined;
    }
    case 'host-removed':
      return infraEnvId && hostId ? { kind: 'host-removed', infraEnvId, hostId } : undefined;
    case 'infra-env':
    case 'infra-env-removed':
      return infraEnvId ? { kind: v.kind, infraEnvId } : undefined;
    case 'event': {
      const event = parseEvent(record(v.event));
      return event ? { kind: 'event', event } : undefined;
    }
    case 'resync':
      return { kind: 'resync' };
    default:
      return undefined;
  }
}

function parseEvent(e: Record<string, unknown> | undefined): EventRecord | undefined {
  if (!e) return undefined;
  const name = text(e.name, MAX_ID);
  const severity = SEVERITIES.find((s) => s === e.severity);
  const message = text(e.message, MAX_TEXT);
  const eventTime = text(e.eventTime, MAX_ID);
  if (!name || !severity || message === undefined || !eventTime) return undefined;
  const event: EventRecord = { name, severity, message, eventTime };
  if (typeof e.seq === 'number' && Number.isSafeInteger(e.seq)) event.seq = e.seq;
  for (const key of ['infraEnvId', 'hostId', 'requestId'] as const) {
    const value = text(e[key], MAX_ID);
    if (value) event[key] = value;
  }
  const props = text(e.props, MAX_TEXT);
  if (props) event.props = props;
  return event;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length <= max ? value : undefined;
}
