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

// One inventory also reaches here under many records: each reply, refresh and store read makes a
// new record around the same text, and a 4,096-disk inventory takes tens of milliseconds to parse
// (bench/hostile.bench.mjs). The last few parses are kept by their text as well, within a budget.
const RECENT = { entries: 64, chars: 16 * 1024 * 1024 };
const recent = new Map<string, Inventory | undefined>();
let recentChars = 0;

function remember(text: string, parsed: Inventory | undefined): void {
  if (text.length > RECENT.chars) return;
  recent.set(text, parsed);
  recentChars += text.length;
  for (const [oldest] of recent) {
    if (recent.size <= RECENT.entries && recentChars <= RECENT.chars) break;
    recent.delete(oldest);
    recentChars -= oldest.length;
  }
}

/** The text an inventory is stored as; the first read of it then costs no parse. */
export function storedInventoryText(inventory: Inventory): string {
  const text = JSON.stringify(inventory);
  if (!recent.has(text)) remember(text, inventory);
  return text;
}

function parsedByText(text: string): Inventory | undefined {
  if (recent.has(text)) {
    const parsed = recent.get(text);
    // Most recently used last, so the oldest goes first.
    recent.delete(text);
    recent.set(text, parsed);
    return parsed;
  }
  const parsed = readStored(text, inventoryShape);
  remember(text, parsed);
  return parsed;
}

export function readInventory(host: HostRecord): Inventory | undefined {
  if (host.inventory === undefined) return undefined;
  const cached = inventories.get(host);
  if (cached && cached.text === host.inventory) return cached.parsed;
  const parsed = parsedByText(host.inventory);
  inventories.set(host, { text: host.inventory, parsed });
  return parsed;
}

/** The name the host will get: the operator's choice when there is one, else what the host reported. */
export function hostnameOf(host: HostRecord, inventory: Inventory | undefined = readInventory(host)): string | undefined {
  if (host.requestedHostname) return host.requestedHostname;
  return inventory?.hostname;
}
