/**
 * Reading back the step results a host record stores as JSON strings. They were re-serialised by
 * replies.ts, but records also come from older versions and tests, so unreadable data counts as
 * absent instead of throwing in the middle of a refresh.
 */
import type { HostRecord } from '../model.js';
import { type Decoder, parseJson } from './json-shape.js';
import { type Inventory, inventory as inventoryShape } from './responses.js';

export function readStored<T>(text: string | undefined, decode: Decoder<T>): T | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return parseJson(text, decode);
  } catch {
    return undefined;
  }
}

// Peers are read on every refresh of every host of an infra-env; parsing each peer's inventory
// again each time would make a refresh cost O(peers × inventory size). Records are replaced, not
// mutated, so a record's inventory string identifies the parse.
const inventories = new WeakMap<HostRecord, { text: string; parsed: Inventory | undefined }>();

export function readInventory(host: HostRecord): Inventory | undefined {
  if (host.inventory === undefined) return undefined;
  const cached = inventories.get(host);
  if (cached && cached.text === host.inventory) return cached.parsed;
  const parsed = readStored(host.inventory, inventoryShape);
  inventories.set(host, { text: host.inventory, parsed });
  return parsed;
}

/** The name the host will get: the operator's choice when there is one, else what the host reported. */
export function hostnameOf(host: HostRecord, inventory: Inventory | undefined = readInventory(host)): string | undefined {
  if (host.requestedHostname) return host.requestedHostname;
  return inventory?.hostname;
}
