import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createDispatcher } from '../../client/dispatcher.js';
import { OperatorClient } from '../../client/operator-client.js';
import type { ParsedArgs } from '../../cli/options.js';
import { ExitError, UsageError } from '../../errors.js';
import { age, renderTable } from './table.js';
import { terminalSafe } from '../../util/terminal-safe.js';
import { FIRMWARE_COMPONENTS, firmwareReport, firmwareRows, type FirmwareComponent } from './fleet/firmware-report.js';
import { describeQuery, findHosts, queryProblem, type HostQuery } from './fleet/host-find.js';
import { hostSections } from './fleet/host-sections.js';
import { fleetHost, hostLabel, readInventory } from './fleet/inventory-view.js';

type Wire = Record<string, unknown>;


function operatorToken(argv: ParsedArgs): string {
  const given = String(argv.token ?? '') || process.env.INBAND_ADMIN_TOKEN || '';
  if (given) return given;
  try {
    return readFileSync(path.join(String(argv['data-dir']), 'admin-token'), 'utf8').trim();
  } catch {
    return '';
  }
}

function client(argv: ParsedArgs): OperatorClient {
  return new OperatorClient({
    url: String(argv.server),
    token: operatorToken(argv),
    dispatcher: createDispatcher({ insecure: argv.insecure === true, cacertPath: String(argv.cacert ?? '') || undefined }),
  });
}

function print(argv: ParsedArgs, json: unknown, table: () => string): void {
  process.stdout.write(`${argv.json ? JSON.stringify(json, null, 2) : table()}\n`);
}

function parseJsonField<T>(value: unknown): T | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

function csv(value: unknown): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---- infra-env

/** The public keys of `--ssh-key FILE`; a private key given by mistake is refused before it leaves the machine. */
function readSshKeys(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExitError(`--ssh-key ${file}: ${(err as Error).message}`, 2);
  }
  if (/PRIVATE KEY/.test(text)) throw new ExitError(`--ssh-key ${file} is a private key; give the public one (${file}.pub)`, 2);
  const keys = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new ExitError(`--ssh-key ${file} holds no public key`, 2);
  return keys.join('\n');
}

export async function infraEnvCreate(argv: ParsedArgs): Promise<number> {
  const body: Wire = { name: String(argv.name) };
  if (argv['ssh-key']) body.ssh_authorized_key = readSshKeys(String(argv['ssh-key']));
  if (argv['ntp-sources']) body.ntp_sources = String(argv['ntp-sources']);
  if (argv['additional-ntp-sources']) body.additional_ntp_sources = String(argv['additional-ntp-sources']);
  const domains = csv(argv.domains);
  if (domains.length > 0) body.domains_to_resolve = domains;
  if (argv['api-vip-url']) body.api_vip_url = String(argv['api-vip-url']);
  const dhcp = [argv['dhcp-interface'], argv['api-vip-mac'], argv['ingress-vip-mac']].map((v) => String(v ?? ''));
  if (dhcp.some(Boolean)) {
    if (!dhcp.every(Boolean)) throw new ExitError('DHCP allocation needs all of --dhcp-interface, --api-vip-mac and --ingress-vip-mac', 2);
    body.dhcp_allocation = { interface: dhcp[0], api_vip_mac: dhcp[1], ingress_vip_mac: dhcp[2] };
  }
  const created = await client(argv).request<Wire>('POST', '/v2/infra-envs', body);
  print(argv, created, () => [infraEnvTable([created]), '', ...howToBoot(argv, created)].join('\n'));
  return 0;
}

/** The ways into discovery for an infra-env, with the URLs the service gave (they hold the download token). */
function howToBoot(argv: ParsedArgs, infraEnv: Wire): string[] {
  const urls = (infraEnv.discovery_urls ?? {}) as { ignition?: string; cloud_init?: string; ipxe_script?: string };
  return [
    'Boot hosts into discovery with one of these (the URLs carry the download token; keep them private):',
    `  Ignition (Fedora CoreOS / RHCOS live):  ${urls.ignition ?? '-'}`,
    `  cloud-init user-data (Ubuntu/Debian/RHEL): ${urls.cloud_init ?? '-'}`,
    `  iPXE script:                              ${urls.ipxe_script ?? '-'}`,
    `  or save one: inband infra-env discovery ${String(infraEnv.id)} --format ignition|cloud-init|ipxe --output FILE`,
    '',
    'Or start an agent by hand:',
    `  PULL_SECRET_TOKEN=${String(infraEnv.agent_token ?? '')} inband agent --url ${String(argv.server)} --infra-env-id ${String(infraEnv.id)}`,
  ];
}

const DISCOVERY_FORMATS: Record<string, string> = { ignition: 'discovery.ign', 'cloud-init': 'cloud-init', ipxe: 'ipxe-script' };

