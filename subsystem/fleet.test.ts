/**
 * Fleet questions through the packaged binary: `dist/inband serve` gets inventories with inband's
 * extensions (built by hand from the model, sent as step replies through the agent API with the
 * agent token), stores and returns them as sent, and the operator CLI answers "which host is on
 * that switch port / has that MAC, address, serial" and "which firmware differs" from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BINARY } from './support/build.js';
import { startAgent, stopAllAgents, type AgentProcess } from './support/agent.js';
import { freePort } from './support/free-port.js';
import { tempDir } from '../test/support/temp-dir.js';
import { extendedInventory, type HostSpec } from '../test/support/extended-inventory.js';
import { withoutNulls } from '../test/support/go-null.js';

const run = promisify(execFile);
const TOKEN = 'fleet-operator-token';
const NIC = { driver: 'i40e', firmware: '9.20 0x8000d95e 22.0.9', pciAddress: '0000:3b:00.0', numaNode: 0 };
const HOSTS: (HostSpec & { id: string })[] = [1, 2, 3].map((n) => ({
  id: `0f1e2d3c-0000-4000-8000-00000000000${n}`,
  hostname: `r12-n0${n}`,
  serial: `SN-R12-0${n}`,
  bios: n === 3 ? '1.6.11' : '1.9.2',
  bmc: '6.10.30.00',
  microcode: '0xd0003a5',
  nics: [{ name: 'ens1f0', mac: `3c:fd:fe:00:00:0${n}`, ipv4: [`192.0.2.1${n}/24`], switchName: 'leaf-r12', switchPort: `Ethernet1/${n}`, portDescription: `r12-n0${n} ens1f0`, ...NIC, ...(n === 3 && { firmware: '8.70 0x8000c40f 1.3179.0' }) }],
  disks: [{ name: 'nvme0n1', serial: `DISK-0${n}`, model: 'SAMSUNG MZQLB960HAJR', firmware: 'EDA5402Q' }],
}));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BINARY, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('fleet questions over the packaged service', () => {
  let serve: AgentProcess;
  let server = '';
  let ops: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    server = `http://127.0.0.1:${port}`;
    ops = ['--server', server, '--token', TOKEN];
    serve = startAgent(['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', tempDir('fleet-serve'), '--admin-token', TOKEN, '--with-stdout-logging=false']);
    await serve.waitForOutput('stderr', /serving on/, 30_000);
    const created = await cli(['infra-env', 'create', '--name', 'fleet', ...ops, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const infraEnv = JSON.parse(created.stdout) as { id: string; agent_token: string };
    const agentHeaders = { 'x-secret-key': infraEnv.agent_token, 'content-type': 'application/json' };
    for (const spec of HOSTS) {
      const registered = await fetch(`${server}/api/assisted-install/v2/infra-envs/${infraEnv.id}/hosts`, { method: 'POST', headers: agentHeaders, body: JSON.stringify({ host_id: spec.id }) });
      expect(registered.status).toBe(201);
      const reply = { step_id: 'inventory-1a2b3c4d', step_type: 'inventory', exit_code: 0, output: JSON.stringify(extendedInventory(spec)) };
      const replied = await fetch(`${server}/api/assisted-install/v2/infra-envs/${infraEnv.id}/hosts/${spec.id}/instructions`, { method: 'POST', headers: agentHeaders, body: JSON.stringify(reply) });
      expect(replied.status, await replied.text()).toBe(204);
    }
  }, 60_000);

  afterAll(async () => {
    await stopAllAgents();
  });

  it('stores the extensions and returns them as sent', async () => {
    const listed = JSON.parse((await cli(['hosts', 'list', ...ops, '--json'])).stdout) as { id: string; inventory: string }[];
    expect(listed).toHaveLength(3);
    for (const spec of HOSTS) {
      const kept = JSON.parse(listed.find((h) => h.id === spec.id)?.inventory ?? '{}') as Record<string, any>;
      const sent = withoutNulls(extendedInventory(spec)) as Record<string, any>;
      for (const key of ['numa', 'pci_devices', 'firmware']) expect(kept[key], key).toEqual(sent[key]);
      expect(kept.memory.modules).toEqual(sent.memory.modules);
      expect(kept.interfaces[0].lldp).toEqual(sent.interfaces[0].lldp);
      expect(kept.interfaces[0]).toMatchObject({ driver: 'i40e', pci_address: '0000:3b:00.0', numa_node: 0, firmware_version: sent.interfaces[0].firmware_version });
      expect(kept.disks[0].firmware_version).toBe('EDA5402Q');
    }
  });

  it('hosts find answers by switch and port, MAC, IP and serial', async () => {
    const find = async (args: string[]) => JSON.parse((await cli(['hosts', 'find', ...args, ...ops, '--json'])).stdout) as { host_id: string; hostname: string; where: string }[];
    expect(await find(['--switch', 'leaf-r12', '--port', 'Ethernet1/3'])).toEqual([
      { host_id: HOSTS[2]?.id, infra_env_id: expect.any(String), hostname: 'r12-n03', status: expect.any(String), where: 'ens1f0 → leaf-r12 Ethernet1/3' },
    ]);
    expect((await find(['--switch', 'leaf-r12'])).map((m) => m.hostname).sort()).toEqual(['r12-n01', 'r12-n02', 'r12-n03']);
    expect((await find(['--mac', '3C-FD-FE-00-00-02'])).map((m) => m.hostname)).toEqual(['r12-n02']);
    expect((await find(['--ip', '192.0.2.11'])).map((m) => m.hostname)).toEqual(['r12-n01']);
    expect((await find(['--serial', 'disk-03'])).map((m) => [m.hostname, m.where])).toEqual([['r12-n03', 'disk nvme0n1 serial DISK-03']]);

    const table = await cli(['hosts', 'find', '--switch', 'leaf-r12', '--port', 'r12-n01 ens1f0', ...ops]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+HOSTNAME\s+STATUS\s+WHERE\s+INFRA-ENV$/m);
    expect(table.stdout).toMatch(new RegExp(`^${HOSTS[0]?.id}\\s+r12-n01\\s+\\S+\\s+ens1f0 → leaf-r12 Ethernet1/1`, 'm'));

    const none = await cli(['hosts', 'find', '--switch', 'leaf-r12', '--port', 'Ethernet1/48', ...ops]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no host found with switch leaf-r12 port Ethernet1/48 (among 3 hosts)');
    const usage = await cli(['hosts', 'find', '--mac', '3c:fd:fe:00:00:01', '--ip', '192.0.2.11', ...ops]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give exactly one of --switch NAME [--port P], --mac M, --ip A, --serial S');
    const badMac = await cli(['hosts', 'find', '--mac', 'not-a-mac', ...ops]);
    expect(badMac.code).toBe(2);
    expect(badMac.stderr).toContain('is not a MAC address');
  });

  it('hosts firmware groups by model and marks the outdated one', async () => {
    const nic = await cli(['hosts', 'firmware', '--component', 'nic', ...ops]);
    expect(nic.code, nic.stderr).toBe(0);
    const lines = nic.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^COMPONENT\s+MODEL\s+VERSION\s+COUNT\s+NOTE\s+HOSTS$/);
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[1]).toMatch(/^nic\s+Intel Corporation Ethernet Controller X710 for 10GbE SFP\+ \(i40e\)\s+9\.20 0x8000d95e 22\.0\.9\s+2\s+most common \(2 of 3\)\s+r12-n01, r12-n02$/);
    expect(lines[2]).toMatch(/^nic\s+.*\s+8\.70 0x8000c40f 1\.3179\.0\s+1\s+DIFFERS from 9\.20 0x8000d95e 22\.0\.9 \(1 of 3\)\s+r12-n03$/);

    const all = JSON.parse((await cli(['hosts', 'firmware', ...ops, '--json'])).stdout) as { component: string; most_common_version: string; versions: { version: string; most_common: boolean; hosts: { hostname: string }[] }[] }[];
    const outdated = all.flatMap((g) => g.versions.filter((v) => !v.most_common).map((v) => [g.component, v.version, v.hosts.map((h) => h.hostname).join()]));
    expect(outdated).toEqual([
      ['bios', '1.6.11', 'r12-n03'],
      ['nic', '8.70 0x8000c40f 1.3179.0', 'r12-n03'],
    ]);
    expect(all.map((g) => g.component)).toEqual(['bios', 'bmc', 'cpu', 'nic', 'disk']);
    const bad = await cli(['hosts', 'firmware', '--component', 'psu', ...ops]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Argument: component, Given: "psu"/);
  });

  it('hosts show has the neighbours, NUMA, PCI, modules and firmware sections', async () => {
    const shown = await cli(['hosts', 'show', HOSTS[2]?.id as string, ...ops]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^ens1f0\s+leaf-r12\s+\S+\s+Ethernet1\/3\s+r12-n03 ens1f0\s+100\s+192\.0\.2\.250/m);
    expect(shown.stdout).toMatch(/^NUMA NODE\s+CPUS\s+MEMORY\s+DISTANCES\s+DEVICES$/m);
    expect(shown.stdout).toMatch(/^0\s+0-3\s+64\.0 GiB\s+10 21\s+ens1f0 nvme0n1$/m);
    expect(shown.stdout).toMatch(/^0000:3b:00\.0\s+Ethernet controller\s+Intel Corporation/m);
    expect(shown.stdout).toContain('2 of 16 slots populated');
    expect(shown.stdout).toMatch(/^DIMM_B1\s+NODE 1\s+64 GiB\s+DDR4\s+3200 MT\/s\s+Samsung\s+M393A8G40AB2-CWE\s+SN-R12-03-B1$/m);
    expect(shown.stdout).toMatch(/^bios\s+-\s+Dell Inc\. PowerEdge R650\s+1\.6\.11/m);
    expect(shown.stdout).toMatch(/^disk\s+nvme0n1\s+SAMSUNG MZQLB960HAJR\s+EDA5402Q/m);
  });
});
