/**
 * The inventory of each synthetic host (test/fixtures/hosts/<name>, a tree that
 * test/fixtures/build-host-fixtures.mjs writes from the tables in test/fixtures/hosts-src/) against
 * the inventory test/fixtures/synthetic-expected.mjs derives from the same tables by upstream's
 * rules and the tools' documented formats, never by running the collector; field by field, upstream's
 * fields only (our extensions have fixtures of their own). Then hand-written checks that name the
 * behaviour each machine kind exists to show.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../src/host/command-runner.js';
import { HostFs } from '../../src/host/host-fs.js';
import { replayingRunner } from '../../src/host/recorded-commands.js';
import { collectInventory, encodeInventory } from '../../src/inventory/collect.js';
import { DEFAULT_GPU_CONFIG } from '../../src/inventory/gpu-config.js';
import { memoryLogger } from '../../src/log/logger.js';
import { swaggerErrors, upstreamFieldsOnly } from '../support/swagger.js';
import { syntheticModel } from '../fixtures/synthetic-hosts.mjs';
import { expectedInventory, expectedInventoryText } from '../fixtures/synthetic-expected.mjs';
import { DRY_RUN_OFF } from '../../src/config/dry-run.js';
import { SYNTHETIC_HOSTS, collectWire, expectSameFields, syntheticRoot, type SyntheticHost, type WireInventory } from './support.js';
import { withoutNulls } from '../support/go-null.js';

/** What the host's tables say its inventory is (see synthetic-expected.mjs). */
function expected(name: SyntheticHost): WireInventory {
  return expectedInventory(syntheticModel(name));
}

const byName = (list: WireInventory[], name: string): WireInventory => {
  const found = list.find((item) => item.name === name);
  if (!found) throw new Error(`${name} not in [${list.map((item) => item.name).join(', ')}]`);
  return found;
};

describe.each(SYNTHETIC_HOSTS)('synthetic host %s', (name) => {
  it('produces the inventory its tables imply, field by field', async () => {
    const { wire, live } = await collectWire(syntheticRoot(name));
    expect(live).toBe(false);
    const checked = expectSameFields(upstreamFieldsOnly('inventory', wire), expected(name));
    expect(checked).toBeGreaterThan(60);
  });

  it('is built from its current tables (tree and expected-inventory.json rebuilt)', () => {
    // build-host-fixtures.mjs writes both; a table edited without rebuilding fails here.
    expect(readFileSync(path.join(syntheticRoot(name), 'expected-inventory.json'), 'utf8')).toBe(expectedInventoryText(expected(name)));
  });

  it('validates against the swagger inventory definition', async () => {
    const { wire } = await collectWire(syntheticRoot(name));
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
  });

  it('asks only for commands its tables recorded (biosdevname, ethtool and mc info aside, where the host has none)', async () => {
    const replay = replayingRunner(syntheticRoot(name));
    const missing: string[] = [];
    const spy: CommandRunner = async (file, args, options) => {
      const result = await replay(file, args, options);
      if (/not recorded/.test(result.stderr)) missing.push([file, ...args].join(' '));
      return result;
    };
    await collectInventory({ hostFs: new HostFs(syntheticRoot(name)), runner: spy, log: memoryLogger(), live: false });
    // Hosts written before the firmware collectors have no ethtool -i or ipmitool mc info; they replay as "not installed".
    expect(missing.filter((argv) => !/^(biosdevname|ethtool) /.test(argv) && argv !== 'ipmitool mc info')).toEqual([]);
  });
});