/** `infra-env discovery ID --format …`: a discovery file, to stdout or (mode 0600: it holds the agent token) to --output. */
export async function infraEnvDiscovery(argv: ParsedArgs): Promise<number> {
  const fileName = DISCOVERY_FORMATS[String(argv.format)];
  if (!fileName) throw new ExitError(`--format must be one of ${Object.keys(DISCOVERY_FORMATS).join(', ')}`, 2);
  const res = await client(argv).download(`/v2/infra-envs/${String(argv.id)}/downloads/files`, {
    file_name: fileName,
    agent_source: optional(argv['agent-source']),
  });
  const text = await res.text();
  const output = optional(argv.output);
  if (!output) {
    process.stdout.write(text);
    return 0;
  }
  writeFileSync(output, text, { mode: 0o600 });
  process.stdout.write(`saved ${output} (${text.length} bytes)\n`);
  return 0;
}

/** `infra-env rotate-token ID`: new agent and download tokens (or one of them), printed with the new URLs. */
export async function infraEnvRotateToken(argv: ParsedArgs): Promise<number> {
  const only = optional(argv.only);
  if (only && only !== 'agent' && only !== 'download') throw new ExitError('--only must be agent or download', 2);
  const c = client(argv);
  const base = `/v2/infra-envs/${String(argv.id)}/actions`;
  let infraEnv: Wire | undefined;
  if (only !== 'download') infraEnv = await c.request<Wire>('POST', `${base}/rotate-agent-token`);
  if (only !== 'agent') {
    const validFor = optional(argv['valid-for']);
    infraEnv = await c.request<Wire>('POST', `${base}/rotate-download-token`, validFor ? { valid_for_seconds: durationSeconds(validFor) } : {});
  }
  const rotated = infraEnv as Wire;
  print(argv, rotated, () =>
    [
      ...(only !== 'download' ? [`new agent token: ${String(rotated.agent_token)} (agents started with the old one are refused from their next request)`] : []),
      ...(only !== 'agent'
        ? [`new download token: ${String(rotated.download_token)}${rotated.download_token_expires_at ? `, valid until ${String(rotated.download_token_expires_at)}` : ''} (URLs with the old one stop working)`]
        : []),
      '',
      ...howToBoot(argv, rotated),
    ].join('\n'),
  );
  return 0;
}

/** `90s`, `30m`, `12h`, `7d`, or plain seconds. */
export function durationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new ExitError(`${JSON.stringify(text)} is not a duration (e.g. 3600, 30m, 12h, 7d)`, 2);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function infraEnvTable(infraEnvs: Wire[]): string {
  return renderTable(
    ['ID', 'NAME', 'NTP SOURCES', 'DOMAINS', 'CREATED'],
    infraEnvs.map((ie) => [
      String(ie.id),
      String(ie.name),
      String(ie.ntp_sources ?? ie.additional_ntp_sources ?? '-'),
      Array.isArray(ie.domains_to_resolve) ? ie.domains_to_resolve.join(',') : '-',
      age(ie.created_at as string | undefined),
    ]),
  );
}

export async function infraEnvList(argv: ParsedArgs): Promise<number> {
  const list = await client(argv).request<Wire[]>('GET', '/v2/infra-envs');
  print(argv, list, () => infraEnvTable(list));
  return 0;
}

export async function infraEnvDelete(argv: ParsedArgs): Promise<number> {
  await client(argv).request('DELETE', `/v2/infra-envs/${String(argv.id)}`);
  if (!argv.json) process.stdout.write(`deleted infra-env ${String(argv.id)}\n`);
  return 0;
}

// ---- hosts

interface InventorySummary {
  hostname?: string;
  cpu?: { count?: number };
  memory?: { physical_bytes?: number; usable_bytes?: number };
  disks?: { name?: string; size_bytes?: number; drive_type?: string; installation_eligibility?: { eligible?: boolean; not_eligible_reasons?: string[] | null } }[];
  interfaces?: { name?: string; mac_address?: string; ipv4_addresses?: string[]; ipv6_addresses?: string[]; type?: string }[];
  system_vendor?: { manufacturer?: string; product_name?: string; virtual?: boolean };
}

const GIB = 1024 ** 3;

async function hostsOf(c: OperatorClient, infraEnvId: string | undefined): Promise<Wire[]> {
  const ids = infraEnvId ? [infraEnvId] : (await c.request<Wire[]>('GET', '/v2/infra-envs')).map((ie) => String(ie.id));
  const lists = await Promise.all(ids.map((id) => c.request<Wire[]>('GET', `/v2/infra-envs/${id}/hosts`)));
  return lists.flat();
}

