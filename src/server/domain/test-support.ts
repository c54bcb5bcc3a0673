/**
 * Shared by the domain tests (not imported by the service): records in the shape the routes
 * build, and the inventories of the synthetic host fixtures (test/fixtures/hosts/<name>/
 * expected-inventory.json, derived from their tables; our agent produces the same on their trees).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HostRecord, InfraEnvRecord } from '../model.js';

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test/fixtures/hosts');

export const FIXTURE_NAMES = readdirSync(FIXTURES).filter((name) => {
  try {
    readFileSync(path.join(FIXTURES, name, 'expected-inventory.json'));
    return true;
  } catch {
    return false;
  }
});

/** The expected inventory of a synthetic host, as the JSON text an agent posts. */
export function fixtureInventoryText(name: string): string {
  return readFileSync(path.join(FIXTURES, name, 'expected-inventory.json'), 'utf8');
}

/** A fixture inventory as an object, to adjust before serialising it into a host. */
export function fixtureInventory(name: string): Record<string, any> {
  return JSON.parse(fixtureInventoryText(name)) as Record<string, any>;
}

export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const INFRA_ENV_ID = '6a2d4c1e-1111-4e5f-9a0b-0c1d2e3f4a5b';

export function secondsBefore(seconds: number, from: Date = NOW): string {
  return new Date(from.getTime() - seconds * 1000).toISOString();
}

export function makeInfraEnv(overrides: Partial<InfraEnvRecord> = {}): InfraEnvRecord {
  return {
    id: INFRA_ENV_ID,
    name: 'lab',
    agentToken: 'token',
    downloadToken: 'download-token',
    createdAt: secondsBefore(3600),
    updatedAt: secondsBefore(3600),
    pullSecretSet: false,
    cpuArchitecture: 'x86_64',
    domainsToResolve: [],
    ...overrides,
  };
}

let counter = 0;

/** A fresh UUID-shaped id, distinct per call and stable across runs. */
export function hostId(): string {
  counter += 1;
  return `0b5e5c1a-2222-4c3d-8e9f-${counter.toString(16).padStart(12, '0')}`;
}

/** A host that polled 10 s ago with a clock in sync; pass `inventory` as an object or JSON text. */
export function makeHost(overrides: Partial<Omit<HostRecord, 'inventory'>> & { inventory?: string | object } = {}): HostRecord {
  const { inventory, ...rest } = overrides;
  const host: HostRecord = {
    id: hostId(),
    infraEnvId: INFRA_ENV_ID,
    status: 'discovering',
    statusInfo: 'Waiting for host to send hardware details',
    statusUpdatedAt: secondsBefore(600),
    createdAt: secondsBefore(600),
    updatedAt: secondsBefore(600),
    registeredAt: secondsBefore(600),
    checkedInAt: secondsBefore(10),
    timestamp: Math.floor(NOW.getTime() / 1000) - 10,
    stepErrors: {},
    logsInfo: '',
    logsRequested: false,
    ...rest,
  };
  if (inventory !== undefined) host.inventory = typeof inventory === 'string' ? inventory : JSON.stringify(inventory);
  return host;
}

/** A connectivity report in which `from` reaches (or not) each of `targets` at L2 and L3. */
export function connectivityReportFor(targets: Array<{ id: string; ip: string; mac?: string; ok: boolean }>): string {
  return JSON.stringify({
    remote_hosts: targets.map((t) => ({
      host_id: t.id,
      l2_connectivity: [{ outgoing_nic: 'eth0', outgoing_ip_address: '10.0.0.15', remote_ip_address: t.ip, remote_mac: t.mac ?? '', successful: t.ok }],
      l3_connectivity: [{ outgoing_nic: 'eth0', remote_ip_address: t.ip, successful: t.ok, average_rtt_ms: 0.4, packet_loss_percentage: t.ok ? 0 : 100 }],
    })),
  });
}
