/**
 * The real hosts recorded with `inband inventory --record-fixture` (test/fixtures/recorded/<name>/,
 * made by `make record-fixtures`): this machine, and hosts in network namespaces with veth, bridge,
 * macvlan, vxlan, tun, tap and ifb links. The inventory replayed from each tree is checked field by field against
 * what lsblk, ip, lscpu, nproc, uname and /proc/meminfo said on that host at recording time
 * (<name>/tools/), with the same checks real-host.test.ts applies to the live machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { swaggerErrors } from '../support/swagger.js';
import { withoutNulls } from '../support/go-null.js';
import { collectWire, RECORDED_HOSTS_DIR, type WireInventory } from './support.js';
import { checkCpu, checkDisks, checkHostname, checkInterfaces, checkMemory, checkRoutes, recordedToolOutputs, type ToolOutputs } from './tool-checks.js';

const hosts = readdirSync(RECORDED_HOSTS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

it('has this machine and the namespaced hosts recorded', () => {
  expect(hosts).toEqual(expect.arrayContaining(['this-machine', 'netns-bridge', 'netns-tun-ipv6']));
});

describe.each(hosts)('recorded host %s', (name) => {
  const dir = path.join(RECORDED_HOSTS_DIR, name);
  let wire: WireInventory;
  let tools: ToolOutputs;
  beforeAll(async () => {
    const collected = await collectWire(path.join(dir, 'tree'));
    expect(collected.live).toBe(false);
    wire = collected.wire;
    tools = recordedToolOutputs(dir);
  });

  it('keeps no answer of the collector in the recording', () => {
    expect(readdirSync(path.join(dir, 'tree'))).not.toContain('inventory.json');
  });
  it('reports the CPU lscpu and nproc saw', () => checkCpu(wire, tools));
  it('reports MemTotal as usable memory', () => checkMemory(wire, tools));
  it('reports the disks lsblk saw, with their sizes, flags and IDs', () => checkDisks(wire, tools));
  it('reports the links ip saw, with their MTU, MAC, flags, kind, carrier and addresses', () => checkInterfaces(wire, tools));
  it('reports the main-table routes ip saw', () => checkRoutes(wire, tools));
  it('reports the host name uname saw', () => checkHostname(wire, tools));
  it('validates against the swagger inventory definition', () => {
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
  });
});

describe('recorded host this-machine', () => {
  it('holds none of the machine\'s MACs: each is a locally administered stand-in, the same in tree and tools', () => {
    const dir = path.join(RECORDED_HOSTS_DIR, 'this-machine');
    const macsIn = (file: string): string[] => readFileSync(path.join(dir, file), 'utf8').match(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g) ?? [];
    const inTools = new Set(macsIn('tools/ip-link.json'));
    const inTree = new Set(macsIn('tree/commands/ip_-j_-d_addr_show.stdout'));
    const real = [...inTools, ...inTree].filter((mac) => !/^(00:){5}00$|^(ff:){5}ff$|^02:00:00:00:ff:[0-9a-f]{2}$/.test(mac));
    expect(real).toEqual([]);
    expect([...inTree].sort()).toEqual([...inTools].sort());
    expect(inTools.size).toBeGreaterThan(1);
  });
});

describe('recorded host netns-bridge', () => {
  it('shows the namespace\'s link kinds, not the machine\'s', async () => {
    const { wire } = await collectWire(path.join(RECORDED_HOSTS_DIR, 'netns-bridge', 'tree'));
    const types = new Map((wire.interfaces as WireInventory[]).map((i) => [i.name, i.type]));
    expect(Object.fromEntries(types)).toMatchObject({ lo: 'device', eth0: 'veth', br0: 'bridge', veth1: 'veth', mv0: 'macvlan', vx42: 'vxlan' });
    expect((wire.interfaces as WireInventory[]).find((i) => i.name === 'veth9')).toMatchObject({ mtu: 9000, flags: ['broadcast', 'multicast'] });
  });
});

describe('recorded host netns-tun-ipv6', () => {
  it('names tun/tap links tuntap, drops the 169.254/16 address, skips routes without a link', async () => {
    const { wire } = await collectWire(path.join(RECORDED_HOSTS_DIR, 'netns-tun-ipv6', 'tree'));
    const nic = (name: string) => (wire.interfaces as WireInventory[]).find((i) => i.name === name) as WireInventory;
    expect(nic('tun0')).toMatchObject({ type: 'tuntap', flags: ['up', 'pointtopoint', 'multicast'], ipv4_addresses: ['198.18.2.1/32'] });
    expect(nic('tap0')).toMatchObject({ type: 'tuntap', mtu: 9000, mac_address: '02:00:00:0c:00:20' });
    expect(nic('eth0').ipv4_addresses).toEqual(['198.18.1.30/24', '198.18.1.31/24']);
    const destinations = (wire.routes as WireInventory[]).map((r) => r.destination);
    expect(destinations).not.toContain('198.18.65.0');
    expect(destinations).not.toContain('198.18.66.0');
    expect(destinations).toContain('198.18.64.0');
  });
});
