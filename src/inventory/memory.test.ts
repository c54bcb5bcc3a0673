import { describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { collectMemory, parseMemTotal, sumDmidecodeMemory } from './memory.js';
import { tempHost, testContext } from './test-support.js';

// dmidecode 3.5 on a two-socket server, two of four slots populated (trimmed to the Memory Device fields).
const DMIDECODE_T17 = `# dmidecode 3.5
Getting SMBIOS data from sysfs.
SMBIOS 3.3.0 present.

Handle 0x1100, DMI type 17, 92 bytes
Memory Device
	Total Width: 72 bits
	Data Width: 64 bits
	Size: 32 GB
	Form Factor: DIMM
	Locator: A1
	Volatile Size: 32 GB
	Cache Size: None
	Logical Size: None

Handle 0x1101, DMI type 17, 92 bytes
Memory Device
	Size: No Module Installed
	Locator: A2
	Volatile Size: None

Handle 0x1102, DMI type 17, 92 bytes
Memory Device
	Size: 16384 MB
	Locator: B1
	Non-Volatile Size: None

Handle 0x1103, DMI type 17, 92 bytes
Memory Device
	Size: 512 kB
	Locator: CACHE
`;

describe('dmidecode -t 17', () => {
  it('sums installed module sizes with 1024-based units, ignoring empty slots and the Volatile/Logical sizes', () => {
    expect(sumDmidecodeMemory(DMIDECODE_T17)).toBe(32 * 1024 ** 3 + 16384 * 1024 ** 2 + 512 * 1024);
  });

  it('knows every unit upstream does', () => {
    expect(sumDmidecodeMemory('\tSize: 2 TB\n\tSize: 1024 bytes\n')).toBe(2 * 1024 ** 4 + 1024);
    expect(sumDmidecodeMemory('\tSize: 1 EB\n')).toBe(1024 ** 6);
  });
});

describe('/proc/meminfo', () => {
  it('reads MemTotal in bytes', () => {
    expect(parseMemTotal('MemTotal:       24684084 kB\nMemFree:          123 kB\n')).toBe(24684084 * 1024);
    expect(parseMemTotal('MemFree: 1 kB\n')).toBeUndefined();
  });
});

describe('memory collector', () => {
  const meminfo = 'MemTotal:        8024324 kB\n';

  it('prefers dmidecode', async () => {
    const root = await tempHost({ '/proc/meminfo': meminfo });
    const memory = await collectMemory(testContext(new HostFs(root), { 'dmidecode -t 17': { stdout: '\tSize: 8 GB\n' } }));
    expect(memory).toEqual({ physical_bytes: 8 * 1024 ** 3, physical_bytes_method: 'dmidecode', usable_bytes: 8024324 * 1024 });
  });

  it('falls back to online memory blocks ("ghw"), then to MemTotal', async () => {
    const blocks = {
      '/proc/meminfo': meminfo,
      '/sys/devices/system/memory/block_size_bytes': '8000000\n',
      '/sys/devices/system/memory/memory0/state': 'online\n',
      '/sys/devices/system/memory/memory1/state': 'online\n',
      '/sys/devices/system/memory/memory2/state': 'offline\n',
      '/sys/devices/system/memory/auto_online_blocks': 'online\n',
    };
    const withBlocks = await collectMemory(testContext(new HostFs(await tempHost(blocks)), { 'dmidecode -t 17': { exitCode: 1, stderr: '/dev/mem: No such file or directory' } }));
    expect(withBlocks).toEqual({ physical_bytes: 2 * 0x8000000, physical_bytes_method: 'ghw', usable_bytes: 8024324 * 1024 });

    const onlyMeminfo = await collectMemory(testContext(new HostFs(await tempHost({ '/proc/meminfo': meminfo }))));
    expect(onlyMeminfo).toEqual({ physical_bytes: 8024324 * 1024, physical_bytes_method: 'meminfo', usable_bytes: 8024324 * 1024 });
  });
});
