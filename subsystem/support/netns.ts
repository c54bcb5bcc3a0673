/**
 * Test topologies of real network namespaces: "hosts" (namespaces) joined by veth pairs to a
 * bridge that lives in a "switch" namespace of its own, with addresses from the documentation
 * ranges (198.18.0.0/15, 2001:db8::/32). Nothing touches the machine's own interfaces, and every
 * namespace a topology made is deleted again: by destroy(), on process exit, and — for leftovers
 * of a run that was killed — when the next topology with the same prefix is created.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IP_TIMEOUT_MS = 10_000;

export interface HostSpec {
  /** Short name; the namespace is <prefix>-<name>. */
  name: string;
  /** Addresses with prefix length, e.g. "198.18.0.10/24" or "2001:db8::10/64". */
  addresses?: string[];
  /** Interface name inside the host namespace. */
  ifname?: string;
  mac?: string;
  mtu?: number;
  /** Leave the link down: a host that is "unplugged". */
  down?: boolean;
}

export interface TopologySpec {
  /** Namespace name prefix; unique per test file so parallel files never collide. */
  prefix: string;
  hosts: HostSpec[];
  /** MTU of the bridge and the switch side of every veth (defaults to the largest host MTU). */
  bridgeMtu?: number;
}

export interface TopologyHost {
  name: string;
  netns: string;
  ifname: string;
  mac: string;
  addresses: string[];
}

async function ip(args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: IP_TIMEOUT_MS });
  return stdout;
}

async function tryIp(args: string[]): Promise<void> {
  await run('ip', args, { timeout: IP_TIMEOUT_MS }).catch(() => undefined);
}

const created = new Set<string>();
process.once('exit', () => {
  // Synchronous last resort: the process is going away and async work would not run.
  for (const ns of created) spawn('ip', ['netns', 'del', ns], { stdio: 'ignore', detached: true }).unref();
});

