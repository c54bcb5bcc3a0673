import { createHash } from 'node:crypto';
import type { HostFs } from '../host/host-fs.js';
import { isUuid } from '../protocol/formats.js';
import { readInterfaceMac } from './network/mac-address.js';

/** Serial numbers that firmware writes when it has none (compared lower-cased). */
const UNKNOWN_SERIALS = new Set([
  '',
  'unknown',
  'none',
  '(none)',
  '-',
  'default string',
  'not specified',
  'unspecified base board serial number',
  'unspecified system serial number',
  'pca_number.acc',
]);

const UNKNOWN_UUIDS = new Set(['', 'unknown', '00000000-0000-0000-0000-000000000000', '03000200-0400-0500-0006-000700080009']);

export const FALLBACK_HOST_ID = 'deaddead-dead-dead-dead-deaddeaddead';

/** md5 of the text, shown as a UUID (8-4-4-4-12); like upstream, no RFC 4122 version bits are set. */
export function md5Uuid(text: string): string {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type HostIdSource = 'board-serial' | 'product-uuid' | 'mac' | 'fallback';

/**
 * The stable host ID the agent registers with, by upstream's rules: the board serial's md5, else the
 * DMI product UUID, else the md5 of the lowest MAC address, else a fixed placeholder.
 */
export async function computeHostId(hostFs: HostFs): Promise<{ id: string; source: HostIdSource }> {
  const serial = (await hostFs.readTrimmed('/sys/class/dmi/id/board_serial')) ?? '';
  if (!UNKNOWN_SERIALS.has(serial.toLowerCase())) return { id: md5Uuid(serial), source: 'board-serial' };

  const uuid = ((await hostFs.readTrimmed('/sys/class/dmi/id/product_uuid')) ?? '').toLowerCase();
  if (!UNKNOWN_UUIDS.has(uuid) && isUuid(uuid) && uuid.includes('-')) return { id: uuid, source: 'product-uuid' };

  const macs = await listMacAddresses(hostFs);
  if (macs.length > 0) return { id: md5Uuid(macs[0] as string), source: 'mac' };
  return { id: FALLBACK_HOST_ID, source: 'fallback' };
}

/**
 * Hardware addresses of all interfaces, lower-case and sorted, each as the inventory reports it
 * (a bond slave by its permanent MAC); loopback's all-zero address is no address.
 */
export async function listMacAddresses(hostFs: HostFs): Promise<string[]> {
  const names = await hostFs.list('/sys/class/net');
  const macs = await Promise.all(names.map((name) => readInterfaceMac(hostFs, name)));
  return macs.filter((mac) => mac !== '').sort();
}
