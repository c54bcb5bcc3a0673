/**
 * The hardware sections (NUMA, PCI devices, memory modules, firmware, the NUMA node and firmware of
 * NICs, disks and GPUs, the component list) of the synthetic hosts made for them, against
 * expectations written by hand from their tables (test/fixtures/hosts-src/<name>.hardware.json),
 * field by field; and the wire contract: upstream's swagger still accepts the inventory with every
 * new field in it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it, vi } from 'vitest';
import type { CommandRunner } from '../../src/host/command-runner.js';
import { HostFs } from '../../src/host/host-fs.js';
import { recordedPrograms, replayingRunner } from '../../src/host/recorded-commands.js';
import { inventoryCommand } from '../../src/commands/inventory.js';
import { collectInventory, encodeInventory } from '../../src/inventory/collect.js';
import { EXTENSION_FIELDS } from '../../src/inventory/extensions.js';
import { inventoryComponents } from '../../src/inventory/hardware/components.js';
import { memoryLogger } from '../../src/log/logger.js';
import { applyStepReply } from '../../src/server/domain/replies.js';
import { makeHost, NOW } from '../../src/server/domain/test-support.js';
import { withoutNulls } from '../support/go-null.js';
import { SWAGGER_PATH, readSwagger, swaggerErrors } from '../support/swagger.js';
import { expectSameFields, syntheticRoot, type SyntheticHost, type WireInventory } from './support.js';

const HARDWARE_HOSTS = ['numa2-sriov', 'numa4-gpu'] as const satisfies readonly SyntheticHost[];
const SOURCES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/hosts-src');

function expectation(name: string): WireInventory {
  return JSON.parse(readFileSync(path.join(SOURCES, `${name}.hardware.json`), 'utf8'));
}

/** Collects a host, keeping the argv of every command asked for. */
async function collect(name: SyntheticHost) {
  const root = syntheticRoot(name);
  const replay = replayingRunner(root);
  const asked: string[] = [];
  const runner: CommandRunner = (file, args, options) => {
    asked.push([file, ...args].join(' '));
    return replay(file, args, options);
  };
  const programs = recordedPrograms(root);
  const inventory = await collectInventory({ hostFs: new HostFs(root), runner, log: memoryLogger(), live: false, isInstalled: (file) => programs.has(file) });
  return { inventory, wire: JSON.parse(encodeInventory(inventory)) as WireInventory, asked };
}

/** Only the given keys of each entry (name or address kept), as the expectation lists them. */
function pick(list: WireInventory[], id: string, keys: string[]): WireInventory[] {
  return list.map((item) => Object.fromEntries([id, ...keys].filter((key) => key in item).map((key) => [key, item[key]])));
}

describe.each(HARDWARE_HOSTS)('hardware of synthetic host %s', (name) => {
  it('reports NUMA nodes, PCI devices and firmware as its tables say', async () => {
    const { wire } = await collect(name);
    const want = expectation(name);
    let checked = 0;
    for (const section of ['numa', 'pci_devices', 'firmware']) checked += expectSameFields(wire[section], want[section], section);
    expect(checked).toBeGreaterThan(100);
  });

  it('reports the populated DIMMs and counts every slot', async () => {
    const { wire } = await collect(name);
    const { modules, module_slots } = wire.memory;
    expectSameFields({ modules, module_slots }, expectation(name).memory, 'memory');
    expect(modules.length).toBeLessThan(module_slots);
  });

  it('gives NICs, disks and GPUs their driver, firmware, PCI address and NUMA node', async () => {
    const { wire } = await collect(name);
    const want = expectation(name);
    expectSameFields(pick(wire.interfaces, 'name', ['driver', 'driver_version', 'firmware_version', 'pci_address', 'numa_node']), want.interfaces, 'interfaces');
    expectSameFields(pick(wire.disks, 'name', ['firmware_version', 'numa_node']), want.disks, 'disks');
    expectSameFields(pick(wire.gpus, 'address', ['numa_node', 'vbios_version']), want.gpus, 'gpus');
  });

  it('lists its components as --components prints them', async () => {
    const { inventory } = await collect(name);
    expectSameFields(inventoryComponents(inventory), expectation(name).components, 'components');
  });

  it('runs dmidecode -t 17 once for memory size and modules, ethtool -i once per hardware NIC, mc info once', async () => {
    const { wire, asked } = await collect(name);
    const count = (argv: string) => asked.filter((a) => a === argv).length;
    expect(count('dmidecode -t 17')).toBe(1);
    expect(count('ipmitool mc info')).toBe(1);
    const hardwareNics = (wire.interfaces as WireInventory[]).filter((nic) => nic.pci_address !== undefined).map((nic) => `ethtool -i ${nic.name}`);
    expect(asked.filter((a) => a.startsWith('ethtool ')).sort()).toEqual(hardwareNics.sort());
    expect(hardwareNics.length).toBeGreaterThan(1);
  });

  it('is still an inventory upstream\'s swagger accepts, with every new section in it', async () => {
    const { wire } = await collect(name);
    for (const section of ['numa', 'pci_devices', 'firmware']) expect(wire).toHaveProperty(section);
    expect(wire.memory.modules.length).toBeGreaterThan(0);
    expect(wire.interfaces.some((nic: WireInventory) => nic.firmware_version && nic.numa_node !== undefined)).toBe(true);
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
    // The validator is live: the same document with one upstream field of the wrong type is refused.
    expect(swaggerErrors('inventory', withoutNulls({ ...wire, cpu: { ...wire.cpu, count: 'many' } }))).not.toEqual([]);
  });
});