describe('vm-virtio: OpenStack KVM instance', () => {
  it('reports the virtio disks by bus path, the mounted root disk as ineligible, the config drive as media', async () => {
    const { wire } = await collectWire(syntheticRoot('vm-virtio'));
    expect(wire.disks.map((d: WireInventory) => d.name)).toEqual(['sr0', 'vda', 'vdb']);
    const vda = byName(wire.disks, 'vda');
    expect(vda.drive_type).toBe('HDD');
    expect(vda.installation_eligibility.eligible).toBeUndefined();
    expect(vda.installation_eligibility.not_eligible_reasons).toContain("Disk has partition 'vda4' mounted on '/'");
    expect(byName(wire.disks, 'vdb').installation_eligibility).toEqual({ eligible: true, not_eligible_reasons: null });
    expect(byName(wire.disks, 'sr0')).toMatchObject({ drive_type: 'ODD', is_installation_media: true, removable: true });
    expect(wire.system_vendor.virtual).toBe(true);
    expect(wire.cpu).not.toHaveProperty('frequency');
    expect(wire.boot).toMatchObject({ current_boot_mode: 'bios', secure_boot_state: 'NotSupported' });
  });
});

describe('server-nvme-sata-raid: PowerEdge with NVMe, SATA SSDs and md RAID1', () => {
  it('types NVMe as SSD by its EUI, the md array as RAID, and keeps the members with their holder', async () => {
    const { wire } = await collectWire(syntheticRoot('server-nvme-sata-raid'));
    const nvme = byName(wire.disks, 'nvme0n1');
    expect(nvme.by_id).toBe('/dev/disk/by-id/nvme-eui.01000000000000005cd2e4a1b2c3d4e5');
    expect(nvme.id).toBe(nvme.by_id);
    expect(nvme.installation_eligibility.not_eligible_reasons).toHaveLength(3);
    const md = byName(wire.disks, 'md127');
    expect(md.drive_type).toBe('RAID');
    // Mounted as a whole (no partitions): upstream only looks at partitions, so it stays eligible.
    expect(md.installation_eligibility.eligible).toBe(true);
    for (const member of ['sda', 'sdb']) expect(byName(wire.disks, member)).toMatchObject({ holders: 'md127', drive_type: 'SSD', vendor: 'ATA' });
    expect(byName(wire.disks, 'sdc').drive_type).toBe('HDD');
    expect(wire.interfaces.map((i: WireInventory) => i.biosdevname ?? '')).toEqual(['', 'em1', 'em2', 'p1p1']);
    expect(byName(wire.interfaces, 'eno8403')).not.toHaveProperty('has_carrier');
    expect(wire.memory).toMatchObject({ physical_bytes: 8 * 32 * 1024 ** 3, physical_bytes_method: 'dmidecode', usable_bytes: 263518632 * 1024 });
  });
});

describe('san-multipath-iscsi: FC multipath LUN and iBFT iSCSI boot disk', () => {
  it('lists the multipath map and its FC paths, skips plain device-mapper and loop devices', async () => {
    const { wire } = await collectWire(syntheticRoot('san-multipath-iscsi'));
    expect(wire.disks.map((d: WireInventory) => d.name)).toEqual(['dm-0', 'dm-2', 'sda', 'sdb', 'sdc', 'sdd', 'sde']);
    const mpath = byName(wire.disks, 'dm-0');
    expect(mpath.drive_type).toBe('Multipath');
    expect(mpath.wwn).toBe('0x600a098038304437415d4b6a59684a52');
    expect(mpath.installation_eligibility.eligible).toBe(true);
    for (const fcPath of ['sda', 'sdb']) expect(byName(wire.disks, fcPath)).toMatchObject({ drive_type: 'FC', holders: 'dm-0' });
    expect(byName(wire.disks, 'dm-2')).toMatchObject({ drive_type: 'LVM', installation_eligibility: { not_eligible_reasons: ['Disk is an LVM logical volume'] } });
  });

  it('accepts the iSCSI disk the firmware booted from and rejects the one the iBFT does not list', async () => {
    const { wire } = await collectWire(syntheticRoot('san-multipath-iscsi'));
    expect(byName(wire.disks, 'sdc')).toMatchObject({ drive_type: 'iSCSI', iscsi: { host_ip_address: '192.168.50.21' }, installation_eligibility: { eligible: true } });
    expect(byName(wire.disks, 'sdd').installation_eligibility).toEqual({ not_eligible_reasons: ['iSCSI disk is missing from iBFT'] });
    expect(wire.boot).toMatchObject({ pxe_interface: '01-94-40-c9-1a-2b-3c', device_type: 'ephemeral' });
  });
});

