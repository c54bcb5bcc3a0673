/**
 * LLDP on real frames: a "switch" namespace runs lldpd (Debian's) with a configured system name,
 * port ID and description, management address and VLAN, cabled by one veth to a "host" namespace
 * where the agent runs. The host reports exactly those values through both sources: a second lldpd
 * on its side (lldpcli), and its own listener (tcpdump + the TypeScript decoder) with no lldpd
 * there. A switch that stops sending disappears from the agent's inventory after its TTL.
 *
 * Every lldpd has its own control socket and pid file in this file's temp dir, so a host lldpd (if
 * the machine runs one) is never touched. This kernel has no 802.1Q module, so the switch's VLAN is
 * configured the way lldpd allows without one: as its own custom 802.1/802.3 TLVs.
 */
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/temp-dir.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { BINARY } from './support/build.js';
import { Topology } from './support/netns.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const TOKEN = 'lldp-operator-token';
const PORT = 18091;
const SWITCH_MAC = '52:54:00:0c:12:01';
const TTL_SECONDS = 4;

/** What the switch is configured to send, as the inventory must report it (source and seen_at aside). */
const EXPECTED = {
  chassis_id: SWITCH_MAC,
  chassis_id_subtype: 'mac',
  port_id: 'Ethernet1/12',
  port_id_subtype: 'local',
  port_description: 'uplink to rack 12 host a',
  system_name: 'sw1.rack12.example.com',
  system_description: 'inband test switch 1.0',
  management_addresses: ['192.0.2.1'],
  native_vlan: 100,
  vlans: [{ id: 100, name: 'prov-100' }],
  link_aggregation: { capable: true, enabled: true, port_id: 7 },
  max_frame_size: 9216,
  ttl_seconds: TTL_SECONDS,
};

const SWITCH_CONFIG = `
configure system hostname sw1.rack12.example.com
configure system description "inband test switch 1.0"
configure system interface pattern swp1
configure system ip management pattern 192.0.2.1
configure ports swp1 lldp portidsubtype local Ethernet1/12 description "uplink to rack 12 host a"
configure lldp tx-interval 1
configure lldp tx-hold ${TTL_SECONDS}
configure lldp custom-tlv add oui 00,80,c2 subtype 1 oui-info 00,64
configure lldp custom-tlv add oui 00,80,c2 subtype 3 oui-info 00,64,08,70,72,6f,76,2d,31,30,30
configure lldp custom-tlv add oui 00,12,0f subtype 4 oui-info 24,00
configure lldp custom-tlv add oui 00,12,0f subtype 3 oui-info 03,00,00,00,07
`;

let topology: Topology;
let dir = '';
let switchNs = '';
let hostNs = '';

interface Neighbour {
  source: string;
  seen_at: string;
  [field: string]: unknown;
}
interface InventoryDoc {
  interfaces: { name: string; lldp?: Neighbour[] }[];
}

