import yaml from 'js-yaml';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { memoryLogger } from '../log/logger.js';
import { DEFAULT_GPU_CONFIG, loadGpuConfig, parseGpuConfig } from './gpu-config.js';
import { collectGpus, matchesGpuConfig } from './gpus.js';
import { lookupPciNames } from './pci-ids.js';
import { tempHost, testContext } from './test-support.js';

const DB = Buffer.from(
  [
    '1002  Advanced Micro Devices, Inc. [AMD/ATI]',
    '\t740f  Aldebaran/MI200 [Instinct MI210]',
    '10de  NVIDIA Corporation',
    '# a comment inside the vendor block',
    '\t1eb8  TU104GL [Tesla T4]',
    '\t\t10de 12a2  T4 16GB',
    '\t20b5  GA100 [A100 PCIe 80GB]',
    '10df  Emulex Corporation',
    '\t20b5  not NVIDIA\'s',
    '',
  ].join('\n'),
);

describe('pci.ids lookup', () => {
  it('finds a vendor on the first line and one further down, and their devices', () => {
    expect(lookupPciNames(DB, '1002', '740f')).toEqual({ vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', device: 'Aldebaran/MI200 [Instinct MI210]' });
    expect(lookupPciNames(DB, '10de', '20b5')).toEqual({ vendor: 'NVIDIA Corporation', device: 'GA100 [A100 PCIe 80GB]' });
  });

  it('does not confuse subsystem lines or another vendor\'s devices', () => {
    expect(lookupPciNames(DB, '10de', '12a2')).toEqual({ vendor: 'NVIDIA Corporation' });
    expect(lookupPciNames(DB, '10de', 'ffff')).toEqual({ vendor: 'NVIDIA Corporation' });
    expect(lookupPciNames(DB, 'abcd', '0001')).toEqual({});
  });

  it.skipIf(!existsSync('/usr/share/misc/pci.ids'))('finds real entries in this machine\'s database', () => {
    const db = readFileSync('/usr/share/misc/pci.ids');
    const names = lookupPciNames(db, '8086', '100e');
    expect(names.vendor).toBe('Intel Corporation');
    expect(names.device).toMatch(/82540EM/);
  });
});

describe('GPU selection', () => {
  it('matches by class, class+vendor or class+vendor+device', () => {
    const config = { classes: ['0300'], vendors: ['030210de'], models: ['12001da31020'] };
    expect(matchesGpuConfig({ classId: '0300', vendorId: '1234', deviceId: '1111' }, config)).toBe(true);
    expect(matchesGpuConfig({ classId: '0302', vendorId: '10de', deviceId: '20b5' }, config)).toBe(true);
    expect(matchesGpuConfig({ classId: '0302', vendorId: '1002', deviceId: '740f' }, config)).toBe(false);
    expect(matchesGpuConfig({ classId: '1200', vendorId: '1da3', deviceId: '1020' }, config)).toBe(true);
    expect(matchesGpuConfig({ classId: '1200', vendorId: '1da3', deviceId: '1000' }, config)).toBe(false);
  });

  it('reads the YAML config, removing white space from entries', () => {
    expect(parseGpuConfig('classes:\n  - "03 00"\nvendors: ["0302 10DE"]\n', yaml.load)).toEqual({ classes: ['0300'], vendors: ['030210de'], models: [] });
    expect(() => parseGpuConfig('- just a list', yaml.load)).toThrow();
  });

  it('uses the default classes when the file is missing', async () => {
    const log = memoryLogger();
    expect(await loadGpuConfig('/nonexistent/gpus.yaml', log)).toBe(DEFAULT_GPU_CONFIG);
    expect(log.lines[0]?.level).toBe('warn');
  });

  it('reports GPUs with empty names when there is no PCI ID database on a replayed host', async () => {
    const root = await tempHost({
      '/sys/bus/pci/devices/0000:65:00.0': '-> ../../../devices/pci0000:64/0000:64:00.0/0000:65:00.0',
      '/sys/devices/pci0000:64/0000:64:00.0/0000:65:00.0/class': '0x030200\n',
      '/sys/devices/pci0000:64/0000:64:00.0/0000:65:00.0/vendor': '0x10de\n',
      '/sys/devices/pci0000:64/0000:64:00.0/0000:65:00.0/device': '0x1eb8\n',
      '/sys/bus/pci/devices/0000:00:00.0': '-> ../../../devices/pci0000:00/0000:00:00.0',
      '/sys/devices/pci0000:00/0000:00:00.0/class': '0x060000\n',
    });
    const gpus = await collectGpus(testContext(new HostFs(root)));
    expect(gpus).toEqual([{ address: '0000:65:00.0', device_id: '1eb8', name: '', vendor: '', vendor_id: '10de' }]);
  });
});
