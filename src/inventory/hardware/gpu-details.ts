import type { CollectorContext } from '../context.js';
import type { GpuExtensions } from '../extensions.js';
import { sharedPciFunctions } from './pci-devices.js';

/**
 * NUMA node and video BIOS version of a GPU, by PCI address. amdgpu publishes `vbios_version` in
 * sysfs; NVIDIA's driver only in /proc/driver/nvidia/gpus/<address>/information ("Video BIOS:").
 */
export async function gpuDetails(ctx: CollectorContext, address: string): Promise<GpuExtensions> {
  const [functions, sysfsVbios, nvidiaInfo] = await Promise.all([
    sharedPciFunctions(ctx),
    ctx.hostFs.readTrimmed(`/sys/bus/pci/devices/${address}/vbios_version`),
    ctx.hostFs.readText(`/proc/driver/nvidia/gpus/${address}/information`),
  ]);
  const details: GpuExtensions = {};
  const numaNode = functions.get(address)?.numaNode;
  if (numaNode !== undefined) details.numa_node = numaNode;
  const vbios = sysfsVbios || /^Video BIOS:\s*(\S.*?)\s*$/m.exec(nvidiaInfo ?? '')?.[1];
  if (vbios) details.vbios_version = vbios;
  return details;
}
