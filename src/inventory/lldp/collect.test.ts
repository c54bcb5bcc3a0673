// The LLDP section inside a whole inventory collection: which source answers, and that the wire
// document with neighbours is still one upstream's contract accepts and decodes unchanged.
import { describe, expect, it } from 'vitest';
import { withoutNulls } from '../../../test/support/go-null.js';
import { upstreamFieldsOnly, swaggerErrors } from '../../../test/support/swagger.js';
import { HostFs } from '../../host/host-fs.js';
import { memoryLogger } from '../../log/logger.js';
import { collectInventory, encodeInventory } from '../collect.js';
import type { LldpNeighbor } from '../extensions.js';
import { scriptedRunner, tempHost } from '../test-support.js';
import type { LldpSource } from './collect.js';

const IP_ADDR = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, operstate: 'UNKNOWN', address: '00:00:00:00:00:00', addr_info: [] },
  { ifindex: 2, ifname: 'eno1', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: '52:54:00:aa:00:01', addr_info: [{ family: 'inet', local: '192.0.2.10', prefixlen: 24 }] },
  { ifindex: 3, ifname: 'eno2', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: '52:54:00:aa:00:02', addr_info: [] },
]);

const LLDPCLI = ['lldpcli', '-f', 'json0', 'show', 'neighbors', 'details'].join(' ');
const LLDPCLI_ANSWER = JSON.stringify({
  lldp: [
    {
      interface: [
        {
          name: 'eno1',
          via: 'LLDP',
          age: '0 day, 00:01:00',
          chassis: [{ id: [{ type: 'mac', value: '7e:42:47:1e:bb:d5' }], name: [{ value: 'leaf01' }], descr: [{ value: 'switch OS' }], 'mgmt-ip': [{ value: '192.0.2.1' }] }],
          port: [{ id: [{ type: 'ifname', value: 'swp12' }], descr: [{ value: 'host a' }], ttl: [{ value: '120' }], mfs: [{ value: '9216' }] }],
          vlan: [{ 'vlan-id': '100', pvid: true, value: 'prov' }],
        },
      ],
    },
  ],
});

const FROM_LISTENER: LldpNeighbor = {
  chassis_id: '00:1b:54:aa:bb:00',
  chassis_id_subtype: 'mac',
  port_id: 'Gi1/0/12',
  port_id_subtype: 'ifname',
  port_description: '',
  system_name: 'sw-core-01',
  system_description: '',
  management_addresses: [],
  vlans: [],
  ttl_seconds: 120,
  seen_at: '2026-03-01T12:00:00.000Z',
  source: 'listener',
};

async function collect(options: { lldpcli?: { stdout?: string; exitCode?: number; stderr?: string }; lldp?: LldpSource; live?: boolean }) {
  const root = await tempHost({ 'sys/class/net/eno1/carrier': '1\n', 'sys/class/net/eno2/carrier': '1\n' });
  const calls: string[] = [];
  const outputs: Record<string, { stdout?: string; exitCode?: number; stderr?: string }> = { 'ip -j -d addr show': { stdout: IP_ADDR } };
  if (options.lldpcli) outputs[LLDPCLI] = options.lldpcli;
  const inventory = await collectInventory({ hostFs: new HostFs(root), runner: scriptedRunner(outputs, calls), log: memoryLogger(), live: options.live ?? true, lldp: options.lldp });
  return { inventory, calls };
}

describe('LLDP in the inventory', () => {
  it('takes lldpd\'s neighbours when lldpcli answers, and the listener is not asked', async () => {
    let asked = false;
    const { inventory } = await collect({ lldpcli: { stdout: LLDPCLI_ANSWER }, lldp: { listener: async () => ((asked = true), new Map([['eno2', [FROM_LISTENER]]])) } });
    const eno1 = inventory.interfaces.find((nic) => nic.name === 'eno1');
    expect(eno1?.lldp?.map((n) => [n.source, n.system_name, n.port_id, n.native_vlan, n.max_frame_size])).toEqual([['lldpd', 'leaf01', 'swp12', 100, 9216]]);
    expect(inventory.interfaces.find((nic) => nic.name === 'eno2')?.lldp).toBeUndefined();
    expect(asked).toBe(false);
  });

  it('takes the listener\'s when no lldpd answers; an interface without neighbours has no lldp field', async () => {
    const { inventory } = await collect({
      lldpcli: { exitCode: 1, stderr: 'unable to connect to socket /run/lldpd.socket: No such file or directory' },
      lldp: { listener: async () => new Map([['eno2', [FROM_LISTENER]]]) },
    });
    expect(inventory.interfaces.find((nic) => nic.name === 'eno2')?.lldp).toEqual([FROM_LISTENER]);
    expect(inventory.interfaces.find((nic) => nic.name === 'eno1')).not.toHaveProperty('lldp');
  });

  it('passes --lldpd-socket to lldpcli, and runs nothing for LLDP without a source (--no-lldp)', async () => {
    const withSocket = await collect({ lldp: { lldpdSocket: '/tmp/x/lldpd.socket' } });
    expect(withSocket.calls).toContain('lldpcli -u /tmp/x/lldpd.socket -f json0 show neighbors details');
    const off = await collect({ lldpcli: { stdout: LLDPCLI_ANSWER } });
    expect(off.calls.some((call) => call.startsWith('lldpcli'))).toBe(false);
    expect(off.inventory.interfaces.some((nic) => nic.lldp !== undefined)).toBe(false);
  });

  it('a recorded fixture (not live) never reports the listener of the machine replaying it', async () => {
    const { inventory } = await collect({ live: false, lldpcli: { exitCode: 1 }, lldp: { listener: async () => new Map([['eno2', [FROM_LISTENER]]]) } });
    expect(inventory.interfaces.some((nic) => nic.lldp !== undefined)).toBe(false);
  });

  it('the wire document with neighbours meets upstream\'s inventory definition, and upstream decodes it without them', async () => {
    const { inventory } = await collect({ lldpcli: { stdout: LLDPCLI_ANSWER }, lldp: {} });
    const wire = JSON.parse(encodeInventory(inventory)) as { interfaces: Record<string, unknown>[] };
    expect(wire.interfaces.find((nic) => nic.name === 'eno1')?.lldp).toBeDefined();
    // Go's null for a nil slice (this empty host's CPU flags) is what the swagger checks elsewhere drop too.
    expect(swaggerErrors('inventory', withoutNulls(wire))).toEqual([]);
    const upstream = upstreamFieldsOnly('inventory', wire) as { interfaces: Record<string, unknown>[] };
    expect(upstream.interfaces.find((nic) => nic.name === 'eno1')).not.toHaveProperty('lldp');
  });
});
