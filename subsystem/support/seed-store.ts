/**
 * A data directory holding an infra-env of N discovered hosts, written before `inband serve`
 * opens it: the service's own DiscoveryService registers each host and applies its inventory
 * reply (validations, status and events exactly as over HTTP), in-process, without 2N requests.
 */
import { seededHostId, seededInventory } from '../../bench/support/seed-hosts.mjs';
import { DiscoveryService } from '../../src/server/discovery-service.js';
import { openStore } from '../../src/server/store/open-store.js';

export async function seedDataDir(dataDir: string, name: string, count: number): Promise<{ infraEnvId: string }> {
  const store = await openStore({ dataDir });
  const service = new DiscoveryService(store);
  await service.start();
  const infraEnv = await service.createInfraEnv({ name, pullSecretSet: false, cpuArchitecture: 'x86_64', domainsToResolve: [] });
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, k) => {
        const i = start + k;
        const hostId = seededHostId(i);
        await service.register(infraEnv.id, hostId, 'quay.io/edge-infrastructure/assisted-installer-agent:seed');
        await service.postStepReply(infraEnv.id, hostId, { step_id: `inventory-${i}`, step_type: 'inventory', exit_code: 0, output: JSON.stringify(seededInventory(i)) });
      }),
    );
  }
  await store.close();
  return { infraEnvId: infraEnv.id };
}