describe('bond-vlan-ipv6: LACP bond, VLAN, DHCPv6 and SLAAC', () => {
  it('reports bond slaves by permanent MAC and types bond, VLAN and bridge links', async () => {
    const { wire } = await collectWire(syntheticRoot('bond-vlan-ipv6'));
    expect(byName(wire.interfaces, 'ens1f0').mac_address).toBe('b8:59:9f:00:12:34');
    expect(byName(wire.interfaces, 'ens1f1').mac_address).toBe('b8:59:9f:00:12:35');
    expect(wire.interfaces.map((i: WireInventory) => `${i.name}:${i.type}`)).toEqual([
      'lo:device',
      'eno1:physical',
      'ens1f0:physical',
      'ens1f1:physical',
      'bond0:bond',
      'bond0.100:vlan',
      'virbr0:bridge',
    ]);
  });

  it('widens the DHCPv6 /128 to the advertised /64, drops link-local addresses', async () => {
    const { wire } = await collectWire(syntheticRoot('bond-vlan-ipv6'));
    expect(byName(wire.interfaces, 'bond0.100').ipv6_addresses).toEqual(['2001:db8:100::20/64', '2001:db8:100:0:ba59:9fff:fe00:1234/64']);
    expect(byName(wire.interfaces, 'bond0').ipv6_addresses).toEqual([]);
  });

  it('takes the first hop of a multipath route, skips the blackhole route, names localhost after the VLAN MAC', async () => {
    const { wire } = await collectWire(syntheticRoot('bond-vlan-ipv6'));
    expect(wire.routes.find((r: WireInventory) => r.destination === '10.20.0.0')).toEqual({ destination: '10.20.0.0', family: 2, gateway: '10.10.100.2', interface: 'bond0.100', metric: 50 });
    expect(wire.routes.some((r: WireInventory) => r.destination === '10.99.0.0')).toBe(false);
    expect(wire.routes.filter((r: WireInventory) => r.destination === '::')).toEqual([{ destination: '::', family: 10, gateway: 'fe80::1', interface: 'bond0.100', metric: 400 }]);
    expect(wire.hostname).toBe('b8-59-9f-00-12-34');
    expect(wire.cpu.frequency).toBe(3729.4919);
  });
});

describe('gpu-tpm-secureboot-bmc: GPU node with TPM 2.0, secure boot and a BMC', () => {
  it('reports display, 3D and accelerator devices, names from pci.ids, "unknown" for a device it lacks', async () => {
    const { wire } = await collectWire(syntheticRoot('gpu-tpm-secureboot-bmc'));
    expect(wire.gpus.map((g: WireInventory) => `${g.vendor_id}:${g.device_id}`)).toEqual(['102b:0536', '10de:20b5', '1da3:1020', '10de:20b5', '10de:2331']);
    expect(wire.gpus.at(-1)).toMatchObject({ name: 'unknown', vendor: 'NVIDIA Corporation' });
    expect(wire).toMatchObject({ tpm_version: '2.0', bmc_address: '10.1.1.50', bmc_v6address: '2001:db8:1::50' });
    expect(wire.boot.secure_boot_state).toBe('Enabled');
    expect(wire.disks.map((d: WireInventory) => d.name)).not.toContain('nvme1c1n1');
  });

  it('honours a GPU config that selects only A100s by class+vendor+device', async () => {
    const { wire } = await collectWire(syntheticRoot('gpu-tpm-secureboot-bmc'), { gpuConfig: { classes: [], vendors: [], models: ['030210de20b5'] } });
    expect(wire.gpus.map((g: WireInventory) => g.address)).toEqual(['0000:1a:00.0', '0000:cd:00.0']);
  });

  it('in dry-run reports the default BMC addresses and the forced identity, without asking ipmitool', async () => {
    const asked: string[] = [];
    const replay = replayingRunner(syntheticRoot('gpu-tpm-secureboot-bmc'));
    const runner: CommandRunner = (file, args, options) => {
      asked.push(file);
      return replay(file, args, options);
    };
    const dryRun = { ...DRY_RUN_OFF, enabled: true, forcedHostname: 'fake-host-1', forcedMac: '02:00:00:AA:BB:CC', forcedIpv4: '192.0.2.77' };
    const inventory = await collectInventory({ hostFs: new HostFs(syntheticRoot('gpu-tpm-secureboot-bmc')), runner, log: memoryLogger(), live: false, dryRun, gpuConfig: DEFAULT_GPU_CONFIG });
    const wire = JSON.parse(encodeInventory(inventory)) as WireInventory;
    expect(asked).not.toContain('ipmitool');
    expect(wire).toMatchObject({ bmc_address: '0.0.0.0', bmc_v6address: '::/0', hostname: 'fake-host-1' });
    expect(byName(wire.interfaces, 'eno8303')).toMatchObject({ mac_address: '02:00:00:aa:bb:cc', ipv4_addresses: ['192.0.2.77/24'] });
    expect(byName(wire.interfaces, 'lo').ipv4_addresses).toEqual(['127.0.0.1/8']);
  });
});