export async function deleteNamespacesWithPrefix(prefix: string): Promise<void> {
  const listed = await ip(['netns', 'list']).catch(() => '');
  const names = listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${prefix}-`));
  await Promise.all(names.map((name) => tryIp(['netns', 'del', name])));
}

/**
 * INBAND_NETNS_TAG, when set, goes in front of every prefix, so two checkouts running the same
 * suites at once on one machine never delete each other's namespaces.
 */
export function namespacePrefix(prefix: string): string {
  const tag = process.env.INBAND_NETNS_TAG ?? '';
  if (!/^[a-z0-9]{0,6}$/.test(tag)) throw new Error(`INBAND_NETNS_TAG ${JSON.stringify(tag)}: up to 6 lower-case letters or digits`);
  return `${tag}${prefix}`;
}

export class Topology {
  readonly hosts = new Map<string, TopologyHost>();
  private readonly namespaces: string[] = [];
  private readonly background: ChildProcess[] = [];

  private constructor(readonly prefix: string) {}

  get switchNs(): string {
    return `${this.prefix}-sw`;
  }

  static async create(spec: TopologySpec): Promise<Topology> {
    if (!/^[a-z][a-z0-9-]{1,20}$/.test(spec.prefix)) throw new Error(`bad topology prefix ${spec.prefix}`);
    const prefix = namespacePrefix(spec.prefix);
    await deleteNamespacesWithPrefix(prefix);
    const topology = new Topology(prefix);
    try {
      await topology.build(spec);
    } catch (err) {
      await topology.destroy();
      throw err;
    }
    return topology;
  }

  /**
   * Two hosts cabled straight to each other: one veth, no switch namespace. Link-local protocols
   * that a Linux bridge does not forward (LLDP) reach the other end, as on a cable to a switch port.
   */
  static async createPair(spec: { prefix: string; hosts: [HostSpec, HostSpec] }): Promise<Topology> {
    if (!/^[a-z][a-z0-9-]{1,20}$/.test(spec.prefix)) throw new Error(`bad topology prefix ${spec.prefix}`);
    const prefix = namespacePrefix(spec.prefix);
    await deleteNamespacesWithPrefix(prefix);
    const topology = new Topology(prefix);
    try {
      await topology.buildPair(spec.hosts);
    } catch (err) {
      await topology.destroy();
      throw err;
    }
    return topology;
  }

  host(name: string): TopologyHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} in topology ${this.prefix}`);
    return host;
  }

  private async addNamespace(name: string): Promise<void> {
    await ip(['netns', 'add', name]);
    created.add(name);
    this.namespaces.push(name);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  }

  private async build(spec: TopologySpec): Promise<void> {
    const mtu = spec.bridgeMtu ?? Math.max(1500, ...spec.hosts.map((h) => h.mtu ?? 1500));
    await this.addNamespace(this.switchNs);
    await ip(['-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', this.switchNs, 'link', 'set', 'br0', 'mtu', String(mtu), 'up']);
    for (const [index, hostSpec] of spec.hosts.entries()) {
      const netns = `${this.prefix}-${hostSpec.name}`;
      const ifname = hostSpec.ifname ?? 'eth0';
      await this.addNamespace(netns);
      const port = `p${index}`;
      // Created in the switch namespace, then one end moved: the machine's own namespace never holds it.
      await ip(['-n', this.switchNs, 'link', 'add', port, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'tmp0', 'netns', netns]);
      await ip(['-n', this.switchNs, 'link', 'set', port, 'master', 'br0', 'up']);
      await ip(['-n', netns, 'link', 'set', 'tmp0', 'name', ifname]);
      if (hostSpec.mac) await ip(['-n', netns, 'link', 'set', ifname, 'address', hostSpec.mac]);
      await ip(['-n', netns, 'link', 'set', ifname, 'mtu', String(hostSpec.mtu ?? 1500)]);
      for (const address of hostSpec.addresses ?? []) {
        // nodad: IPv6 addresses are usable at once, instead of after duplicate address detection.
        await ip(['-n', netns, 'addr', 'add', address, 'dev', ifname, ...(address.includes(':') ? ['nodad'] : [])]);
      }
      if (!hostSpec.down) await ip(['-n', netns, 'link', 'set', ifname, 'up']);
      const link = JSON.parse(await ip(['-n', netns, '-j', 'link', 'show', ifname])) as { address: string }[];
      this.hosts.set(hostSpec.name, { name: hostSpec.name, netns, ifname, mac: link[0]?.address ?? '', addresses: hostSpec.addresses ?? [] });
    }
  }

  private async buildPair(hosts: [HostSpec, HostSpec]): Promise<void> {
    const [a, b] = hosts;
    const names = hosts.map((h) => `${this.prefix}-${h.name}`) as [string, string];
    for (const name of names) await this.addNamespace(name);
    const ifA = a.ifname ?? 'eth0';
    const ifB = b.ifname ?? 'eth0';
    await ip(['-n', names[0], 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', 'tmp0', 'netns', names[1]]);
    await ip(['-n', names[1], 'link', 'set', 'tmp0', 'name', ifB]);
    for (const [index, hostSpec] of hosts.entries()) {
      const netns = names[index] as string;
      const ifname = index === 0 ? ifA : ifB;
      if (hostSpec.mac) await ip(['-n', netns, 'link', 'set', ifname, 'address', hostSpec.mac]);
      await ip(['-n', netns, 'link', 'set', ifname, 'mtu', String(hostSpec.mtu ?? 1500)]);
      for (const address of hostSpec.addresses ?? []) {
        await ip(['-n', netns, 'addr', 'add', address, 'dev', ifname, ...(address.includes(':') ? ['nodad'] : [])]);
      }
      if (!hostSpec.down) await ip(['-n', netns, 'link', 'set', ifname, 'up']);
      const link = JSON.parse(await ip(['-n', netns, '-j', 'link', 'show', ifname])) as { address: string }[];
      this.hosts.set(hostSpec.name, { name: hostSpec.name, netns, ifname, mac: link[0]?.address ?? '', addresses: hostSpec.addresses ?? [] });
    }
  }

  /** Runs a command inside a host's namespace (`ip netns exec`), with a timeout. */
  async exec(host: string, file: string, args: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run('ip', ['netns', 'exec', this.host(host).netns, file, ...args], { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? String(err), code: typeof e.code === 'number' ? e.code : -1 };
    }
  }

  /** Starts a long-running process (a DHCP or DNS server) in a namespace; stopped by destroy(). */
  startInNamespace(netns: string, file: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.background.push(child);
    return child;
  }

  /** Adds another address to a host (a second answerer for an IP conflict, say). */
  async addAddress(host: string, address: string): Promise<void> {
    const h = this.host(host);
    await ip(['-n', h.netns, 'addr', 'add', address, 'dev', h.ifname, ...(address.includes(':') ? ['nodad'] : [])]);
    h.addresses.push(address);
  }

  async destroy(): Promise<void> {
    for (const child of this.background) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(
      this.namespaces.map(async (ns) => {
        await tryIp(['netns', 'del', ns]);
        created.delete(ns);
      }),
    );
    this.namespaces.length = 0;
  }
}

/**
 * A TCP listener on `host`:`port` (0: any free port) inside `netns`, for a server that runs in this
 * process. A socket belongs to the namespace it was made in, so a short-lived helper makes it
 * there and hands the listening handle back over IPC; the test's own node:http server then serves
 * on it, and only processes in that namespace can reach it.
 */
export async function listenInNamespace(netns: string, host = '127.0.0.1', port = 0): Promise<{ server: Server; port: number }> {
  const script = `const s=require('node:net').createServer();s.on('error',e=>{console.error(e.message);process.exit(1)});s.listen(${port},${JSON.stringify(host)},()=>process.send({port:s.address().port},s))`;
  const helper = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], timeout: IP_TIMEOUT_MS });
  let stderr = '';
  helper.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    return await new Promise((resolve, reject) => {
      helper.once('message', (message: { port: number }, handle) => {
        if (!handle) reject(new Error('no listening handle from the helper'));
        else resolve({ server: handle as Server, port: message.port });
      });
      helper.once('exit', (code) => reject(new Error(`listening in ${netns} failed (exit ${code}): ${stderr.trim()}`)));
    });
  } finally {
    helper.kill('SIGKILL');
  }
}