function hostRow(host: Wire): string[] {
  const inventory = parseJsonField<InventorySummary>(host.inventory) ?? {};
  const disks = inventory.disks ?? [];
  const eligible = disks.filter((d) => d.installation_eligibility?.eligible).length;
  return [
    String(host.id),
    inventory.hostname ?? '-',
    String(host.status),
    inventory.cpu?.count !== undefined ? String(inventory.cpu.count) : '-',
    inventory.memory?.physical_bytes !== undefined ? `${(inventory.memory.physical_bytes / GIB).toFixed(1)} GiB` : '-',
    inventory.disks ? `${eligible}/${disks.length}` : '-',
    age(host.checked_in_at as string | undefined),
    String(host.infra_env_id),
  ];
}

export async function hostsList(argv: ParsedArgs): Promise<number> {
  const hosts = await hostsOf(client(argv), optional(argv['infra-env-id']));
  print(argv, hosts, () => renderTable(['ID', 'HOSTNAME', 'STATUS', 'CPUS', 'MEMORY', 'ELIGIBLE DISKS', 'CHECKED IN', 'INFRA-ENV'], hosts.map(hostRow)));
  return 0;
}

function optional(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function findHost(c: OperatorClient, hostId: string, infraEnvId: string | undefined): Promise<Wire> {
  if (infraEnvId) return c.request<Wire>('GET', `/v2/infra-envs/${infraEnvId}/hosts/${hostId}`);
  const found = (await hostsOf(c, undefined)).find((h) => h.id === hostId);
  if (!found) throw new ExitError(`host ${hostId} is not registered in any infra-env`, 1);
  return found;
}

export async function hostsShow(argv: ParsedArgs): Promise<number> {
  const c = client(argv);
  const host = await findHost(c, String(argv.host), optional(argv['infra-env-id']));
  const results = await c.request<Wire[]>('GET', `/v2/infra-envs/${String(host.infra_env_id)}/hosts/${String(host.id)}/step-results`);
  print(argv, { host, step_results: results }, () => describeHost(host, results));
  return 0;
}

function describeHost(host: Wire, results: Wire[]): string {
  const inventory = parseJsonField<InventorySummary>(host.inventory);
  const validations = parseJsonField<Record<string, { id: string; status: string; message: string }[]>>(host.validations_info) ?? {};
  // Lines outside tables carry agent-sent text too: each is made terminal-safe as it is written.
  const text = (value: unknown): string => terminalSafe(String(value ?? ''));
  const lines = [
    `Host ${text(host.id)}${inventory?.hostname ? ` (${text(inventory.hostname)})` : ''}`,
    `  status:      ${text(host.status)} — ${text(host.status_info)}`,
    `  infra-env:   ${text(host.infra_env_id)}`,
    `  checked in:  ${age(host.checked_in_at as string | undefined)}, agent ${text(host.discovery_agent_version ?? '-')}`,
  ];
  if (inventory) {
    const vendor = inventory.system_vendor;
    lines.push(
      `  system:      ${text([vendor?.manufacturer, vendor?.product_name].filter(Boolean).join(' ') || '-')}${vendor?.virtual ? ' (virtual)' : ''}`,
      `  cpu:         ${inventory.cpu?.count ?? '-'} cores`,
      `  memory:      ${((inventory.memory?.physical_bytes ?? 0) / GIB).toFixed(1)} GiB physical, ${((inventory.memory?.usable_bytes ?? 0) / GIB).toFixed(1)} GiB usable`,
      '',
      renderTable(
        ['DISK', 'SIZE', 'TYPE', 'ELIGIBLE'],
        (inventory.disks ?? []).map((d) => [
          d.name ?? '-',
          `${((d.size_bytes ?? 0) / 1e9).toFixed(0)} GB`,
          d.drive_type ?? '-',
          d.installation_eligibility?.eligible ? 'yes' : `no: ${(d.installation_eligibility?.not_eligible_reasons ?? []).join('; ')}`,
        ]),
      ),
      '',
      renderTable(
        ['INTERFACE', 'TYPE', 'MAC', 'ADDRESSES'],
        (inventory.interfaces ?? []).map((i) => [i.name ?? '-', i.type ?? '-', i.mac_address ?? '-', [...(i.ipv4_addresses ?? []), ...(i.ipv6_addresses ?? [])].join(' ') || '-']),
      ),
    );
    // inband's extensions: neighbours, NUMA, PCI, memory modules, firmware.
    const view = readInventory(host.inventory);
    for (const section of view ? hostSections(view) : []) lines.push('', section);
  }
  const rows = Object.entries(validations).flatMap(([category, list]) => list.map((v) => [category, v.id, v.status, v.message]));
  if (rows.length > 0) lines.push('', renderTable(['CATEGORY', 'VALIDATION', 'STATUS', 'MESSAGE'], rows));
  if (results.length > 0) {
    lines.push(
      '',
      renderTable(
        ['STEP', 'EXIT', 'RECEIVED', 'ERROR'],
        results.map((r) => [String(r.step_type), String(r.exit_code), age(r.received_at as string), String(r.error ?? '').split('\n')[0] ?? '']),
      ),
    );
  }
  return lines.join('\n');
}

/** The one query `hosts find` was given; usage errors name the flags. */
export function hostQuery(argv: ParsedArgs): HostQuery {
  const given = (['switch', 'mac', 'ip', 'serial'] as const).filter((flag) => optional(argv[flag]) !== undefined);
  const port = optional(argv.port);
  if (given.length !== 1) throw new UsageError('hosts find: give exactly one of --switch NAME [--port P], --mac M, --ip A, --serial S');
  if (port !== undefined && given[0] !== 'switch') throw new UsageError('hosts find: --port goes with --switch');
  const value = String(argv[given[0] as string]);
  const query: HostQuery =
    given[0] === 'switch' ? { switch: value, ...(port !== undefined && { port }) } : given[0] === 'mac' ? { mac: value } : given[0] === 'ip' ? { ip: value } : { serial: value };
  const problem = queryProblem(query);
  if (problem) throw new UsageError(`hosts find: ${problem}`);
  return query;
}

/**
 * `hosts find`: which host is on that switch port, or has that MAC, address or serial. Runs here
 * over the operator API's host lists (the inventories are in them), so the service has no query
 * route to harden and the console can answer the same from the same API.
 */
export async function hostsFind(argv: ParsedArgs): Promise<number> {
  const query = hostQuery(argv);
  const hosts = (await hostsOf(client(argv), optional(argv['infra-env-id']))).map(fleetHost);
  const matches = findHosts(hosts, query);
  print(
    argv,
    matches.map((m) => ({ host_id: m.host.id, infra_env_id: m.host.infraEnvId, hostname: m.host.inventory?.hostname ?? '', status: m.host.status, where: m.where })),
    () => renderTable(['ID', 'HOSTNAME', 'STATUS', 'WHERE', 'INFRA-ENV'], matches.map((m) => [m.host.id, hostLabel(m.host), m.host.status, m.where, m.host.infraEnvId])),
  );
  if (matches.length === 0) {
    process.stderr.write(`no host found with ${terminalSafe(describeQuery(query))} (among ${hosts.length} hosts)\n`);
    return 1;
  }
  return 0;
}

/** `hosts firmware [--component …]`: versions across hosts by component and model, the odd ones marked. */
export async function hostsFirmware(argv: ParsedArgs): Promise<number> {
  const component = optional(argv.component);
  if (component !== undefined && !(FIRMWARE_COMPONENTS as readonly string[]).includes(component)) {
    throw new UsageError(`hosts firmware: --component must be one of ${FIRMWARE_COMPONENTS.join(', ')}`);
  }
  const hosts = (await hostsOf(client(argv), optional(argv['infra-env-id']))).map(fleetHost);
  const groups = firmwareReport(hosts, component as FirmwareComponent | undefined);
  print(argv, groups, () =>
    groups.length === 0 ? `no firmware versions reported${component ? ` for ${component}` : ''} (among ${hosts.length} hosts)` : renderTable(['COMPONENT', 'MODEL', 'VERSION', 'COUNT', 'NOTE', 'HOSTS'], firmwareRows(groups)),
  );
  return 0;
}

export async function hostsLogs(argv: ParsedArgs): Promise<number> {
  const c = client(argv);
  const host = await findHost(c, String(argv.host), optional(argv['infra-env-id']));
  const base = `/v2/infra-envs/${String(host.infra_env_id)}/hosts/${String(host.id)}`;
  if (argv.request) {
    await c.request('POST', `${base}/logs-request`);
    const id = terminalSafe(String(host.id));
    process.stdout.write(`requested logs from host ${id}; they arrive after its next poll (see: inband events --host-id ${id})\n`);
    return 0;
  }
  const output = String(argv.output || `logs_host_${String(host.id)}.tar.gz`);
  const res = await c.download(`${base}/logs`);
  if (!res.body) throw new ExitError('the service sent an empty answer', 1);
  await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), createWriteStream(output));
  process.stdout.write(`saved ${terminalSafe(output)}\n`);
  return 0;
}

// ---- events

export async function eventsList(argv: ParsedArgs): Promise<number> {
  const events = await client(argv).request<Wire[]>('GET', '/v2/events', undefined, {
    infra_env_id: optional(argv['infra-env-id']),
    host_id: optional(argv['host-id']),
    limit: String(argv.limit),
    order: 'descending',
  });
  events.reverse();
  print(argv, events, () =>
    renderTable(
      ['TIME', 'SEVERITY', 'MESSAGE'],
      events.map((e) => [String(e.event_time), String(e.severity), String(e.message)]),
    ),
  );
  return 0;
}
