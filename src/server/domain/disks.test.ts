import { describe, expect, it } from 'vitest';
import { applyDiskEligibility, serviceReasons, withServiceEligibility } from './disks.js';
import { inventory as inventoryShape, type Inventory } from './responses.js';
import { parseJson } from './json-shape.js';
import { fixtureInventoryText } from './test-support.js';

function fixture(name: string): Inventory {
  return parseJson(fixtureInventoryText(name), inventoryShape);
}

function verdicts(inventory: Inventory): Record<string, boolean | undefined> {
  return Object.fromEntries((applyDiskEligibility(inventory).disks ?? []).map((d) => [d.name, d.installation_eligibility?.eligible]));
}

describe('disk eligibility', () => {
  it('keeps the agent reasons and adds size and drive-type reasons (vm-virtio)', () => {
    const inventory = fixture('vm-virtio');
    expect(verdicts(inventory)).toEqual({ sr0: false, vda: false, vdb: true });
    const sr0 = applyDiskEligibility(inventory).disks!.find((d) => d.name === 'sr0')!;
    expect(sr0.installation_eligibility?.not_eligible_reasons).toEqual([
      'Disk is too small: 0.49 MB (required: 100 GB)',
      'Drive type ODD cannot hold the installation (supported: HDD, SSD, Multipath, iSCSI, FC, RAID)',
    ]);
    const vda = applyDiskEligibility(inventory).disks!.find((d) => d.name === 'vda')!;
    expect(vda.installation_eligibility?.not_eligible_reasons).toContain("Disk has partition 'vda4' mounted on '/'");
    expect(vda.installation_eligibility?.not_eligible_reasons).toContain('Disk is too small: 42.95 GB (required: 100 GB)');
  });

  it('refuses the paths of a multipath device but not the device (san-multipath-iscsi)', () => {
    expect(verdicts(fixture('san-multipath-iscsi'))).toEqual({ 'dm-0': true, 'dm-2': false, sda: false, sdb: false, sdc: true, sdd: false, sde: true });
    const sda = applyDiskEligibility(fixture('san-multipath-iscsi')).disks!.find((d) => d.name === 'sda')!;
    expect(sda.installation_eligibility?.not_eligible_reasons).toEqual(['Disk is a path of multipath device dm-0; use the multipath device instead']);
  });

  it('counts 100 GB in decimal gigabytes, boundary included', () => {
    const inventory: Inventory = { disks: [{ name: 'a', drive_type: 'SSD', size_bytes: 100_000_000_000 }, { name: 'b', drive_type: 'SSD', size_bytes: 99_999_999_999 }] };
    expect(verdicts(inventory)).toEqual({ a: true, b: false });
  });

  it('allows mainframe DASD types only on s390x', () => {
    const disk = { name: 'dasda', drive_type: 'ECKD', size_bytes: 200e9 };
    expect(serviceReasons(disk, { cpu: { architecture: 's390x' }, disks: [disk] })).toEqual([]);
    expect(serviceReasons(disk, { cpu: { architecture: 'x86_64' }, disks: [disk] })[0]).toMatch(/Drive type ECKD/);
  });

  it('is idempotent, so a stored inventory can be judged again', () => {
    const once = applyDiskEligibility(fixture('vm-virtio'));
    expect(applyDiskEligibility(once)).toEqual(once);
    const disk = once.disks![0]!;
    expect(withServiceEligibility(disk, once)).toEqual(disk);
  });

  it('finds an eligible disk in every recorded server fixture', () => {
    for (const name of ['discovery-iso-usb', 'gpu-tpm-secureboot-bmc', 'server-nvme-sata-raid']) {
      expect(Object.values(verdicts(fixture(name)))).toContain(true);
    }
    // The only disk of bond-vlan-ipv6 holds the running system.
    expect(verdicts(fixture('bond-vlan-ipv6'))).toEqual({ sda: false });
  });
});
