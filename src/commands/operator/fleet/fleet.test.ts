import { describe, expect, it } from 'vitest';
import { extendedInventory, type HostSpec } from '../../../../test/support/extended-inventory.js';
import { firmwareReport, firmwareRows } from './firmware-report.js';
import { findHosts, normalizeIp, normalizeMac, queryProblem } from './host-find.js';
import { cpuRanges, hostSections } from './host-sections.js';
import { fleetHost, readInventory, type FleetHost } from './inventory-view.js';

let counter = 0;
function host(spec: HostSpec): FleetHost {
  counter += 1;
  return fleetHost({ id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`, infra_env_id: 'ie', status: 'known', inventory: JSON.stringify(extendedInventory(spec)) });
}

const nicA = { driver: 'i40e', firmware: '9.20 0x8000d95e 22.0.9', pciAddress: '0000:3b:00.0', numaNode: 0 };

function rack(): FleetHost[] {
  return [
    host({ hostname: 'r12-n01', serial: 'SN-01', bios: '1.9.2', bmc: '6.10.30.00', microcode: '0xd0003a5', nics: [{ name: 'ens1f0', mac: '3c:fd:fe:00:00:01', ipv4: ['192.0.2.11/24'], ipv6: ['2001:DB8:0:0::11/64'], switchName: 'leaf-r12', switchPort: 'Ethernet1/1', portDescription: 'r12-n01 ens1f0', ...nicA }], disks: [{ name: 'nvme0n1', serial: 'DISK-01', model: 'SAMSUNG MZQLB960HAJR', firmware: 'EDA5402Q' }] }),
    host({ hostname: 'r12-n02', serial: 'SN-02', bios: '1.9.2', bmc: '6.10.30.00', microcode: '0xd0003a5', nics: [{ name: 'ens1f0', mac: '3c:fd:fe:00:00:02', ipv4: ['192.0.2.12/24'], switchName: 'leaf-r12', switchPort: 'Ethernet1/2', ...nicA }], disks: [{ name: 'nvme0n1', serial: 'DISK-02', model: 'SAMSUNG MZQLB960HAJR', firmware: 'EDA5402Q' }] }),
    // The outdated one: older BIOS, older NIC firmware, older disk firmware.
    host({ hostname: 'r12-n03', serial: 'SN-03', bios: '1.6.11', bmc: '6.10.30.00', microcode: '0xd0003a5', nics: [{ name: 'ens1f0', mac: '3c:fd:fe:00:00:03', ipv4: ['192.0.2.13/24'], switchName: 'leaf-r12', switchPort: 'Ethernet1/3', ...nicA, firmware: '8.70 0x8000c40f 1.3179.0' }], disks: [{ name: 'nvme0n1', serial: 'DISK-03', model: 'SAMSUNG MZQLB960HAJR', firmware: 'EDA53W0Q' }], gpus: [{ address: '0000:af:00.0', name: 'GA100 [A100 PCIe 40GB]', vbios: '92.00.25.00.08' }] }),
    // Another model in another rack: its own group, not "outdated" against the R650s.
    host({ hostname: 'r13-n01', serial: 'SN-13', product: 'PowerEdge R750', bios: '1.5.4', nics: [{ name: 'eno1', mac: '3c:fd:fe:00:13:01', switchName: 'leaf-r13', switchPort: 'Ethernet1/1' }] }),
  ];
}

describe('hosts find: matching', () => {
  it('by switch and port, the port by its ID or its description, case-insensitively', () => {
    const hosts = rack();
    expect(findHosts(hosts, { switch: 'leaf-r12', port: 'Ethernet1/2' }).map((m) => [m.host.inventory?.hostname, m.where])).toEqual([['r12-n02', 'ens1f0 → leaf-r12 Ethernet1/2']]);
    expect(findHosts(hosts, { switch: 'LEAF-R12', port: 'r12-n01 ENS1F0' }).map((m) => m.host.inventory?.hostname)).toEqual(['r12-n01']);
    expect(findHosts(hosts, { switch: 'leaf-r12' }).map((m) => m.host.inventory?.hostname)).toEqual(['r12-n01', 'r12-n02', 'r12-n03']);
    // Port 1/1 on another switch is another host.
    expect(findHosts(hosts, { switch: 'leaf-r13', port: 'Ethernet1/1' }).map((m) => m.host.inventory?.hostname)).toEqual(['r13-n01']);
    expect(findHosts(hosts, { switch: 'leaf-r12', port: 'Ethernet1/9' })).toEqual([]);
    expect(findHosts(hosts, { switch: 'leaf-r1' })).toEqual([]);
  });

  it('by switch chassis ID in any MAC notation', () => {
    const hosts = rack();
    const chassis = hosts[0]?.inventory?.nics[0]?.neighbours[0]?.chassisId as string;
    const dotted = chassis.replace(/:/g, '').replace(/(.{4})(?!$)/g, '$1.').toUpperCase();
    expect(findHosts(hosts, { switch: dotted, port: 'Ethernet1/3' }).map((m) => m.host.inventory?.hostname)).toEqual(['r12-n03']);
  });

  it('by MAC, IP (v4, v6 in any spelling, the BMC too) and serial (system, disk, memory module)', () => {
    const hosts = rack();
    expect(findHosts(hosts, { mac: '3C-FD-FE-00-00-02' }).map((m) => [m.host.inventory?.hostname, m.where])).toEqual([['r12-n02', 'ens1f0 3c:fd:fe:00:00:02']]);
    expect(findHosts(hosts, { ip: '192.0.2.13' }).map((m) => m.host.inventory?.hostname)).toEqual(['r12-n03']);
    expect(findHosts(hosts, { ip: '2001:db8::11' }).map((m) => [m.host.inventory?.hostname, m.where])).toEqual([['r12-n01', 'ens1f0 2001:DB8:0:0::11']]);
    // Every host of the test rack has the same BMC address: all four answer, each saying so.
    expect(findHosts(hosts, { ip: '192.0.2.200' }).map((m) => m.where)).toEqual(['BMC 192.0.2.200', 'BMC 192.0.2.200', 'BMC 192.0.2.200', 'BMC 192.0.2.200']);
    expect(findHosts(hosts, { ip: '192.0.2.1' })).toEqual([]);
    expect(findHosts(hosts, { serial: 'sn-13' }).map((m) => [m.host.inventory?.hostname, m.where])).toEqual([['r13-n01', 'system serial SN-13']]);
    expect(findHosts(hosts, { serial: 'DISK-02' }).map((m) => m.where)).toEqual(['disk nvme0n1 serial DISK-02']);
    expect(findHosts(hosts, { serial: 'SN-03-B1' }).map((m) => [m.host.inventory?.hostname, m.where])).toEqual([['r12-n03', 'memory DIMM_B1 serial SN-03-B1']]);
  });

  it('normalises MACs and addresses, and says what is wrong with a query', () => {
    expect(['3C:FD:FE:00:00:07', '3c-fd-fe-00-00-07', '3cfd.fe00.0007'].map(normalizeMac)).toEqual(['3cfdfe000007', '3cfdfe000007', '3cfdfe000007']);
    expect(normalizeMac('3c:fd:fe:00:00')).toBeUndefined();
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1/64')).toBe('2001:db8::1');
    expect(normalizeIp('[2001:db8::1]')).toBe('2001:db8::1');
    expect(normalizeIp('192.0.2.300')).toBeUndefined();
    expect(queryProblem({ mac: 'zz' })).toMatch(/not a MAC/);
    expect(queryProblem({ ip: 'example.com' })).toMatch(/not an IPv4 or IPv6/);
    expect(queryProblem({ switch: ' ' })).toMatch(/needs a name/);
    expect(queryProblem({ serial: 'x' })).toBeUndefined();
  });

  it('hosts without an inventory, or with one of the wrong shape, are skipped, not a crash', () => {
    const odd = [
      fleetHost({ id: 'a', status: 'discovering' }),
      fleetHost({ id: 'b', inventory: '{"interfaces":"eth0","disks":[null,5],"memory":{"modules":{}}}' }),
      fleetHost({ id: 'c', inventory: '{"interfaces":[{"mac_address":7,"lldp":[{"system_name":["x"]}]}]}' }),
      fleetHost({ id: 'd', inventory: 'not json' }),
    ];
    for (const query of [{ switch: 'x' }, { mac: '00:00:00:00:00:07' }, { ip: '192.0.2.1' }, { serial: '5' }] as const) expect(findHosts(odd, query)).toEqual([]);
    expect(firmwareReport(odd)).toEqual([]);
  });
});

describe('hosts firmware: grouping by model', () => {
  it('groups by component and model and marks the versions that differ from the most common', () => {
    const groups = firmwareReport(rack());
    const summary = groups.map((g) => [g.component, g.model, g.most_common_version, g.versions.map((v) => `${v.version}×${v.count}${v.most_common ? '' : '!'}`)]);
    expect(summary).toEqual([
      ['bios', 'Dell Inc. PowerEdge R650', '1.9.2', ['1.9.2×2', '1.6.11×1!']],
      ['bios', 'Dell Inc. PowerEdge R750', '1.5.4', ['1.5.4×1']],
      ['bmc', 'Dell Inc. PowerEdge R650', '6.10.30.00', ['6.10.30.00×3']],
      ['cpu', 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', '0xd0003a5', ['0xd0003a5×3']],
      ['nic', 'Intel Corporation Ethernet Controller X710 for 10GbE SFP+ (i40e)', '9.20 0x8000d95e 22.0.9', ['9.20 0x8000d95e 22.0.9×2', '8.70 0x8000c40f 1.3179.0×1!']],
      ['disk', 'SAMSUNG MZQLB960HAJR', 'EDA5402Q', ['EDA5402Q×2', 'EDA53W0Q×1!']],
      ['gpu', 'GA100 [A100 PCIe 40GB]', '92.00.25.00.08', ['92.00.25.00.08×1']],
    ]);
    const outdatedNic = groups.find((g) => g.component === 'nic')?.versions.find((v) => !v.most_common);
    expect(outdatedNic?.hosts).toEqual([{ id: expect.any(String), hostname: 'r12-n03', where: ['ens1f0'] }]);
  });

  it('--component keeps one kind; a tie goes to the higher version in natural order', () => {
    const hosts = [
      host({ hostname: 'a', serial: '1', bios: '2.9.0' }),
      host({ hostname: 'b', serial: '2', bios: '2.10.0' }),
    ];
    const groups = firmwareReport(hosts, 'bios');
    expect(groups).toHaveLength(1);
    expect(groups[0]?.most_common_version).toBe('2.10.0');
    expect(groups[0]?.versions.map((v) => [v.version, v.most_common])).toEqual([['2.10.0', true], ['2.9.0', false]]);
    expect(firmwareReport(hosts, 'nic')).toEqual([]);
  });

  it('the table says which rows differ, in words (not only a mark)', () => {
    const rows = firmwareRows(firmwareReport(rack(), 'bios'));
    expect(rows).toEqual([
      ['bios', 'Dell Inc. PowerEdge R650', '1.9.2', '2', 'most common (2 of 3)', 'r12-n01, r12-n02'],
      ['bios', 'Dell Inc. PowerEdge R650', '1.6.11', '1', 'DIFFERS from 1.9.2 (1 of 3)', 'r12-n03'],
      ['bios', 'Dell Inc. PowerEdge R750', '1.5.4', '1', 'all the same', 'r13-n01'],
    ]);
  });
});

describe('hosts show: the extension sections', () => {
  it('neighbours, NUMA with its local devices, PCI, modules and firmware', () => {
    const inv = rack()[2]?.inventory;
    const text = hostSections(inv!).join('\n\n');
    expect(text).toMatch(/^INTERFACE\s+SWITCH\s+CHASSIS\s+PORT\s+PORT DESCRIPTION\s+VLAN/m);
    expect(text).toMatch(/ens1f0\s+leaf-r12\s+\S+\s+Ethernet1\/3\s+-\s+100\s+192\.0\.2\.250/);
    expect(text).toMatch(/^0\s+0-3\s+64\.0 GiB\s+10 21\s+ens1f0 nvme0n1$/m);
    expect(text).toMatch(/^1\s+4-7\s+64\.0 GiB\s+21 10\s+gpu 0000:af:00\.0$/m);
    expect(text).toMatch(/0000:3b:00\.0\s+Ethernet controller\s+Intel Corporation\s+Ethernet Controller X710 for 10GbE SFP\+\s+i40e\s+0\s+40\s+0\/64/);
    expect(text).toMatch(/0000:00:1f\.0\s+ISA bridge.*\s+-\s+-\s+-\s+-$/m);
    expect(text).toContain('2 of 16 slots populated');
    expect(text).toMatch(/DIMM_A1\s+NODE 0\s+64 GiB\s+DDR4\s+3200 MT\/s\s+Samsung\s+M393A8G40AB2-CWE\s+SN-03-A1/);
    expect(text).toMatch(/^bios\s+-\s+Dell Inc\. PowerEdge R650\s+1\.6\.11/m);
    expect(text).toMatch(/^nic\s+ens1f0\s+Intel Corporation .*\(i40e\)\s+8\.70 0x8000c40f 1\.3179\.0\s+6\.1\.0$/m);
    expect(text).toMatch(/^gpu\s+0000:af:00\.0\s+GA100 \[A100 PCIe 40GB\]\s+92\.00\.25\.00\.08/m);
  });

  it('agent-sent text with control characters and bidi overrides is shown escaped', () => {
    const inv = readInventory(JSON.stringify({ interfaces: [{ name: 'eth0', lldp: [{ system_name: 'evil\u001b[2J\u202eswitch', port_id: 'p\nq' }] }], firmware: { bios: { version: '1.0\u0007' } } }));
    const text = hostSections(inv!).join('\n');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(text).toContain('evil\\x1b[2J\\u202eswitch');
    expect(text).toContain('p\\nq');
    expect(text).toContain('1.0\\x07');
  });

  it('an upstream-only inventory adds no sections', () => {
    expect(hostSections(readInventory(JSON.stringify({ hostname: 'plain', interfaces: [{ name: 'eth0', mac_address: 'x' }] }))!)).toEqual([]);
  });

  it('cpu ranges', () => {
    expect(cpuRanges([0, 1, 2, 3, 8, 9, 11])).toBe('0-3,8-9,11');
    expect(cpuRanges([])).toBe('-');
  });
});