describe('the bundled service and the collected hardware sections', () => {
  it.each(HARDWARE_HOSTS)('%s: an inventory step reply is stored with every hardware section as collected', async (name) => {
    const { inventory } = await collect(name);
    const output = encodeInventory(inventory);
    const host = applyStepReply(makeHost(), { step_type: 'inventory', step_id: 'inventory-1', exit_code: 0, output }, NOW);
    const kept = JSON.parse(host.inventory ?? '{}') as WireInventory;
    const sent = JSON.parse(output) as WireInventory;
    for (const section of ['numa', 'pci_devices', 'firmware']) expect(kept[section], section).toEqual(sent[section]);
    expect(kept.memory.modules).toEqual(sent.memory.modules);
    expect(kept.memory.module_slots).toBe(sent.memory.module_slots);
    expect(pick(kept.interfaces, 'name', ['driver', 'driver_version', 'firmware_version', 'pci_address', 'numa_node'])).toEqual(pick(sent.interfaces, 'name', ['driver', 'driver_version', 'firmware_version', 'pci_address', 'numa_node']));
    expect(pick(kept.disks, 'name', ['firmware_version', 'numa_node'])).toEqual(pick(sent.disks, 'name', ['firmware_version', 'numa_node']));
    expect(pick(kept.gpus, 'address', ['numa_node', 'vbios_version'])).toEqual(pick(sent.gpus, 'address', ['numa_node', 'vbios_version']));
  });
});

describe('the extension fields on the wire', () => {
  type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };
  const definitions = (yaml.load(readSwagger(SWAGGER_PATH)) as { definitions: Record<string, Schema> }).definitions;
  const resolve = (schema: Schema | undefined): Schema | undefined => (schema?.$ref ? definitions[schema.$ref.replace('#/definitions/', '')] : schema);

  /** The swagger object a path's parent names ("interfaces[].driver" → interface), walked from inventory. */
  function parentSchema(field: string): Schema | undefined {
    const steps = field.split('.').slice(0, -1);
    let schema = resolve(definitions.inventory);
    for (const step of steps) {
      const array = step.endsWith('[]');
      schema = resolve(schema?.properties?.[array ? step.slice(0, -2) : step]);
      if (array) schema = resolve(schema?.items);
    }
    return schema;
  }

  it('use names upstream\'s models do not have, on objects that accept more than they declare', () => {
    expect(EXTENSION_FIELDS.size).toBeGreaterThan(10);
    for (const field of EXTENSION_FIELDS) {
      const parent = parentSchema(field);
      expect(parent?.properties, `${field}: parent is a swagger object`).toBeDefined();
      const key = field.split('.').at(-1) as string;
      expect(Object.keys(parent?.properties ?? {}), `${field} collides with an upstream field`).not.toContain(key);
      expect(parent?.additionalProperties, `${field}: parent refuses unknown fields`).not.toBe(false);
    }
  });
});

describe('inband inventory --components', () => {
  async function run(flags: Record<string, unknown>): Promise<string> {
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await inventoryCommand({ 'with-journal-logging': false, 'with-text-logging': false, 'with-stdout-logging': false, 'dry-run': false, lldp: false, ...flags });
      expect(code).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    return stdout;
  }

  it('prints the component list as JSON, and as a table with --table', async () => {
    const root = syntheticRoot('numa2-sriov');
    const json = JSON.parse(await run({ 'host-root': root, components: true }));
    expectSameFields(json, expectation('numa2-sriov').components, 'components');
    const table = (await run({ 'host-root': root, components: true, table: true })).trimEnd().split('\n');
    expect(table[0]).toMatch(/^TYPE\s+SLOT\s+VENDOR\s+MODEL\s+SERIAL\s+FIRMWARE$/);
    expect(table).toHaveLength(1 + json.length);
    expect(table.find((line) => line.startsWith('nic ') && line.includes('ens1f0'))).toMatch(/Intel Corporation\s+Ethernet Controller E810-XXV for SFP\s+b4:96:91:c0:d1:e0\s+4\.40 0x8001c967 1\.3534\.0$/);
  });
});
