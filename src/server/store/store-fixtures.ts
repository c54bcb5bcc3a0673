import type { EventRecord, HostRecord, InfraEnvRecord, StepResultRecord } from '../model.js';

/** Records for store tests and the store benchmark; any Store implementation's tests can share them. */

export function anInfraEnv(id: string, overrides: Partial<InfraEnvRecord> = {}): InfraEnvRecord {
  return {
    id,
    name: `env-${id}`,
    agentToken: `token-${id}`,
    downloadToken: `download-${id}`,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    pullSecretSet: false,
    cpuArchitecture: 'x86_64',
    domainsToResolve: ['api.example.com'],
    ntpSources: 'pool.ntp.org',
    dhcpAllocation: { interface: 'eth0', apiVipMac: '00:1a:4a:00:00:01', ingressVipMac: '00:1a:4a:00:00:02' },
    ...overrides,
  };
}

export function aHost(infraEnvId: string, id: string, overrides: Partial<HostRecord> = {}): HostRecord {
  return {
    id,
    infraEnvId,
    status: 'discovering',
    statusInfo: 'Waiting for the inventory',
    statusUpdatedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    registeredAt: '2025-01-01T00:00:00.000Z',
    checkedInAt: '2025-01-01T00:00:00.000Z',
    stepErrors: {},
    logsInfo: '',
    logsRequested: false,
    ...overrides,
  };
}

export function aStepResult(host: HostRecord, stepId: string, overrides: Partial<StepResultRecord> = {}): StepResultRecord {
  return {
    infraEnvId: host.infraEnvId,
    hostId: host.id,
    stepId,
    stepType: 'inventory',
    exitCode: 0,
    output: '{}',
    error: '',
    receivedAt: '2025-01-01T00:00:01.000Z',
    ...overrides,
  };
}

export function anEvent(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    name: 'host_registration_succeeded',
    severity: 'info',
    message: 'Host registered',
    eventTime: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An inventory-sized JSON string (upstream inventories are 5-20 KB). */
export function anInventory(bytes = 10_000): string {
  const disks = [];
  for (let i = 0; JSON.stringify(disks).length < bytes; i++) {
    disks.push({ id: `/dev/disk/by-path/pci-0000:00:${i}`, name: `sd${i}`, size_bytes: 480_103_981_056, drive_type: 'SSD', serial: `S${i}X0NX0K${i}` });
  }
  return JSON.stringify({ cpu: { count: 8, architecture: 'x86_64' }, memory: { physical_bytes: 34_359_738_368 }, disks });
}
