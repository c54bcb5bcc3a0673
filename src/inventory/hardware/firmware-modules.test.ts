import { describe, expect, it } from 'vitest';
import { HostFs } from '../../host/host-fs.js';
import { collectMemory } from '../memory.js';
import { tempHost, testContext } from '../test-support.js';
import { collectFirmware, parseMcInfo } from './firmware.js';
import { collectMemoryModules, memoryModulesFromDmidecode } from './memory-modules.js';

// The layout of dmidecode 3.5's type 17 (Memory Device) records, one populated and one empty slot.
const T17_NEW = `# dmidecode 3.5
Getting SMBIOS data from sysfs.
SMBIOS 3.3.0 present.

Handle 0x1100, DMI type 17, 92 bytes
Memory Device
	Array Handle: 0x1000
	Total Width: 72 bits
	Size: 32 GB
	Form Factor: DIMM
	Set: None
	Locator: A1
	Bank Locator: Not Specified
	Type: DDR4
	Type Detail: Synchronous Registered (Buffered)
	Speed: 3200 MT/s
	Manufacturer: 00CE00B300CE
	Serial Number: 03D2A1F4
	Asset Tag: Not Specified
	Part Number: M393A4K40DB3-CWE    
	Rank: 2
	Configured Memory Speed: 2933 MT/s

Handle 0x1101, DMI type 17, 92 bytes
Memory Device
	Array Handle: 0x1000
	Size: No Module Installed
	Form Factor: Unknown
	Locator: A2
	Bank Locator: Not Specified
	Type: Unknown
	Speed: Unknown
	Manufacturer: Not Specified
	Serial Number: Not Specified
	Part Number: Not Specified
`;

// dmidecode 2.12 (RHEL 7 era): sizes in MB, speeds in MHz, "Configured Clock Speed".
const T17_OLD = `# dmidecode 2.12
SMBIOS 2.8 present.

Handle 0x002B, DMI type 17, 40 bytes
Memory Device
	Size: 16384 MB
	Form Factor: DIMM
	Locator: DIMM_A1
	Bank Locator: _Node0_Channel0_Dimm0
	Type: DDR4
	Speed: 2400 MHz
	Manufacturer: Hynix Semiconductor
	Serial Number: 2A3B4C5D
	Part Number: HMA42GR7AFR4N-UH
	Configured Clock Speed: 2133 MHz

Handle 0x002D, DMI type 17, 40 bytes
Memory Device
	Size: No Module Installed
	Locator: DIMM_A2

Handle 0x002F, DMI type 17, 40 bytes
Memory Device
	Size: No Module Installed
	Locator: DIMM_A3
`;

describe('memory modules', () => {
  it('reads each populated slot of dmidecode 3.x, placeholders as empty, and counts the empty ones', () => {
    expect(memoryModulesFromDmidecode(T17_NEW)).toEqual({
      module_slots: 2,
      modules: [
        {
          locator: 'A1', bank_locator: '', size_bytes: 32 * 1024 ** 3, type: 'DDR4', form_factor: 'DIMM', speed_mts: 3200, configured_speed_mts: 2933,
          manufacturer: '00CE00B300CE', part_number: 'M393A4K40DB3-CWE', serial_number: '03D2A1F4',
        },
      ],
    });
  });

  it('reads dmidecode 2.x\'s MB sizes, MHz speeds and "Configured Clock Speed"', () => {
    const { modules, module_slots } = memoryModulesFromDmidecode(T17_OLD);
    expect(module_slots).toBe(3);
    expect(modules).toEqual([
      {
        locator: 'DIMM_A1', bank_locator: '_Node0_Channel0_Dimm0', size_bytes: 16 * 1024 ** 3, type: 'DDR4', form_factor: 'DIMM', speed_mts: 2400,
        configured_speed_mts: 2133, manufacturer: 'Hynix Semiconductor', part_number: 'HMA42GR7AFR4N-UH', serial_number: '2A3B4C5D',
      },
    ]);
  });

  it('runs dmidecode -t 17 once for the memory size and the modules together; nothing when it fails', async () => {
    const calls: string[] = [];
    const ctx = testContext(new HostFs(await tempHost({ '/proc/meminfo': 'MemTotal: 1024 kB\n' })), { 'dmidecode -t 17': { stdout: T17_NEW } }, undefined, calls);
    const [memory, modules] = await Promise.all([collectMemory(ctx), collectMemoryModules(ctx)]);
    expect(memory.physical_bytes).toBe(32 * 1024 ** 3);
    expect(modules.modules).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('dmidecode'))).toEqual(['dmidecode -t 17']);
    const failing = testContext(new HostFs(await tempHost({})), { 'dmidecode -t 17': { exitCode: 1, stderr: '/dev/mem: Permission denied' } });
    expect(await collectMemoryModules(failing)).toEqual({});
  });
});

