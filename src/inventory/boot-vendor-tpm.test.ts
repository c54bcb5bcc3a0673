import { describe, expect, it } from 'vitest';
import { HostFs } from '../host/host-fs.js';
import { SECURE_BOOT_EFIVAR, bootInterface, collectBoot, decodeSecureBoot } from './boot.js';
import { collectSystemVendor } from './system-vendor.js';
import { tempHost, testContext } from './test-support.js';
import { collectTpmVersion } from './tpm.js';

describe('boot', () => {
  it('decodes the SecureBoot efivar: 4 attribute bytes and a 0/1 value', () => {
    expect(decodeSecureBoot(Buffer.from([6, 0, 0, 0, 1]))).toBe('Enabled');
    expect(decodeSecureBoot(Buffer.from([6, 0, 0, 0, 0]))).toBe('Disabled');
    expect(decodeSecureBoot(Buffer.from([6, 0, 0, 0, 2]))).toBe('Unknown');
    expect(decodeSecureBoot(Buffer.from([6, 0, 0, 0, 1, 0]))).toBe('Unknown');
  });

  it('takes BOOTIF from the command line as given', () => {
    expect(bootInterface('initrd=x BOOTIF=01-52-54-00-aa-bb-cc quiet\n')).toBe('01-52-54-00-aa-bb-cc');
    expect(bootInterface('NOBOOTIF=1 quiet')).toBe('');
  });

  it('reports a UEFI host with secure boot, and persistent /sysroot', async () => {
    const root = await tempHost({
      '/proc/cmdline': 'root=/dev/sda4 ro\n',
      [SECURE_BOOT_EFIVAR]: Buffer.from([6, 0, 0, 0, 1]),
      '/proc/1/mounts': '/dev/sda4 /sysroot xfs ro 0 0\n',
    });
    expect(await collectBoot(testContext(new HostFs(root)))).toEqual({
      command_line: 'root=/dev/sda4 ro\n',
      current_boot_mode: 'uefi',
      device_type: 'persistent',
      pxe_interface: '',
      secure_boot_state: 'Enabled',
    });
  });
});

describe('system vendor', () => {
  it('reports oVirt by product family and OCI by chassis asset tag; virtual from systemd-detect-virt', async () => {
    const root = await tempHost({
      '/sys/class/dmi/id/sys_vendor': 'oVirt\n',
      '/sys/class/dmi/id/product_name': 'RHEL\n',
      '/sys/class/dmi/id/product_serial': '30393137-3436-584d-5136-333130303239\n',
      '/sys/class/dmi/id/product_family': 'RHV\n',
      '/sys/class/dmi/id/chassis_asset_tag': 'OracleCloud.com\n',
    });
    const vendor = await collectSystemVendor(testContext(new HostFs(root), { 'systemd-detect-virt --vm': { stdout: 'kvm\n' } }));
    expect(vendor).toEqual({ manufacturer: 'OracleCloud.com', product_name: 'oVirt', serial_number: '30393137-3436-584d-5136-333130303239', virtual: true });
  });

  it('says "unknown" for unreadable DMI and not virtual when systemd-detect-virt says none', async () => {
    const vendor = await collectSystemVendor(testContext(new HostFs(await tempHost({})), { 'systemd-detect-virt --vm': { stdout: 'none\n', exitCode: 1 } }));
    expect(vendor).toEqual({ manufacturer: 'unknown', product_name: 'unknown', serial_number: 'unknown', virtual: false });
  });

  it('describes an s390x LPAR and a KVM guest on s390x', async () => {
    const lpar = await tempHost({ '/proc/cpuinfo': 'vendor_id       : IBM/S390\n# processors    : 4\n' });
    expect(await collectSystemVendor(testContext(new HostFs(lpar), { 'systemd-detect-virt --vm': { stdout: 'none\n', exitCode: 1 } }))).toEqual({
      manufacturer: 'IBM/S390',
      product_name: 'LPAR',
      serial_number: 'unknown',
      virtual: false,
    });
    const guest = await tempHost({ '/proc/cpuinfo': 'vendor_id       : IBM/S390\n', '/proc/sysinfo': 'LPAR Name: LP01\nVM00 Control Program: KVM/Linux\n' });
    const vendor = await collectSystemVendor(testContext(new HostFs(guest), { 'systemd-detect-virt --vm': { stdout: 'none\n', exitCode: 1 } }));
    expect(vendor).toMatchObject({ product_name: 'KVM/Linux', virtual: true });
  });

  it('falls back on DMI names and the hypervisor CPU flag without systemd-detect-virt', async () => {
    const qemu = await tempHost({ '/sys/class/dmi/id/sys_vendor': 'QEMU\n' });
    expect((await collectSystemVendor(testContext(new HostFs(qemu)))).virtual).toBe(true);
    const flagged = await tempHost({ '/sys/class/dmi/id/sys_vendor': 'Acme\n', '/proc/cpuinfo': 'flags\t\t: fpu vme hypervisor\n' });
    expect((await collectSystemVendor(testContext(new HostFs(flagged)))).virtual).toBe(true);
    const metal = await tempHost({ '/sys/class/dmi/id/sys_vendor': 'Acme\n', '/proc/cpuinfo': 'flags\t\t: fpu vme\n' });
    expect((await collectSystemVendor(testContext(new HostFs(metal)))).virtual).toBe(false);
  });
});

describe('tpm_version', () => {
  it('maps the major version and says "none" without a TPM', async () => {
    const version = async (files: Record<string, string>) => collectTpmVersion(testContext(new HostFs(await tempHost(files))));
    expect(await version({})).toBe('none');
    expect(await version({ '/sys/class/tpm/tpm0/tpm_version_major': '2\n' })).toBe('2.0');
    expect(await version({ '/sys/class/tpm/tpm0/tpm_version_major': '1\n' })).toBe('1.2');
    expect(await version({ '/sys/class/tpm/tpm0/tpm_version_major': '3\n' })).toBe('3');
  });
});
