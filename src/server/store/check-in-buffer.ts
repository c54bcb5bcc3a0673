import type { HostRecord } from '../model.js';

/**
 * Check-ins (one per instruction poll) waiting to be written. Thousands of polls per second each
 * fsyncing would dominate the disk, and losing the last second of heartbeats in a crash only makes
 * a host look a little older, so they are held here and written in batches (see `Store`).
 * Reads overlay them so that the service never sees a heartbeat older than the last poll.
 */
export interface CheckIn {
  at: string;
  timestamp?: number;
  agentVersion?: string;
}

export interface PendingCheckIn {
  infraEnvId: string;
  hostId: string;
  checkIn: CheckIn;
}

export class CheckInBuffer {
  /** infra-env id → host id → the newest check-in not yet written. */
  private readonly byInfraEnv = new Map<string, Map<string, CheckIn>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  record(infraEnvId: string, hostId: string, checkIn: CheckIn): void {
    let hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) {
      hosts = new Map();
      this.byInfraEnv.set(infraEnvId, hosts);
    }
    const previous = hosts.get(hostId);
    if (!previous) this.count += 1;
    // A poll without ?timestamp= or agent version keeps the values an earlier poll gave.
    hosts.set(hostId, {
      at: checkIn.at,
      ...definedOr('timestamp', checkIn.timestamp, previous?.timestamp),
      ...definedOr('agentVersion', checkIn.agentVersion, previous?.agentVersion),
    });
  }

  /** The host as the newest check-in left it; a record written with a later check-in time wins. */
  overlay(host: HostRecord): HostRecord {
    const checkIn = this.byInfraEnv.get(host.infraEnvId)?.get(host.id);
    if (!checkIn || isOlder(checkIn.at, host.checkedInAt)) return host;
    return {
      ...host,
      checkedInAt: checkIn.at,
      ...(checkIn.timestamp !== undefined && { timestamp: checkIn.timestamp }),
      ...(checkIn.agentVersion !== undefined && { discoveryAgentVersion: checkIn.agentVersion }),
    };
  }

  /** Every pending check-in; they stay pending (and visible to `overlay`) until `settle`. */
  snapshot(): PendingCheckIn[] {
    const all: PendingCheckIn[] = [];
    for (const [infraEnvId, hosts] of this.byInfraEnv) {
      for (const [hostId, checkIn] of hosts) all.push({ infraEnvId, hostId, checkIn });
    }
    return all;
  }

  /** Drops what a snapshot wrote, except entries a newer poll replaced meanwhile. */
  settle(written: PendingCheckIn[]): void {
    for (const { infraEnvId, hostId, checkIn } of written) {
      const hosts = this.byInfraEnv.get(infraEnvId);
      if (hosts?.get(hostId) !== checkIn) continue;
      hosts.delete(hostId);
      this.count -= 1;
      if (hosts.size === 0) this.byInfraEnv.delete(infraEnvId);
    }
  }

  forgetHost(infraEnvId: string, hostId: string): void {
    const hosts = this.byInfraEnv.get(infraEnvId);
    if (hosts?.delete(hostId)) this.count -= 1;
    if (hosts?.size === 0) this.byInfraEnv.delete(infraEnvId);
  }

  forgetInfraEnv(infraEnvId: string): void {
    const hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) return;
    this.count -= hosts.size;
    this.byInfraEnv.delete(infraEnvId);
  }
}

function definedOr<K extends string, V>(key: K, value: V | undefined, fallback: V | undefined): Partial<Record<K, V>> {
  const chosen = value ?? fallback;
  return chosen === undefined ? {} : ({ [key]: chosen } as Record<K, V>);
}

/** Unparsable times never hide a check-in: the poll is the fresher fact. */
function isOlder(checkInAt: string, recordAt: string): boolean {
  const checkIn = Date.parse(checkInAt);
  const record = Date.parse(recordAt);
  return Number.isFinite(checkIn) && Number.isFinite(record) && checkIn < record;
}
