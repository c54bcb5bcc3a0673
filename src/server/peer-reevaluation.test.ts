import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { DiscoveryService } from './discovery-service.js';
import { connectivityReportFor, fixtureInventory, INFRA_ENV_ID, makeHost, makeInfraEnv, NOW } from './domain/test-support.js';
import type { HostRecord } from './model.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

const open: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function knownPeer(address: string): HostRecord {
  const inventory = fixtureInventory('vm-virtio');
  inventory.hostname = `peer-${address.replace(/\./g, '-')}`;
  inventory.interfaces[1].ipv4_addresses = [`${address}/24`];
  return makeHost({ status: 'known', statusInfo: 'Host is ready to be installed', inventory });
}

function majority(host: HostRecord | undefined) {
  return host?.validationsInfo?.network?.find((v) => v.id === 'belongs-to-majority-group');
}

async function serviceWith(hosts: HostRecord[]): Promise<DiscoveryService> {
  const store = await SqliteStore.open(tempDir('peers'));
  open.push(store);
  await store.createInfraEnv(makeInfraEnv());
  for (const host of hosts) await store.putHost(host);
  const service = new DiscoveryService(store, { now: () => NOW });
  await service.start();
  return service;
}

describe('belongs-to-majority-group, judged again when the targets change', () => {
  it('a host that failed on an unreachable peer passes once that peer is gone, without a new report of its own', async () => {
    const a = knownPeer('10.0.0.21');
    const b = knownPeer('10.0.0.22');
    const c = knownPeer('10.0.0.23');
    const service = await serviceWith([a, b, c]);
    const report = connectivityReportFor([{ id: a.id, ip: '10.0.0.21', ok: true }, { id: b.id, ip: '10.0.0.22', ok: false }]);
    await service.postStepReply(INFRA_ENV_ID, c.id, { step_id: 'connectivity-check-1', step_type: 'connectivity-check', exit_code: 0, output: report });
    expect(majority(await service.requireHost(INFRA_ENV_ID, c.id))?.status).toBe('failure');

    // The first pass learns the targets; nothing changed since, so nothing is judged again.
    await service.reevaluatePeers();
    const before = await service.requireHost(INFRA_ENV_ID, c.id);
    expect(await service.reevaluatePeers()).toBe(0);
    expect(await service.requireHost(INFRA_ENV_ID, c.id)).toBe(before);

    await service.deleteHost(INFRA_ENV_ID, b.id);
    expect(await service.reevaluatePeers()).toBeGreaterThan(0);
    const after = await service.requireHost(INFRA_ENV_ID, c.id);
    expect(majority(after)).toMatchObject({ status: 'success' });
    // The stored record says so too, not only this process's cache.
    expect(majority(await service.store.getHost(INFRA_ENV_ID, c.id))?.status).toBe('success');
  });

  it('bounds one pass and writes only hosts whose judgement moved', async () => {
    const peers = Array.from({ length: 6 }, (_, i) => knownPeer(`10.0.1.${10 + i}`));
    const service = await serviceWith(peers);
    for (const peer of peers) {
      const others = peers.filter((p) => p !== peer).map((p, i) => ({ id: p.id, ip: `10.0.1.${10 + i}`, ok: true }));
      await service.postStepReply(INFRA_ENV_ID, peer.id, { step_id: 'connectivity-check-1', step_type: 'connectivity-check', exit_code: 0, output: connectivityReportFor(others) });
    }
    await service.reevaluatePeers();
    const records = await Promise.all(peers.map((p) => service.requireHost(INFRA_ENV_ID, p.id)));
    await service.deleteHost(INFRA_ENV_ID, (peers[0] as HostRecord).id);
    expect(await service.reevaluatePeers(2)).toBe(2);
    // Everyone still reaches everyone left: judged again, the same judgement, nothing written.
    for (const [i, peer] of peers.slice(1).entries()) expect(await service.requireHost(INFRA_ENV_ID, peer.id)).toBe(records[i + 1]);
  });
});