// ipmitool 1.8.19's `mc info` against an iDRAC9.
const MC_INFO = `Device ID                 : 32
Device Revision           : 1
Firmware Revision         : 6.10
IPMI Version              : 2.0
Manufacturer ID           : 674
Manufacturer Name         : DELL Inc
Product ID                : 256 (0x0100)
Product Name              : Unknown (0x100)
Device Available          : yes
Provides Device SDRs      : yes
Additional Device Support :
    Sensor Device
    SDR Repository Device
Aux Firmware Rev Info     : 
    0x00
    0x1e
`;

describe('firmware', () => {
  it('parses ipmitool mc info; "Unknown (0x…)" manufacturers are empty; no firmware line, no BMC', () => {
    expect(parseMcInfo(MC_INFO)).toEqual({ firmware_version: '6.10', manufacturer: 'DELL Inc', ipmi_version: '2.0' });
    expect(parseMcInfo(MC_INFO.replace('DELL Inc', 'Unknown (0x1234)'))).toEqual({ firmware_version: '6.10', manufacturer: '', ipmi_version: '2.0' });
    expect(parseMcInfo('Could not open device at /dev/ipmi0\n')).toBeUndefined();
  });

  it('takes BIOS from sysfs, the BMC from ipmitool where a device node exists, microcode from cpuinfo', async () => {
    const calls: string[] = [];
    const root = await tempHost({
      '/sys/class/dmi/id/bios_vendor': 'Dell Inc.\n',
      '/sys/class/dmi/id/bios_version': '1.10.2\n',
      '/sys/class/dmi/id/bios_date': '03/15/2023\n',
      '/dev/ipmi0': '',
      '/proc/cpuinfo': 'processor\t: 0\nmicrocode\t: 0xd0003a5\n\nprocessor\t: 1\nmicrocode\t: 0xd0003a5\n',
    });
    const ctx = testContext(new HostFs(root), { 'ipmitool mc info': { stdout: MC_INFO } }, undefined, calls);
    expect(await collectFirmware(ctx, { probeBmc: true })).toEqual({
      bios: { vendor: 'Dell Inc.', version: '1.10.2', release_date: '03/15/2023' },
      bmc: { firmware_version: '6.10', manufacturer: 'DELL Inc', ipmi_version: '2.0' },
      cpu_microcode: '0xd0003a5',
    });
    expect(calls).toEqual(['ipmitool mc info']);
    const dryRunCalls: string[] = [];
    const dry = testContext(new HostFs(root), { 'ipmitool mc info': { stdout: MC_INFO } }, undefined, dryRunCalls);
    expect((await collectFirmware(dry, { probeBmc: false }))?.bmc).toBeUndefined();
    expect(dryRunCalls).toEqual([]);
  });

  it('falls back to dmidecode -t 0 without sysfs DMI, leaves out a BMC that does not answer, and is absent when nothing is known', async () => {
    const T0 = '# dmidecode 3.5\nSMBIOS 3.3.0 present.\n\nHandle 0x0000, DMI type 0, 26 bytes\nBIOS Information\n\tVendor: American Megatrends International, LLC.\n\tVersion: 2.7.0\n\tRelease Date: 11/02/2022\n\tROM Size: 32 MB\n\tCharacteristics:\n\t\tPCI is supported\n';
    const root = await tempHost({ '/dev/ipmi0': '' });
    const ctx = testContext(new HostFs(root), { 'dmidecode -t 0': { stdout: T0 }, 'ipmitool mc info': { exitCode: 1, stderr: 'Get Device ID command failed\n' } });
    expect(await collectFirmware(ctx, { probeBmc: true })).toEqual({ bios: { vendor: 'American Megatrends International, LLC.', version: '2.7.0', release_date: '11/02/2022' } });
    const calls: string[] = [];
    expect(await collectFirmware(testContext(new HostFs(await tempHost({})), {}, undefined, calls), { probeBmc: true })).toBeUndefined();
    expect(calls).toEqual(['dmidecode -t 0']);
  });
});
