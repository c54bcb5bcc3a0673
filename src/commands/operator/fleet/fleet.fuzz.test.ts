/**
 * Inventory extensions from a hostile agent, end to end without HTTP: the service's decoding and
 * caps (applyStepReply) take a mutated extended inventory and either store it within the caps or
 * refuse it as a format error; whatever it stores, and any raw text at all, the fleet commands
 * read without throwing and print terminal-safe. Seeded (test/support/fuzz/random.ts).
 */
import { describe, expect, it } from 'vitest';
import { extendedInventory } from '../../../../test/support/extended-inventory.js';
import { fuzzSettings, nastyNumber, nastyString, randomJson, SeededRandom } from '../../../../test/support/fuzz/random.js';
import { INVENTORY_CAPS } from '../../../server/limits.js';
import { applyStepReply, ReplyFormatError } from '../../../server/domain/replies.js';
import { makeHost, NOW } from '../../../server/domain/test-support.js';
import { firmwareReport, firmwareRows } from './firmware-report.js';
import { findHosts } from './host-find.js';
import { hostSections } from './host-sections.js';
import { fleetHost } from './inventory-view.js';

const settings = fuzzSettings();
const random = new SeededRandom(settings.seed).fork('fleet-inventory-extensions');
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The places in an extended inventory a hostile agent would aim at. */
const TARGETS: ((inv: Record<string, any>, value: unknown) => void)[] = [
  (inv, v) => (inv.interfaces[0].lldp = v),
  (inv, v) => (inv.interfaces[0].lldp[0].system_name = v),
  (inv, v) => (inv.interfaces[0].lldp[0].vlans = v),
  (inv, v) => (inv.interfaces[0].lldp[0].management_addresses = v),
  (inv, v) => (inv.interfaces[0].firmware_version = v),
  (inv, v) => (inv.interfaces[0].numa_node = v),
  (inv, v) => (inv.disks[0].firmware_version = v),
  (inv, v) => (inv.gpus = v),
  (inv, v) => (inv.memory.modules = v),
  (inv, v) => (inv.memory.modules[0].serial_number = v),
  (inv, v) => (inv.numa = v),
  (inv, v) => (inv.numa.nodes[0].cpus = v),
  (inv, v) => (inv.pci_devices = v),
  (inv, v) => (inv.pci_devices[0].iommu_group = v),
  (inv, v) => (inv.firmware = v),
  (inv, v) => (inv.firmware.bios.version = v),
  (inv, v) => (inv.firmware.cpu_microcode = v),
];

function hostileValue(): unknown {
  const roll = random.next();
  if (roll < 0.3) return nastyString(random);
  if (roll < 0.45) return nastyNumber(random);
  // Long lists: past the caps, to be cut rather than refused.
  if (roll < 0.6) return Array.from({ length: random.int(0, 3 * INVENTORY_CAPS.lldpNeighborsPerInterface) }, () => randomJson(random, 2));
  if (roll < 0.64) return Array.from({ length: random.int(INVENTORY_CAPS.memoryModules, INVENTORY_CAPS.pciDevices + 50) }, () => ({ address: nastyString(random).slice(0, 50), locator: 'x' }));
  return randomJson(random, 3);
}

function checkReaders(inventoryText: string): void {
  const host = fleetHost({ id: 'h', infra_env_id: 'ie', status: 'known', inventory: inventoryText });
  const sections = host.inventory ? hostSections(host.inventory).join('\n') : '';
  expect(sections).not.toMatch(UNSAFE);
  for (const query of [{ switch: 'leaf' }, { switch: 'leaf', port: 'Ethernet1/1' }, { mac: '3c:fd:fe:00:00:01' }, { ip: '192.0.2.11' }, { serial: 'SN-1' }]) findHosts([host], query);
  const rows = firmwareRows(firmwareReport([host, host]));
  for (const row of rows) expect(row.length).toBe(6);
}

describe('fuzzing inventory extensions through the service and the fleet commands', () => {
  it('stored within the caps or refused as a format error; read and printed safely either way', () => {
    const rounds = Math.round(200 * settings.scale);
    let stored = 0;
    let refused = 0;
    for (let i = 0; i < rounds; i++) {
      const inv = extendedInventory({
        hostname: 'h',
        serial: 'SN-1',
        bios: '1.0',
        bmc: '2.0',
        microcode: '0x1',
        nics: [{ name: 'eth0', mac: '3c:fd:fe:00:00:01', ipv4: ['192.0.2.11/24'], driver: 'i40e', firmware: '9.2', switchName: 'leaf', switchPort: 'Ethernet1/1', pciAddress: '0000:3b:00.0', numaNode: 0 }],
        disks: [{ name: 'nvme0n1', serial: 'D1', model: 'M', firmware: 'F1' }],
        gpus: [{ address: '0000:af:00.0', name: 'G', vbios: 'V' }],
      }) as unknown as Record<string, any>;
      for (let n = random.int(1, 3); n > 0; n--) {
        try {
          random.pick(TARGETS)(inv, hostileValue());
        } catch {
          // A target under a part an earlier mutation replaced: that mutation stands alone.
        }
      }
      const output = JSON.stringify(inv);
      let kept: string | undefined;
      try {
        kept = applyStepReply(makeHost(), { step_type: 'inventory', step_id: `inventory-${i}`, exit_code: 0, output }, NOW).inventory;
        stored += 1;
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(ReplyFormatError);
        refused += 1;
      }
      if (kept !== undefined) {
        const back = JSON.parse(kept) as Record<string, any>;
        expect(back.pci_devices?.length ?? 0).toBeLessThanOrEqual(INVENTORY_CAPS.pciDevices);
        expect(back.memory?.modules?.length ?? 0).toBeLessThanOrEqual(INVENTORY_CAPS.memoryModules);
        for (const nic of back.interfaces ?? []) {
          expect(nic.lldp?.length ?? 0).toBeLessThanOrEqual(INVENTORY_CAPS.lldpNeighborsPerInterface);
          for (const n of nic.lldp ?? []) expect(n.vlans?.length ?? 0).toBeLessThanOrEqual(INVENTORY_CAPS.vlansPerNeighbor);
        }
        checkReaders(kept);
      }
      // The CLI may face any text: what a service of another build, or none, hands it.
      checkReaders(output);
    }
    // Both outcomes happened: the fuzzer reaches the decoder's refusals and its caps alike.
    expect(stored).toBeGreaterThan(rounds / 20);
    expect(refused).toBeGreaterThan(rounds / 20);
  }, 120_000);
});
