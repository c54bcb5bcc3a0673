// Neighbours as a running lldpd knows them, from `lldpcli -f json0 show neighbors details`.
// json0 keeps every element a list (`"name": [{"value": "sw1"}]`), so one neighbour and many look
// alike, which the plain json format does not guarantee.
import type { LldpIdSubtype, LldpNeighbor, LldpVlan } from '../extensions.js';
import type { HostTools } from '../host-tools.js';
import { MAX_LLDPCLI_OUTPUT_BYTES, MAX_MANAGEMENT_ADDRESSES, MAX_NEIGHBOURS_PER_NIC, MAX_STRING_LENGTH, MAX_VLANS } from './limits.js';

const LLDPCLI_TIMEOUT_MS = 5_000;

/** lldpcli's names for ID subtypes; "unhandled" is what it says for the component subtypes. */
const SUBTYPES: Record<string, LldpIdSubtype> = {
  mac: 'mac',
  ip: 'ip',
  ifname: 'ifname',
  ifalias: 'interface-alias',
  local: 'local',
};

/**
 * Asks lldpd through lldpcli. Undefined when lldpcli is missing or no lldpd answers on the socket
 * (lldpcli exits non-zero: "unable to connect to socket"): the caller falls back on its listener.
 */
export async function readLldpd(tools: HostTools, socket: string | undefined, nowMs: number): Promise<Map<string, LldpNeighbor[]> | undefined> {
  const args = [...(socket ? ['-u', socket] : []), '-f', 'json0', 'show', 'neighbors', 'details'];
  const result = await tools.run('lldpcli', args, LLDPCLI_TIMEOUT_MS);
  if (result.exitCode !== 0 || result.stdout.length > MAX_LLDPCLI_OUTPUT_BYTES) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(result.stdout);
  } catch {
    return undefined;
  }
  return parseLldpcliNeighbours(document, nowMs);
}

type Json = Record<string, unknown>;

/** The json0 document as neighbours per local interface; anything not shaped as lldpcli writes it is skipped. */
export function parseLldpcliNeighbours(document: unknown, nowMs: number): Map<string, LldpNeighbor[]> {
  const out = new Map<string, LldpNeighbor[]>();
  for (const lldp of list(record(document)?.lldp)) {
    for (const iface of list(record(lldp)?.interface)) {
      const entry = record(iface);
      if (!entry) continue;
      const nic = text(entry.name);
      // Neighbours lldpd heard through CDP, EDP, FDP or SONMP are not LLDP ones.
      if (!nic || text(entry.via) !== 'LLDP') continue;
      const neighbour = neighbourOf(entry, nowMs);
      if (!neighbour) continue;
      const known = out.get(nic) ?? [];
      if (known.length >= MAX_NEIGHBOURS_PER_NIC) continue;
      known.push(neighbour);
      out.set(nic, known);
    }
  }
  return out;
}

function neighbourOf(entry: Json, nowMs: number): LldpNeighbor | undefined {
  const chassis = record(list(entry.chassis)[0]);
  const port = record(list(entry.port)[0]);
  if (!chassis || !port) return undefined;
  const chassisId = record(list(chassis.id)[0]);
  const portId = record(list(port.id)[0]);
  // lldpd 1.0 puts the TTL under the port, older releases under the chassis.
  const ttl = integer(value(port.ttl) ?? value(chassis.ttl));
  const vlans: LldpVlan[] = [];
  let nativeVlan: number | undefined;
  for (const item of list(entry.vlan)) {
    const vlan = record(item);
    const id = integer(vlan?.['vlan-id']);
    if (!vlan || id === undefined) continue;
    if (vlan.pvid === true) nativeVlan = id;
    // A port VLAN ID that came without a VLAN name TLV is listed with no value.
    const name = text(vlan.value);
    if (name !== undefined && vlans.length < MAX_VLANS) vlans.push({ id, name });
  }
  const aggregatedPort = integer(value(port.aggregation));
  const maxFrameSize = integer(value(port.mfs));
  const neighbour: LldpNeighbor = {
    chassis_id: text(chassisId?.value) ?? '',
    chassis_id_subtype: subtype(chassisId?.type),
    port_id: text(portId?.value) ?? '',
    port_id_subtype: subtype(portId?.type),
    port_description: text(value(port.descr)) ?? '',
    system_name: text(value(chassis.name)) ?? '',
    system_description: text(value(chassis.descr)) ?? '',
    management_addresses: list(chassis['mgmt-ip'])
      .map((item) => text(record(item)?.value))
      .filter((address): address is string => address !== undefined)
      .slice(0, MAX_MANAGEMENT_ADDRESSES),
    vlans,
    ttl_seconds: ttl ?? 0,
    // lldpd's "age" counts from the neighbour's last change, which is what seen_at means.
    seen_at: new Date(nowMs - ageSeconds(text(entry.age)) * 1000).toISOString(),
    source: 'lldpd',
  };
  if (nativeVlan !== undefined) neighbour.native_vlan = nativeVlan;
  // lldpd keeps the aggregated port ID only when the neighbour says aggregation is enabled.
  if (aggregatedPort !== undefined && aggregatedPort > 0) neighbour.link_aggregation = { capable: true, enabled: true, port_id: aggregatedPort };
  if (maxFrameSize !== undefined && maxFrameSize > 0) neighbour.max_frame_size = maxFrameSize;
  return neighbour;
}

/** lldpcli's "N day, HH:MM:SS" (or "N days, …"). */
export function ageSeconds(age: string | undefined): number {
  const match = /^(\d+) days?, (\d+):(\d{2}):(\d{2})$/.exec(age ?? '');
  if (!match) return 0;
  const [days = 0, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map(Number);
  return days * 86_400 + hours * 3600 + minutes * 60 + seconds;
}

function subtype(name: unknown): LldpIdSubtype {
  return SUBTYPES[String(name)] ?? 'unknown';
}

function record(item: unknown): Json | undefined {
  return item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Json) : undefined;
}

function list(item: unknown): unknown[] {
  return Array.isArray(item) ? item : [];
}

/** The value of a json0 `[{"value": …}]` element. */
function value(item: unknown): unknown {
  return record(list(item)[0])?.value;
}

function text(item: unknown): string | undefined {
  if (typeof item !== 'string') return undefined;
  return item.length > MAX_STRING_LENGTH ? item.slice(0, MAX_STRING_LENGTH) : item;
}

function integer(item: unknown): number | undefined {
  const parsed = typeof item === 'number' ? item : typeof item === 'string' && /^\d{1,10}$/.test(item) ? Number(item) : Number.NaN;
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}