describe('discovery-iso-usb: booted from the discovery ISO on a USB stick', () => {
  it('flags the stick as installation media and the empty virtual CD as optical media', async () => {
    const { wire } = await collectWire(syntheticRoot('discovery-iso-usb'));
    expect(byName(wire.disks, 'sdb')).toMatchObject({
      is_installation_media: true,
      removable: true,
      bootable: true,
      installation_eligibility: { not_eligible_reasons: ['Disk appears to be an ISO installation media (has partition with mountpoint suffix iso)'] },
    });
    expect(byName(wire.disks, 'sr0')).toMatchObject({ drive_type: 'ODD', is_installation_media: true });
    expect(byName(wire.disks, 'sr0')).not.toHaveProperty('size_bytes');
    expect(byName(wire.disks, 'sda').installation_eligibility.eligible).toBe(true);
    expect(wire.boot).toMatchObject({ device_type: 'ephemeral', current_boot_mode: 'uefi', secure_boot_state: 'NotSupported' });
  });

  it('drops the BMC USB NIC\'s link-local address and renames localhost after the first addressed NIC', async () => {
    const { wire } = await collectWire(syntheticRoot('discovery-iso-usb'));
    expect(byName(wire.interfaces, 'usb0').ipv4_addresses).toEqual([]);
    expect(wire.hostname).toBe('3c-ec-ef-12-34-00');
    expect(wire.tpm_version).toBe('1.2');
    expect(wire.gpus).toEqual([{ address: '0000:04:00.0', device_id: '0534', name: 'G200eR2', vendor: 'Matrox Electronics Systems Ltd.', vendor_id: '102b' }]);
  });
});

describe('a failing collector', () => {
  it('empties only its own sections and logs why', async () => {
    const root = syntheticRoot('bond-vlan-ipv6');
    const replay = replayingRunner(root);
    const runner: CommandRunner = (file, args, options) => {
      if (file === 'ip') throw new Error('netlink socket refused');
      return replay(file, args, options);
    };
    const log = memoryLogger();
    const inventory = await collectInventory({ hostFs: new HostFs(root), runner, log, live: false });
    const wire = JSON.parse(encodeInventory(inventory)) as WireInventory;
    const want = expected('bond-vlan-ipv6');
    expect(wire.interfaces).toEqual([]);
    expect(wire.routes).toEqual([]);
    // No interface to name it after, so localhost.localdomain stays.
    expect(wire.hostname).toBe('localhost.localdomain');
    const upstream = upstreamFieldsOnly('inventory', wire) as WireInventory;
    for (const section of ['cpu', 'memory', 'disks', 'boot', 'gpus', 'system_vendor']) expectSameFields(upstream[section], want[section], section);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'inventory: collecting interfaces failed; reporting it empty',
      'inventory: collecting routes failed; reporting it empty',
    ]);
  });
});
