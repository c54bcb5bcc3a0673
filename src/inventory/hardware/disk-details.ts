import type { CollectorContext } from '../context.js';
import type { DiskExtensions } from '../extensions.js';
import { numaNodeOfPath } from './pci-devices.js';

const SYS_BLOCK = '/sys/block';

/**
 * Firmware revision and controller NUMA node of every block device, by kernel name. NVMe
 * controllers report `firmware_rev`; SCSI devices (SATA through libata, SAS) their INQUIRY
 * revision as `rev`. The NUMA node is the one of the PCI function the device hangs off: the NVMe
 * drive itself, or the SATA/SAS host adapter.
 */
export async function collectDiskDetails(ctx: CollectorContext): Promise<Map<string, DiskExtensions>> {
  const names = (await ctx.hostFs.list(SYS_BLOCK)).filter((name) => !/^(loop|zram|ram)\d/.test(name));
  const details = await Promise.all(names.map((name) => diskDetails(ctx, name)));
  return new Map(names.map((name, i) => [name, details[i] as DiskExtensions]));
}

async function diskDetails(ctx: CollectorContext, name: string): Promise<DiskExtensions> {
  const dir = `${SYS_BLOCK}/${name}`;
  const [sysPath, nvmeFirmware, scsiRevision] = await Promise.all([
    ctx.hostFs.realPath(dir),
    ctx.hostFs.readTrimmed(`${dir}/device/firmware_rev`),
    ctx.hostFs.readTrimmed(`${dir}/device/rev`),
  ]);
  const numaNode = await numaNodeOfPath(ctx, sysPath);
  const details: DiskExtensions = {};
  const firmware = nvmeFirmware || scsiRevision;
  if (firmware) details.firmware_version = firmware;
  if (numaNode !== undefined) details.numa_node = numaNode;
  return details;
}
