import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { DiscoveryService } from './discovery-service.js';
import { CONNECTIVITY_CHECKS_PER_INTERVAL } from './domain/connectivity-throttle.js';
import { fixtureInventory, INFRA_ENV_ID, makeHost, makeInfraEnv } from './domain/test-support.js';
import type { HostRecord } from './model.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

const open: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function knownHost(n: number): HostRecord {
  const inventory = fixtureInventory('vm-virtio');
  inventory.hostname = `host-${n}`;
  inventory.interfaces[1].ipv4_addresses = [`10.0.0.${n}/24`];
  return makeHost({ status: 'known', statusInfo: 'Host is ready to be installed', inventory });
}

describe('connectivity checks per infra-env, as upstream throttles them', () => {
  it('the polls of one infra-env carry at most 150 checks per poll interval; the other steps still come every time', async () => {
    const store = await SqliteStore.open(tempDir('throttle'));
    open.push(store);
    await store.createInfraEnv(makeInfraEnv());
    const hosts = Array.from({ length: 4 }, (_, i) => knownHost(i + 10));
    for (const host of hosts) await store.putHost(host);
    // A clock that does not move: no budget comes back during the test.
    const service = new DiscoveryService(store, { pollIntervalSeconds: 3600 });
    await service.start();
    let checks = 0;
    const polls = CONNECTIVITY_CHECKS_PER_INTERVAL + 50;
    for (let i = 0; i < polls; i++) {
      const steps = await service.nextSteps(INFRA_ENV_ID, hosts[i % hosts.length]!.id, {});
      const types = steps.instructions.map((s) => s.step_type);
      if (types.includes('connectivity-check')) checks++;
      expect(types).toContain('free-network-addresses');
    }
    expect(checks).toBe(CONNECTIVITY_CHECKS_PER_INTERVAL);
  });
});
