import type { CollectorContext } from './context.js';
import { isNotInstalled } from './host-tools.js';
import type { SystemVendor } from './model.js';

/** ghw's value for a DMI field it cannot read; upstream passes it through. */
const UNKNOWN = 'unknown';
const DMI = '/sys/class/dmi/id';

/** DMI vendor or product names that only hypervisors report, for hosts without systemd-detect-virt. */
const VIRTUAL_DMI_RE = /^(QEMU|KVM|Bochs|VMware|VirtualBox|innotek GmbH|Xen|HVM domU|Parallels|Microsoft Corporation Virtual Machine|Virtual Machine|OpenStack|oVirt|RHEV|Google Compute Engine|Amazon EC2|BHYVE|Nutanix AHV)/i;

export async function collectSystemVendor(ctx: CollectorContext): Promise<SystemVendor> {
  const [vendor, product, serial, family, assetTag, detectVirt] = await Promise.all([
    dmi(ctx, 'sys_vendor'),
    dmi(ctx, 'product_name'),
    dmi(ctx, 'product_serial'),
    dmi(ctx, 'product_family'),
    dmi(ctx, 'chassis_asset_tag'),
    ctx.tools.run('systemd-detect-virt', ['--vm'], 10_000),
  ]);
  const result: SystemVendor = { manufacturer: vendor, product_name: product, serial_number: serial, virtual: false };
  if (family === 'oVirt' || family === 'RHV') result.product_name = 'oVirt';
  if (assetTag === 'OracleCloud.com') result.manufacturer = 'OracleCloud.com';
  if (vendor === UNKNOWN) await describeS390(ctx, result);

  if (detectVirt.exitCode === 0) {
    if (detectVirt.stdout.trim() !== 'none') result.virtual = true;
  } else if (isNotInstalled(detectVirt)) {
    if (await looksVirtual(ctx, vendor, product)) result.virtual = true;
  }
  return result;
}

/**
 * s390x has no DMI: the manufacturer comes from cpuinfo's vendor_id, the product is an LPAR unless
 * /proc/sysinfo names the hypervisor (z/VM, or KVM/Linux which makes it virtual). Only applied when
 * the CPU really is IBM/S390, so that a DMI-less x86 VM is not reported as an LPAR.
 */
async function describeS390(ctx: CollectorContext, result: SystemVendor): Promise<void> {
  const cpuinfo = (await ctx.hostFs.readText('/proc/cpuinfo')) ?? '';
  const vendorId = /^vendor_id\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim();
  if (vendorId !== 'IBM/S390') return;
  result.manufacturer = vendorId;
  result.product_name = 'LPAR';
  result.virtual = false;
  const sysinfo = (await ctx.hostFs.readText('/proc/sysinfo')) ?? '';
  const controlProgram = /^VM.*Control Program:\s*(.*)$/m.exec(sysinfo)?.[1]?.trim();
  if (controlProgram) {
    result.product_name = controlProgram;
    if (controlProgram.includes('KVM/Linux')) result.virtual = true;
  }
}

/** Without systemd-detect-virt: a hypervisor's DMI names, or the CPU's "hypervisor" flag. */
async function looksVirtual(ctx: CollectorContext, vendor: string, product: string): Promise<boolean> {
  if (VIRTUAL_DMI_RE.test(vendor) || VIRTUAL_DMI_RE.test(product)) return true;
  const cpuinfo = (await ctx.hostFs.readText('/proc/cpuinfo')) ?? '';
  return /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo);
}

async function dmi(ctx: CollectorContext, field: string): Promise<string> {
  return (await ctx.hostFs.readTrimmed(`${DMI}/${field}`)) ?? UNKNOWN;
}