async function inNamespace(netns: string, file: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', netns, file, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** lldpd in a namespace with its own socket, pid file and configuration, in the foreground. */
function startLldpd(netns: string, name: string, config: string, extra: string[] = []): { process: AgentProcess; socket: string } {
  const socket = path.join(dir, `${name}.socket`);
  const configFile = path.join(dir, `${name}.conf`);
  writeFileSync(configFile, config);
  const process = startAgent(['netns', 'exec', netns, 'lldpd', '-d', '-u', socket, '-p', path.join(dir, `${name}.pid`), '-O', configFile, ...extra], {}, 'ip');
  return { process, socket };
}

/** The pids of everything running in a namespace (lldpd forks a privilege-separated child). */
async function pidsIn(netns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', netns], { timeout: 10_000 }).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

async function commandOf(pid: number): Promise<string> {
  const { stdout } = await run('ps', ['-o', 'args=', '-p', String(pid)], { timeout: 10_000 }).catch(() => ({ stdout: '' }));
  return stdout.trim();
}

function eth0(doc: InventoryDoc): Neighbour[] | undefined {
  return doc.interfaces.find((nic) => nic.name === 'eth0')?.lldp;
}

function withoutReceiptFields(neighbour: Neighbour): Record<string, unknown> {
  const { source: _source, seen_at: _seenAt, ...rest } = neighbour;
  return rest;
}

describe('LLDP neighbours on real frames', () => {
  beforeAll(async () => {
    topology = await Topology.createPair({
      prefix: 'lldp',
      hosts: [
        { name: 'sw', ifname: 'swp1', mac: SWITCH_MAC, addresses: ['192.0.2.1/24'] },
        { name: 'host', ifname: 'eth0', addresses: ['192.0.2.10/24'] },
      ],
    });
    switchNs = topology.host('sw').netns;
    hostNs = topology.host('host').netns;
    dir = tempDir('lldp');
    // lldpd runs lldpcli on its configuration as its unprivileged user, which must reach the socket.
    chmodSync(dir, 0o711);
    const sw = startLldpd(switchNs, 'switch', SWITCH_CONFIG);
    await sw.process.waitForOutput('stderr', /lldpd should resume operations/, 20_000);
  }, 60_000);

  afterAll(async () => {
    // lldpd's privilege-separated child outlives a killed parent and holds its output pipe: end
    // each process this file started in its namespaces, by pid (frozen ones too), then the rest.
    for (const netns of [switchNs, hostNs]) for (const pid of await pidsIn(netns)) process.kill(pid, 'SIGKILL');
    await stopAllAgents();
    await topology?.destroy();
  });

  it('through lldpcli: a second lldpd on the host side', async () => {
    const host = startLldpd(hostNs, 'host', 'configure system interface pattern eth0\n', ['-r']);
    await waitFor(
      'the host lldpd to hear the switch',
      async () => {
        const shown = await inNamespace(hostNs, 'lldpcli', ['-u', host.socket, '-f', 'json0', 'show', 'neighbors', 'details']);
        return shown.stdout.includes('Ethernet1/12') && shown.stdout.includes('prov-100') ? true : undefined;
      },
      20_000,
      () => host.process.describe(),
    );
    const listed = await inNamespace(hostNs, BINARY, ['inventory', '--with-journal-logging=false', '--lldpd-socket', host.socket]);
    expect(listed.code, listed.stderr).toBe(0);
    const neighbours = eth0(JSON.parse(listed.stdout) as InventoryDoc);
    expect(neighbours).toHaveLength(1);
    const [neighbour] = neighbours as [Neighbour];
    expect(neighbour.source).toBe('lldpd');
    expect(withoutReceiptFields(neighbour)).toEqual(EXPECTED);
    expect(Date.now() - Date.parse(neighbour.seen_at)).toBeLessThan(60_000);

    const off = await inNamespace(hostNs, BINARY, ['inventory', '--with-journal-logging=false', '--lldpd-socket', host.socket, '--no-lldp']);
    expect(off.code, off.stderr).toBe(0);
    expect(eth0(JSON.parse(off.stdout) as InventoryDoc)).toBeUndefined();
    await host.process.stop();
  }, 60_000);

  it('through its own listener: `inventory --lldp-wait` returns as soon as every NIC heard its neighbour', async () => {
    // A socket nobody serves: lldpcli cannot answer, so the listener's view is the one reported.
    const noLldpd = ['--lldpd-socket', path.join(dir, 'nobody.socket'), '--lldp-interfaces', 'eth0'];
    const started = Date.now();
    const listed = await inNamespace(hostNs, BINARY, ['inventory', '--with-journal-logging=false', '--lldp-wait', '30s', ...noLldpd]);
    const tookMs = Date.now() - started;
    expect(listed.code, listed.stderr).toBe(0);
    const neighbours = eth0(JSON.parse(listed.stdout) as InventoryDoc);
    expect(neighbours).toHaveLength(1);
    const [neighbour] = neighbours as [Neighbour];
    expect(neighbour.source).toBe('listener');
    expect(withoutReceiptFields(neighbour)).toEqual(EXPECTED);
    expect(tookMs).toBeLessThan(15_000);
    // Without --lldp-wait the stand-alone inventory does not listen, and no lldpd answers.
    const quick = await inNamespace(hostNs, BINARY, ['inventory', '--with-journal-logging=false', ...noLldpd]);
    expect(eth0(JSON.parse(quick.stdout) as InventoryDoc)).toBeUndefined();
  }, 60_000);

  it('the agent listens from its start, reports the switch, drops it after its TTL, and stops its captures', async () => {
    const dataDir = tempDir('lldp-serve');
    const server = `http://127.0.0.1:${PORT}`;
    const ops = ['--server', server, '--token', TOKEN];
    const serve = startAgent(['netns', 'exec', hostNs, BINARY, 'serve', '--listen', `127.0.0.1:${PORT}`, '--data-dir', dataDir, '--admin-token', TOKEN, '--poll-interval', '1'], {}, 'ip');
    await serve.waitForOutput('stderr', /serving on/, 30_000);
    const created = await inNamespace(hostNs, BINARY, ['infra-env', 'create', '--name', 'lldp', ...ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };
    const agent = startAgent(
      [
        'netns', 'exec', hostNs, BINARY, 'agent', '--url', server, '--infra-env-id', infraEnv.id, '--interval', '1',
        '--with-journal-logging=false', '--with-stdout-logging=true',
        '--lldp-interfaces', 'eth0', '--lldpd-socket', path.join(dir, 'nobody.socket'),
      ],
      { PULL_SECRET_TOKEN: infraEnv.agent_token },
      'ip',
    );
    const context = (): string => `${agent.describe()}\n${serve.describe()}`;

    /** The last inventory the agent posted, as the service recorded the step reply. */
    const latestInventory = async (): Promise<InventoryDoc | undefined> => {
      const hosts = JSON.parse((await inNamespace(hostNs, BINARY, ['hosts', 'list', ...ops, '--json'])).stdout) as { id: string }[];
      const hostId = hosts[0]?.id;
      if (!hostId) return undefined;
      const shown = JSON.parse((await inNamespace(hostNs, BINARY, ['hosts', 'show', hostId, ...ops, '--json'])).stdout) as {
        step_results: { step_type: string; output: string; exit_code?: number }[];
      };
      const inventories = shown.step_results.filter((r) => r.step_type === 'inventory' && !r.exit_code);
      const last = inventories[inventories.length - 1];
      return last ? (JSON.parse(last.output) as InventoryDoc) : undefined;
    };

    const reported = await waitFor('an inventory with the switch', async () => {
      const doc = await latestInventory();
      return doc && eth0(doc)?.length ? doc : undefined;
    }, 60_000, context);
    const [neighbour] = eth0(reported) as [Neighbour];
    expect(neighbour.source).toBe('listener');
    expect(withoutReceiptFields(neighbour)).toEqual(EXPECTED);
    const captures = async (): Promise<string[]> => {
      const commands = await Promise.all((await pidsIn(hostNs)).map(commandOf));
      return commands.filter((command) => command.startsWith('tcpdump'));
    };
    expect(await captures()).toEqual([expect.stringMatching(/^tcpdump .*-i eth0 ether proto 0x88cc$/)]);

    // The switch falls silent without a goodbye frame (frozen, as a crashed switch would be).
    const frozenAt = Date.now();
    for (const pid of await pidsIn(switchNs)) process.kill(pid, 'SIGSTOP');
    const gone = await waitFor('an inventory without the switch', async () => {
      const doc = await latestInventory();
      return doc && eth0(doc) === undefined ? doc : undefined;
    }, 30_000, context);
    expect(gone.interfaces.find((nic) => nic.name === 'eth0')).toBeDefined();
    // Not before the TTL the last frame carried (at most a second before the freeze) had run out.
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual((TTL_SECONDS - 1) * 1000);

    const stopped = await agent.stop();
    expect(stopped.code).toBe(0);
    expect(await captures()).toEqual([]);
    await serve.stop();
  }, 120_000);
});
