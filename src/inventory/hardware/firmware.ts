import type { CollectorContext } from '../context.js';
import type { BiosFirmware, BmcFirmware, Firmware } from '../extensions.js';
import { hasIpmiDevice } from '../bmc.js';
import { dmiValue, dmidecodeCanWork, parseDmidecode } from './dmidecode.js';

const DMI = '/sys/class/dmi/id';
/** A BMC that answers does so in well under a second; one that does not must not hold the inventory. */
const MC_INFO_TIMEOUT_MS = 5_000;

/** BIOS, BMC and CPU microcode; a part that cannot be read is absent, and so is the section when none can. */
export async function collectFirmware(ctx: CollectorContext, options: { probeBmc: boolean }): Promise<Firmware | undefined> {
  const [bios, bmc, microcode] = await Promise.all([
    collectBios(ctx),
    options.probeBmc ? collectBmcFirmware(ctx) : undefined,
    collectMicrocode(ctx),
  ]);
  const firmware: Firmware = {};
  if (bios) firmware.bios = bios;
  if (bmc) firmware.bmc = bmc;
  if (microcode) firmware.cpu_microcode = microcode;
  return Object.keys(firmware).length === 0 ? undefined : firmware;
}

/**
 * From sysfs's DMI attributes, which the kernel copies from the SMBIOS type 0 table without a
 * process; `dmidecode -t 0` only where the kernel has no DMI directory at all (built without
 * CONFIG_DMI_SYSFS) but the tables are there.
 */
async function collectBios(ctx: CollectorContext): Promise<BiosFirmware | undefined> {
  const [vendor, version, date, sysfsDmi] = await Promise.all([
    ctx.hostFs.readTrimmed(`${DMI}/bios_vendor`),
    ctx.hostFs.readTrimmed(`${DMI}/bios_version`),
    ctx.hostFs.readTrimmed(`${DMI}/bios_date`),
    ctx.hostFs.isDirectory(DMI),
  ]);
  if (vendor || version) return { vendor: vendor ?? '', version: version ?? '', release_date: date ?? '' };
  if (sysfsDmi || !dmidecodeCanWork(ctx)) return undefined;
  const result = await ctx.tools.runOptional('dmidecode', ['-t', '0']);
  if (result.exitCode !== 0) return undefined;
  const record = parseDmidecode(result.stdout).find((r) => r.title === 'BIOS Information');
  if (!record) return undefined;
  return { vendor: dmiValue(record, 'Vendor'), version: dmiValue(record, 'Version'), release_date: dmiValue(record, 'Release Date') };
}

/** `ipmitool mc info`, only where the IPMI driver has a device node (no node, no BMC to ask). */
async function collectBmcFirmware(ctx: CollectorContext): Promise<BmcFirmware | undefined> {
  if (!(await hasIpmiDevice(ctx))) return undefined;
  const result = await ctx.tools.runOptional('ipmitool', ['mc', 'info'], MC_INFO_TIMEOUT_MS);
  if (result.exitCode !== 0) {
    ctx.log.info('firmware: the BMC did not answer ipmitool mc info', { exitCode: result.exitCode, timedOut: result.timedOut });
    return undefined;
  }
  return parseMcInfo(result.stdout);
}

/**
 * `ipmitool mc info` prints "Key   : value" lines (IPMI Get Device ID), e.g.
 * "Firmware Revision         : 6.10", "IPMI Version : 2.0", "Manufacturer Name : DELL Inc".
 */
export function parseMcInfo(text: string): BmcFirmware | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\S[^:]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (match) fields.set(match[1] as string, match[2] as string);
  }
  const firmware = fields.get('Firmware Revision') ?? '';
  if (firmware === '') return undefined;
  const manufacturer = fields.get('Manufacturer Name') ?? '';
  return { firmware_version: firmware, manufacturer: /^Unknown/.test(manufacturer) ? '' : manufacturer, ipmi_version: fields.get('IPMI Version') ?? '' };
}

/** The microcode revision of the first CPU in /proc/cpuinfo (x86; other architectures have no line). */
async function collectMicrocode(ctx: CollectorContext): Promise<string | undefined> {
  const cpuinfo = await ctx.hostFs.readText('/proc/cpuinfo');
  return /^microcode\s*:\s*(\S+)/m.exec(cpuinfo ?? '')?.[1];
}
