import { peerSummary } from './domain/peers.js';
import type { HostRecord } from './model.js';
import type { Store } from './store/store.js';

interface InfraEnvHosts {
  byId: Map<string, HostRecord>;
  /** Per host, how many times its entry changed: a re-read started before a change must not undo it. */
  changes: Map<string, number>;
  /** Lower-cased hostname → IDs of the hosts reporting it, so uniqueness checks need not walk every host. */
  byHostname: Map<string, Set<string>>;
}

/**
 * The hosts of each infra-env, in memory, written through to the store. Polls (thousands a second)
 * and the peers every validation and connectivity check needs are served from here; the store
 * stays the durable truth and fills an infra-env's entry on first use.
 */
export class HostCache {
  private readonly byInfraEnv = new Map<string, InfraEnvHosts>();

  constructor(private readonly store: Store) {}

  private async hostsOf(infraEnvId: string): Promise<InfraEnvHosts> {
    let hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) {
      const loaded = await this.store.listHosts(infraEnvId);
      // Another caller may have filled it while this one waited for the store.
      hosts = this.byInfraEnv.get(infraEnvId);
      if (!hosts) {
        hosts = { byId: new Map(), byHostname: new Map(), changes: new Map() };
        for (const host of loaded) put(hosts, host);
        this.byInfraEnv.set(infraEnvId, hosts);
      }
    }
    return hosts;
  }

  async get(infraEnvId: string, hostId: string): Promise<HostRecord | undefined> {
    return (await this.hostsOf(infraEnvId)).byId.get(hostId);
  }

  /** The current record of each of `hosts` (one infra-env's) still there, in one lookup of the infra-env. */
  async current(infraEnvId: string, hosts: Iterable<HostRecord>): Promise<HostRecord[]> {
    const byId = (await this.hostsOf(infraEnvId)).byId;
    const found: HostRecord[] = [];
    for (const host of hosts) {
      const now = byId.get(host.id);
      if (now) found.push(now);
    }
    return found;
  }

  async list(infraEnvId: string): Promise<HostRecord[]> {
    return [...(await this.hostsOf(infraEnvId)).byId.values()];
  }

  /** The hosts of an infra-env without copying them into an array. */
  async each(infraEnvId: string): Promise<Iterable<HostRecord>> {
    return (await this.hostsOf(infraEnvId)).byId.values();
  }

  /** Other hosts of the infra-env that report the same hostname (case-insensitively). */
  async sameHostname(host: HostRecord): Promise<HostRecord[]> {
    const key = peerSummary(host).hostnameKey;
    const hosts = await this.hostsOf(host.infraEnvId);
    const ids = key === undefined ? undefined : hosts.byHostname.get(key);
    return [...(ids ?? [])].filter((id) => id !== host.id).flatMap((id) => hosts.byId.get(id) ?? []);
  }

  /** Every cached host, for the disconnection monitor. */
  *all(): Iterable<HostRecord> {
    for (const hosts of this.byInfraEnv.values()) yield* hosts.byId.values();
  }

  /** Loads every infra-env's hosts, so the monitor sees hosts that have not polled since a restart. */
  async warm(infraEnvIds: string[]): Promise<void> {
    await Promise.all(infraEnvIds.map((id) => this.hostsOf(id)));
  }

  /** Records a change the store has already made durable. */
  async set(host: HostRecord): Promise<void> {
    put(await this.hostsOf(host.infraEnvId), host);
  }

  /**
   * Where each of these hosts' entries stands now, for `applyReread`: undefined when the
   * infra-env is not loaded (nothing to re-read).
   */
  positions(infraEnvId: string, hostIds: Iterable<string>): Map<string, number> | undefined {
    const hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) return undefined;
    return new Map([...hostIds].map((id) => [id, hosts.changes.get(id) ?? 0]));
  }

  /**
   * Puts what a re-read found (or forgets a host it did not find) for each host whose entry has
   * not changed since `positions`; answers the hosts that had changed (a write of this replica
   * finished meanwhile), which the caller reads again, since the store may hold newer still.
   */
  applyReread(infraEnvId: string, positions: Map<string, number>, found: HostRecord[]): string[] {
    const hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) return [];
    const byId = new Map(found.map((host) => [host.id, host]));
    const moved: string[] = [];
    for (const [id, position] of positions) {
      if ((hosts.changes.get(id) ?? 0) !== position) {
        moved.push(id);
        continue;
      }
      const stored = byId.get(id);
      if (stored) put(hosts, stored);
      else remove(hosts, id);
    }
    return moved;
  }

  /** Forgets everything: the next use of each infra-env reads it from the store again. */
  clear(): void {
    this.byInfraEnv.clear();
  }

  delete(infraEnvId: string, hostId: string): void {
    const hosts = this.byInfraEnv.get(infraEnvId);
    if (hosts) remove(hosts, hostId);
  }

  dropInfraEnv(infraEnvId: string): void {
    this.byInfraEnv.delete(infraEnvId);
  }
}

function put(hosts: InfraEnvHosts, host: HostRecord): void {
  hosts.changes.set(host.id, (hosts.changes.get(host.id) ?? 0) + 1);
  const previous = hosts.byId.get(host.id);
  if (previous !== host) unindex(hosts, previous);
  hosts.byId.set(host.id, host);
  const key = peerSummary(host).hostnameKey;
  if (key === undefined) return;
  let ids = hosts.byHostname.get(key);
  if (!ids) hosts.byHostname.set(key, (ids = new Set()));
  ids.add(host.id);
}

function remove(hosts: InfraEnvHosts, hostId: string): void {
  hosts.changes.set(hostId, (hosts.changes.get(hostId) ?? 0) + 1);
  unindex(hosts, hosts.byId.get(hostId));
  hosts.byId.delete(hostId);
}

function unindex(hosts: InfraEnvHosts, host: HostRecord | undefined): void {
  const key = host ? peerSummary(host).hostnameKey : undefined;
  if (!host || key === undefined) return;
  const ids = hosts.byHostname.get(key);
  ids?.delete(host.id);
  if (ids?.size === 0) hosts.byHostname.delete(key);
}
