import type { HostFs } from '../../host/host-fs.js';

const BY_ID = '/dev/disk/by-id';
const BY_PATH = '/dev/disk/by-path';

/**
 * The stable by-id name of each device, keyed by the device node it resolves to: only the names
 * that identify the medium itself (wwn-…, nvme-eui…), not the model+serial ones. When several
 * qualify, the last in name order wins, so a wwn- name is preferred to an nvme-eui one.
 */
export async function readByIdLinks(hostFs: HostFs): Promise<Map<string, string>> {
  const names = (await hostFs.list(BY_ID)).filter((name) => name.startsWith('wwn-') || name.startsWith('nvme-eui'));
  const targets = await Promise.all(names.map((name) => hostFs.realPath(`${BY_ID}/${name}`)));
  const byDevice = new Map<string, string>();
  names.forEach((name, i) => {
    const target = targets[i];
    if (target !== undefined) byDevice.set(target, `${BY_ID}/${name}`);
  });
  return byDevice;
}

/** /dev/disk/by-path/<bus path>, when udev created that link. */
export async function byPathLink(hostFs: HostFs, busPath: string): Promise<{ link: string; target?: string } | undefined> {
  if (!busPath) return undefined;
  const link = `${BY_PATH}/${busPath}`;
  const target = await hostFs.realPath(link);
  return target === undefined ? undefined : { link, target };
}

/** Bus paths that more than one device reports; a by-path name is no identity for any of them. */
export function duplicateBusPaths(busPaths: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const busPath of busPaths) {
    if (!busPath) continue;
    if (seen.has(busPath)) duplicates.add(busPath);
    seen.add(busPath);
  }
  return duplicates;
}
