import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swaggerErrors } from '../test/support/swagger.js';
import { Topology } from './support/netns.js';
import { runToolInNetns } from './support/tool-in-netns.js';

let topology: Topology;
let dnsmasq: ChildProcess;
let serverLog = '';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'inband-dhcp-'));
const env = { INBAND_LEASE_DIR: path.join(scratch, 'keepalived') };

const MACS = { api: '00:1a:4a:10:00:01', ingress: '00:1a:4a:10:00:02' };
const OTHER_MACS = { api: '00:1a:4a:10:00:03', ingress: '00:1a:4a:10:00:04' };

interface Allocation {
  api_vip_address: string;
  ingress_vip_address: string;
  api_vip_lease: string;
  ingress_vip_lease: string;
}

async function allocate(macs: { api: string; ingress: string }, leases: Partial<Allocation> = {}, extraEnv: NodeJS.ProcessEnv = {}) {
  const request = { interface: 'eth0', api_vip_mac: macs.api, ingress_vip_mac: macs.ingress, ...leases };
  return runToolInNetns(topology.host('agent').netns, 'dhcp_lease_allocate', JSON.stringify(request), { env: { ...env, ...extraEnv } });
}

function parsed(result: { code: number; stdout: string; stderr: string }): Allocation {
  expect(result.code, result.stderr).toBe(0);
  const response = JSON.parse(result.stdout) as Allocation;
  expect(swaggerErrors('dhcp_allocation_response', response)).toEqual([]);
  return response;
}

function discovers(mac: string): number {
  return serverLog.split('\n').filter((line) => line.includes('DHCPDISCOVER') && line.includes(mac)).length;
}

async function macvlansLeft(): Promise<string> {
  return (await topology.exec('agent', 'ip', ['-br', 'link'])).stdout;
}

describe('dhcp_lease_allocate against dnsmasq on a real segment', () => {
  beforeAll(async () => {
    topology = await Topology.create({
      prefix: 'ib-dhcp',
      hosts: [
        { name: 'agent', addresses: ['198.18.2.10/24'] },
        { name: 'dhcp-server', addresses: ['198.18.2.1/24'] },
      ],
    });
    dnsmasq = topology.startInNamespace(topology.host('dhcp-server').netns, '/usr/sbin/dnsmasq', [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--port=0',
      '--interface=eth0',
      '--bind-interfaces',
      '--dhcp-range=198.18.2.50,198.18.2.150,255.255.255.0,12h',
      `--dhcp-leasefile=${path.join(scratch, 'dnsmasq.leases')}`,
    ]);
    dnsmasq.stdout?.on('data', (d) => (serverLog += d));
    dnsmasq.stderr?.on('data', (d) => (serverLog += d));
    const deadline = Date.now() + 10_000;
    while (!serverLog.includes('DHCP, sockets bound') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(serverLog).toContain('DHCP, sockets bound');
  }, 60_000);
  afterAll(async () => {
    await topology.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  let first: Allocation;

  it('gets two different addresses for two MACs, each lease naming its address', async () => {
    first = parsed(await allocate(MACS));
    expect(first.api_vip_address).toMatch(/^198\.18\.2\.\d+$/);
    expect(first.ingress_vip_address).toMatch(/^198\.18\.2\.\d+$/);
    expect(first.api_vip_address).not.toBe(first.ingress_vip_address);
    expect(first.api_vip_lease).toContain(`fixed-address ${first.api_vip_address};`);
    expect(first.ingress_vip_lease).toContain(`fixed-address ${first.ingress_vip_address};`);
    expect(first.api_vip_lease).toMatch(/^lease \{[\s\S]*\}$/);
    expect(discovers(MACS.api)).toBeGreaterThanOrEqual(1);
    expect(discovers(MACS.ingress)).toBeGreaterThanOrEqual(1);
    expect(await macvlansLeft()).not.toMatch(/^(api|ingress)@/m);
  });

  it('gives the same MACs the same addresses again, and other MACs other addresses', async () => {
    const again = parsed(await allocate(MACS));
    expect([again.api_vip_address, again.ingress_vip_address]).toEqual([first.api_vip_address, first.ingress_vip_address]);
    const other = parsed(await allocate(OTHER_MACS));
    expect([first.api_vip_address, first.ingress_vip_address]).not.toContain(other.api_vip_address);
    expect([first.api_vip_address, first.ingress_vip_address]).not.toContain(other.ingress_vip_address);
  });

  it('renews provided leases with requests only, no discovery', async () => {
    // As upstream's test does: stored leases made timeless, so dhclient requests them straight away.
    const timeless = (lease: string): string => lease.replace(/(renew|rebind|expire) [^;]*;/g, '$1 never;');
    const before = { api: discovers(MACS.api), ingress: discovers(MACS.ingress) };
    const renewed = parsed(await allocate(MACS, { api_vip_lease: timeless(first.api_vip_lease), ingress_vip_lease: timeless(first.ingress_vip_lease) }));
    expect([renewed.api_vip_address, renewed.ingress_vip_address]).toEqual([first.api_vip_address, first.ingress_vip_address]);
    expect({ api: discovers(MACS.api), ingress: discovers(MACS.ingress) }).toEqual(before);
    expect(renewed.api_vip_lease).toContain('interface "api";');
  });

  it('refuses an invalid MAC before touching the network', async () => {
    const result = await allocate({ api: 'invalid_mac', ingress: MACS.ingress });
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('validation failure list:\napi_vip_mac in body must be of type mac: "invalid_mac"');
  });

  it('says so within the timeout when no DHCP server answers, and leaves no macvlan behind', async () => {
    dnsmasq.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const result = await allocate({ api: '00:1a:4a:10:00:09', ingress: '00:1a:4a:10:00:0a' }, {}, { INBAND_DHCP_TIMEOUT_S: '4' });
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('dhclient was timed out after 4 seconds');
    expect(result.ms).toBeLessThan(15_000);
    expect(await macvlansLeft()).not.toMatch(/^(api|ingress)@/m);
  });
});
