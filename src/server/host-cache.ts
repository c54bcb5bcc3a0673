import type { HostRecord } from './model.js';
import type { Store } from './store/store.js';

/**
 * The hosts of each infra-env, in memory, written through to the store. Polls (thousands a second)
 * and the peers every validation and connectivity check needs are served from here; the store
 * stays the durable truth and fills an infra-env's entry on first use.
 */
export class HostCache {
  private readonly byInfraEnv = new Map<string, Map<string, HostRecord>>();

  constructor(private readonly store: Store) {}

  private async hostsOf(infraEnvId: string): Promise<Map<string, HostRecord>> {
    let hosts = this.byInfraEnv.get(infraEnvId);
    if (!hosts) {
      const loaded = await this.store.listHosts(infraEnvId);
      // Another caller may have filled it while this one waited for the store.
      hosts = this.byInfraEnv.get(infraEnvId) ?? new Map(loaded.map((h) => [h.id, h]));
      this.byInfraEnv.set(infraEnvId, hosts);
    }
    return hosts;
  }

  async get(infraEnvId: string, hostId: string): Promise<HostRecord | undefined> {
    return (await this.hostsOf(infraEnvId)).get(hostId);
  }

  async list(infraEnvId: string): Promise<HostRecord[]> {
    return [...(await this.hostsOf(infraEnvId)).values()];
  }

  /** Every cached host, for the disconnection monitor. */
  *all(): Iterable<HostRecord> {
    for (const hosts of this.byInfraEnv.values()) yield* hosts.values();
  }

  /** Loads every infra-env's hosts, so the monitor sees hosts that have not polled since a restart. */
  async warm(infraEnvIds: string[]): Promise<void> {
    await Promise.all(infraEnvIds.map((id) => this.hostsOf(id)));
  }

  /** Records a change the store has already made durable. */
  async set(host: HostRecord): Promise<void> {
    (await this.hostsOf(host.infraEnvId)).set(host.id, host);
  }

  delete(infraEnvId: string, hostId: string): void {
    this.byInfraEnv.get(infraEnvId)?.delete(hostId);
  }

  dropInfraEnv(infraEnvId: string): void {
    this.byInfraEnv.delete(infraEnvId);
  }
}
