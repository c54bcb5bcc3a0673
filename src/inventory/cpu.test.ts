import { describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { memoryLogger } from '../log/logger.js';
import { collectCpu, cpuFromLscpu, lscpuFields } from './cpu.js';
import { parseCpuinfo } from './cpuinfo.js';
import { testContext, tempHost } from './test-support.js';

// `lscpu -J` of util-linux 2.38 on a 2-vCPU KVM guest (trimmed: caches and vulnerabilities).
const LSCPU_KVM = `{
   "lscpu": [
      {"field": "Architecture:", "data": "x86_64"},
      {"field": "CPU op-mode(s):", "data": "32-bit, 64-bit"},
      {"field": "CPU(s):", "data": "2"},
      {"field": "On-line CPU(s) list:", "data": "0,1"},
      {"field": "Vendor ID:", "data": "AuthenticAMD"},
      {"field": "Model name:", "data": "AMD EPYC"},
      {"field": "BogoMIPS:", "data": "5192.26"},
      {"field": "Flags:", "data": "fpu vme de pse tsc msr hypervisor"},
      {"field": "Hypervisor vendor:", "data": "KVM"}
   ]
}`;

// s390x: no model name, the machine type instead; a static MHz figure.
const LSCPU_S390X = `{"lscpu": [
  {"field": "Architecture:", "data": "s390x"},
  {"field": "CPU(s):", "data": "4"},
  {"field": "Vendor ID:", "data": "IBM/S390"},
  {"field": "Machine type:", "data": "3931"},
  {"field": "CPU dynamic MHz:", "data": "5200"},
  {"field": "CPU static MHz:", "data": "5200"},
  {"field": "Flags:", "data": "esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx vxd vxe gs"}
]}`;

describe('lscpu -J', () => {
  it('reads architecture, count, model and flags; no MHz line means frequency 0', () => {
    expect(cpuFromLscpu(lscpuFields(LSCPU_KVM))).toEqual({
      architecture: 'x86_64',
      count: 2,
      flags: ['fpu', 'vme', 'de', 'pse', 'tsc', 'msr', 'hypervisor'],
      frequency: 0,
      model_name: 'AMD EPYC',
    });
  });

  it('takes the machine type as the model on s390x and the static MHz as the frequency', () => {
    const cpu = cpuFromLscpu(lscpuFields(LSCPU_S390X));
    expect(cpu.model_name).toBe('3931');
    expect(cpu.frequency).toBe(5200);
  });

  it('takes the highest of current, max and static MHz', () => {
    const fields = new Map([
      ['CPU MHz', '1500.000'],
      ['CPU max MHz', '3729.4919'],
      ['CPU min MHz', '9999'],
    ]);
    expect(cpuFromLscpu(fields).frequency).toBe(3729.4919);
  });

  it('leaves flags null when lscpu prints no Flags line, as upstream\'s nil slice', () => {
    expect(cpuFromLscpu(new Map([['CPU(s)', '8']])).flags).toBeNull();
  });

  it('ignores nested children (--hierarchic output) and keeps the first of a repeated field', () => {
    const fields = lscpuFields('{"lscpu":[{"field":"Model name:","data":"A","children":[{"field":"Model name:","data":"B"}]},{"field":"Model name:","data":"C"}]}');
    expect(fields.get('Model name')).toBe('A');
  });

  it('rejects output without the lscpu array', () => {
    expect(() => lscpuFields('{"cpus":[]}')).toThrow(/lscpu/);
  });
});

describe('/proc/cpuinfo fallback', () => {
  it('counts processors and takes model, flags and the highest MHz', () => {
    const summary = parseCpuinfo(
      'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU\ncpu MHz\t\t: 2100.000\nflags\t\t: fpu vme sse\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU\ncpu MHz\t\t: 3300.125\nflags\t\t: fpu vme sse\n',
    );
    expect(summary).toEqual({ processors: 2, modelName: 'Intel(R) Xeon(R) CPU', flags: ['fpu', 'vme', 'sse'], mhz: 3300.125 });
  });

  it('is used when lscpu is missing, with cpufreq\'s maximum when higher', async () => {
    const root = await tempHost({
      '/proc/cpuinfo': 'processor\t: 0\nmodel name\t: Ampere-1\nFeatures\t: fp asimd evtstrm\n\nprocessor\t: 1\nmodel name\t: Ampere-1\nFeatures\t: fp asimd evtstrm\n',
      '/proc/sys/kernel/arch': 'aarch64\n',
      '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '3000000\n',
    });
    const log = memoryLogger();
    const cpu = await collectCpu(testContext(new HostFs(root), {}, log));
    expect(cpu).toEqual({ architecture: 'aarch64', count: 2, flags: ['fp', 'asimd', 'evtstrm'], frequency: 3000, model_name: 'Ampere-1' });
    expect(log.lines.map((l) => l.message)).toContain('cpu: lscpu -J failed, reading /proc/cpuinfo instead');
  });
});
