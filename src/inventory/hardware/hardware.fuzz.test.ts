/**
 * Seeded fuzzer (INBAND_FUZZ_SEED, INBAND_FUZZ_SCALE) of the readers of what firmware, drivers and
 * tools print about the hardware: dmidecode's type 17 records (SMBIOS strings come from firmware),
 * `ethtool -i`, `ipmitool mc info`, pci.ids (read in chunks), kernel CPU lists and node meminfo.
 * Inputs are the synthetic hosts' real-format outputs mutated line by line (lines dropped,
 * repeated, cut, swapped for nasty strings or random bytes) and random text. Whatever comes in:
 * no exception, no string with a line break (pci.ids: none ending a name), numbers finite and in range, lists bounded, and
 * pci.ids gives the same names however it is cut into chunks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzSettings, nastyString, randomText, SeededRandom } from '../../../test/support/fuzz/random.js';
import { PciIdsScanner } from '../pci-ids.js';
import { parseMcInfo } from './firmware.js';
import { memoryModulesFromDmidecode } from './memory-modules.js';
import { parseEthtoolDriverInfo } from './nic-details.js';
import { nodeMemTotal, parseCpuList } from './numa.js';

const settings = fuzzSettings();
const HOSTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test/fixtures/hosts');
const sample = (file: string): string => readFileSync(path.join(HOSTS, file), 'utf8');
const DMIDECODE = [sample('numa2-sriov/commands/dmidecode_-t_17.stdout'), sample('numa4-gpu/commands/dmidecode_-t_17.stdout')];
const ETHTOOL = [sample('numa2-sriov/commands/ethtool_-i_ens1f0.stdout'), sample('numa4-gpu/commands/ethtool_-i_ens1np0.stdout')];
const MC_INFO = sample('numa2-sriov/commands/ipmitool_mc_info.stdout');
const PCI_IDS = [sample('numa2-sriov/usr/share/misc/pci.ids'), sample('numa4-gpu/usr/share/hwdata/pci.ids')];

function mutateLines(random: SeededRandom, text: string): string {
  const lines = text.split('\n');
  const edits = random.int(1, 8);
  for (let i = 0; i < edits; i++) {
    const at = random.int(0, lines.length - 1);
    const roll = random.next();
    if (roll < 0.2) lines.splice(at, 1);
    else if (roll < 0.4) lines.splice(at, 0, lines[at] ?? '');
    else if (roll < 0.55) lines[at] = (lines[at] ?? '').slice(0, random.int(0, (lines[at] ?? '').length));
    else if (roll < 0.7) lines[at] = `${(lines[at] ?? '').split(':')[0]}: ${nastyString(random)}`;
    else if (roll < 0.85) lines[at] = randomText(random, random.int(0, 80));
    else lines[at] = `\t${nastyString(random)}`;
  }
  return lines.join(random.chance(0.1) ? '\r\n' : '\n');
}

function input(random: SeededRandom, samples: string[]): string {
  return random.chance(0.85) ? mutateLines(random, random.pick(samples)) : randomText(random, random.int(0, 2000));
}

const noLineBreak = (value: string): boolean => !/[\r\n]/.test(value);

describe('hardware readers under fuzzing', () => {
  const iterations = Math.ceil(400 * settings.scale);

  it(`dmidecode -t 17: modules within the slots, sizes positive, no line breaks (${iterations} inputs, seed ${settings.seed})`, () => {
    const random = new SeededRandom(settings.seed).fork('dmidecode');
    for (let i = 0; i < iterations; i++) {
      const { modules = [], module_slots = 0 } = memoryModulesFromDmidecode(input(random, DMIDECODE));
      expect(modules.length).toBeLessThanOrEqual(module_slots);
      for (const m of modules) {
        expect(Number.isSafeInteger(m.size_bytes) && m.size_bytes > 0).toBe(true);
        expect(Number.isFinite(m.speed_mts) && m.speed_mts >= 0).toBe(true);
        for (const value of [m.locator, m.bank_locator, m.type, m.manufacturer, m.part_number, m.serial_number]) expect(noLineBreak(value)).toBe(true);
      }
    }
  });

  it('ethtool -i and ipmitool mc info: strings without line breaks; a BMC firmware only when one was printed', () => {
    const random = new SeededRandom(settings.seed).fork('tools');
    for (let i = 0; i < iterations; i++) {
      const info = parseEthtoolDriverInfo(input(random, ETHTOOL));
      for (const value of Object.values(info)) expect(noLineBreak(value)).toBe(true);
      const bmc = parseMcInfo(input(random, [MC_INFO]));
      if (bmc) {
        expect(bmc.firmware_version).not.toBe('');
        for (const value of Object.values(bmc)) expect(noLineBreak(value)).toBe(true);
      }
    }
  });

  it('pci.ids: the same names whole and in random chunks, none with a line break', () => {
    const random = new SeededRandom(settings.seed).fork('pci.ids');
    const wanted = { vendors: ['8086', '15b3', '10de', '1002', '144d'], devices: ['8086159b', '15b31021', '1002740f', '144da80a'], classes: ['0200', '0108', '0300', '0380'] };
    for (let i = 0; i < iterations; i++) {
      const db = Buffer.from(input(random, PCI_IDS));
      const whole = new PciIdsScanner(wanted);
      whole.feed(db);
      const expected = whole.finish();
      const chunked = new PciIdsScanner(wanted);
      for (let at = 0; at < db.length; ) {
        const size = random.int(1, 300);
        chunked.feed(Buffer.from(db.subarray(at, at + size)));
        at += size;
      }
      const names = chunked.finish();
      for (const kind of ['vendors', 'devices', 'classes'] as const) {
        expect([...names[kind]]).toEqual([...expected[kind]]);
        // Lines end at \n; a stray \r (a CRLF copy of the database) is trimmed off the name's end.
        for (const name of names[kind].values()) expect(name.includes('\n') || name.endsWith('\r'), JSON.stringify(name)).toBe(false);
      }
    }
  });

  it('CPU lists and node meminfo: bounded, in range, never negative', () => {
    const random = new SeededRandom(settings.seed).fork('numa');
    for (let i = 0; i < iterations; i++) {
      const parts = Array.from({ length: random.int(0, 6) }, () => (random.chance(0.5) ? `${random.int(0, 70_000)}-${random.int(0, 70_000)}` : random.chance(0.5) ? String(random.int(0, 100)) : nastyString(random)));
      const cpus = parseCpuList(parts.join(random.chance(0.9) ? ',' : ' '));
      expect(cpus.length).toBeLessThanOrEqual(65_536);
      expect(cpus.every((cpu) => Number.isSafeInteger(cpu) && cpu >= 0 && cpu < 65_536)).toBe(true);
      const bytes = nodeMemTotal(random.chance(0.5) ? `Node 0 MemTotal: ${nastyString(random)} kB\n` : randomText(random, 100));
      expect(Number.isFinite(bytes) && bytes >= 0).toBe(true);
    }
  });
});
