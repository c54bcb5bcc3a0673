import { describe, expect, it } from 'vitest';
import { swaggerErrors } from '../../../test/support/swagger.js';
import type { Step, Steps } from '../../protocol/models.js';
import type { HostRecord, InfraEnvRecord } from '../model.js';
import { stepsFor, scannableNetworks } from './scheduler.js';
import { parseJson } from './json-shape.js';
import { inventory as inventoryShape } from './responses.js';
import { FIXTURE_NAMES, fixtureInventory, fixtureInventoryText, makeHost, makeInfraEnv } from './test-support.js';

/** The swagger model each step's single argument must be. */
const ARG_MODELS: Record<string, string> = {
  'connectivity-check': 'connectivity-check-params',
  'free-network-addresses': 'free_addresses_request',
  'dhcp-lease-allocate': 'dhcp_allocation_request',
  'ntp-synchronizer': 'ntp_synchronization_request',
  'domain-resolution': 'domain_resolution_request',
  'api-vip-connectivity-check': 'api_vip_connectivity_request',
  'logs-gather': 'logs_gather_cmd_request',
};

function ids() {
  const issued: string[] = [];
  const newStepId = (type: string) => {
    const id = `${type}-${(issued.length + 1).toString(16).padStart(8, '0')}`;
    issued.push(id);
    return id;
  };
  return { issued, newStepId };
}

function plan(host: HostRecord, infraEnv: InfraEnvRecord = makeInfraEnv(), others: HostRecord[] = [], maxConnectivityPeers?: number): Steps {
  const steps = stepsFor({ host, infraEnv, others, newStepId: ids().newStepId, maxConnectivityPeers });
  checkWire(steps);
  return steps;
}

function checkWire(steps: Steps): void {
  expect(swaggerErrors('steps', steps)).toEqual([]);
  for (const step of steps.instructions) {
    if (step.step_type === 'inventory') {
      expect(step.args).toHaveLength(1);
      expect(step.args[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      continue;
    }
    const model = ARG_MODELS[step.step_type];
    expect(model, step.step_type).toBeDefined();
    expect(step.args, step.step_type).toHaveLength(1);
    expect(swaggerErrors(model!, JSON.parse(step.args[0]!)), step.step_type).toEqual([]);
  }
}

const types = (steps: Steps) => steps.instructions.map((s) => s.step_type);
const arg = (steps: Steps, type: string): unknown => {
  const step = steps.instructions.find((s) => s.step_type === type);
  if (!step) throw new Error(`no ${type} step in ${types(steps).join(', ')}`);
  return JSON.parse(step.args[0]!);
};

const full = makeInfraEnv({
  ntpSources: 'ntp1.example.com',
  additionalNtpSources: '10.0.0.1, ntp1.example.com',
  domainsToResolve: ['api.ocp.example.com', '*.apps.ocp.example.com', 'API.ocp.example.com', 'api.ocp.example.com.'],
  apiVipUrl: 'http://api.ocp.example.com:22624/config/worker',
  dhcpAllocation: { interface: 'eth0', apiVipMac: '00:1a:4a:00:00:01', ingressVipMac: '00:1a:4a:00:00:02' },
});

function vmHost(status: HostRecord['status'], change: (i: Record<string, any>) => void = () => {}, extra: Partial<HostRecord> = {}): HostRecord {
  const inventory = fixtureInventory('vm-virtio');
  change(inventory);
  return makeHost({ status, inventory, ...extra });
}

describe('stepsFor', () => {

  it('asks a discovering host for its inventory only, when nothing else is configured', () => {
    const host = makeHost();
    const { issued, newStepId } = ids();
    const steps = stepsFor({ host, infraEnv: makeInfraEnv(), others: [], newStepId });
    expect(steps).toEqual({
      next_instruction_seconds: 60,
      post_step_action: 'continue',
      instructions: [{ step_type: 'inventory', step_id: issued[0], args: [host.id] }],
    });
    expect(issued).toEqual(['inventory-00000001']);
  });

  it('adds NTP and name resolution for a discovering host when configured', () => {
    const steps = plan(makeHost(), full);
    expect(types(steps)).toEqual(['inventory', 'ntp-synchronizer', 'domain-resolution']);
    expect(arg(steps, 'ntp-synchronizer')).toEqual({ ntp_source: 'ntp1.example.com,10.0.0.1' });
    // Case duplicates collapse; the trailing-dot form is a different lookup and stays.
    expect(arg(steps, 'domain-resolution')).toEqual({
      domains: [{ domain_name: 'api.ocp.example.com' }, { domain_name: '*.apps.ocp.example.com' }, { domain_name: 'api.ocp.example.com.' }],
    });
  });

  describe('insufficient and known hosts', () => {
    const host = vmHost('insufficient', () => {}, {
      dhcpAllocation: JSON.stringify({ api_vip_address: '10.0.0.50', ingress_vip_address: '10.0.0.51', api_vip_lease: 'lease {api}', ingress_vip_lease: 'lease {ingress}' }),
    });
    const known = vmHost('known', (i) => { i.hostname = 'b'; i.interfaces[1].ipv4_addresses = ['10.0.0.16/24']; i.interfaces[1].mac_address = 'fa:16:3e:00:00:16'; });
    const bond = makeHost({ status: 'insufficient', inventory: fixtureInventory('bond-vlan-ipv6') });
    const excluded = [
      vmHost('discovering'),
      vmHost('disconnected'),
      makeHost({ status: 'known' }),
      vmHost('known', () => {}, { infraEnvId: 'ffffffff-0000-4000-8000-000000000000' }),
    ];
    const others = [host, known, ...excluded, bond];

    it('sends every configured check in upstream order for insufficient', () => {
      const steps = plan(host, full, others);
      expect(steps.next_instruction_seconds).toBe(60);
      expect(steps.post_step_action).toBe('continue');
      expect(types(steps)).toEqual([
        'inventory',
        'connectivity-check',
        'api-vip-connectivity-check',
        'free-network-addresses',
        'dhcp-lease-allocate',
        'ntp-synchronizer',
        'domain-resolution',
      ]);
    });

    it('polls the inventory after the peer checks for known', () => {
      const steps = plan({ ...host, status: 'known' }, full, others);
      expect(types(steps)).toEqual([
        'connectivity-check',
        'api-vip-connectivity-check',
        'free-network-addresses',
        'dhcp-lease-allocate',
        'inventory',
        'ntp-synchronizer',
        'domain-resolution',
      ]);
    });

    it('targets the other connected hosts with inventories, by NIC, addresses without prefix', () => {
      expect(arg(plan(host, full, others), 'connectivity-check')).toEqual([
        { host_id: known.id, nics: [{ name: 'eth0', mac: 'fa:16:3e:00:00:16', ip_addresses: ['10.0.0.16'] }] },
        {
          host_id: bond.id,
          nics: [
            {
              name: 'bond0.100',
              mac: 'b8:59:9f:00:12:34',
              ip_addresses: ['10.10.100.20', '2001:db8:100::20', '2001:db8:100:0:ba59:9fff:fe00:1234'],
            },
            { name: 'virbr0', mac: '52:54:00:8a:9b:0c', ip_addresses: ['192.168.122.1'] },
          ],
        },
      ]);
    });

    it('leaves out NICs the agent would reject (loopback has no MAC)', () => {
      const withLoopback = [{ host_id: known.id, nics: [{ name: 'lo', mac: '', ip_addresses: ['127.0.0.1'] }] }];
      expect(swaggerErrors('connectivity-check-params', withLoopback).join()).toMatch(/mac/);
      const targets = arg(plan(host, full, others), 'connectivity-check') as Array<{ nics: Array<{ name: string }> }>;
      expect(targets.flatMap((t) => t.nics.map((n) => n.name))).not.toContain('lo');
    });

    it('caps the connectivity targets after leaving out hosts that cannot be targets', () => {
      const capped = arg(plan(host, full, [...excluded, known, bond], 1), 'connectivity-check') as Array<{ host_id: string }>;
      expect(capped.map((t) => t.host_id)).toEqual([known.id]);
    });

    it('skips the connectivity check when there is no one to check', () => {
      expect(types(plan(host, full, excluded))).not.toContain('connectivity-check');
    });

    it('scans the host networks and passes the stored DHCP leases back', () => {
      const steps = plan(host, full, others);
      expect(arg(steps, 'free-network-addresses')).toEqual(['10.0.0.0/24']);
      expect(arg(steps, 'dhcp-lease-allocate')).toEqual({
        interface: 'eth0',
        api_vip_mac: '00:1a:4a:00:00:01',
        ingress_vip_mac: '00:1a:4a:00:00:02',
        api_vip_lease: 'lease {api}',
        ingress_vip_lease: 'lease {ingress}',
      });
      expect(arg(steps, 'api-vip-connectivity-check')).toEqual({ url: 'http://api.ocp.example.com:22624/config/worker' });
    });

    it('asks for fresh DHCP leases when none are stored', () => {
      expect(arg(plan(vmHost('known'), full), 'dhcp-lease-allocate')).toEqual({ interface: 'eth0', api_vip_mac: '00:1a:4a:00:00:01', ingress_vip_mac: '00:1a:4a:00:00:02' });
    });

    it('sends only inventory when nothing is configured and there are no peers or scannable networks', () => {
      const isolated = vmHost('known', (i) => (i.interfaces[1].ipv4_addresses = ['10.0.0.15/16']));
      expect(types(plan(isolated))).toEqual(['inventory']);
    });

    it('leaves DHCP out for a host without an inventory', () => {
      expect(types(plan(makeHost({ status: 'insufficient' }), full))).not.toContain('dhcp-lease-allocate');
    });
  });

  it('asks a disconnected host for its inventory only, every 120 s', () => {
    const host = vmHost('disconnected');
    expect(plan(host, full, [vmHost('known')])).toEqual({
      next_instruction_seconds: 120,
      post_step_action: 'continue',
      instructions: [{ step_type: 'inventory', step_id: 'inventory-00000001', args: [host.id] }],
    });
  });

  it.each<HostRecord['status']>(['discovering', 'insufficient', 'known', 'disconnected'])('appends logs-gather when logs are requested (%s)', (status) => {
    const host = vmHost(status, () => {}, { logsRequested: true });
    const steps = plan(host, full);
    const last = steps.instructions.at(-1) as Step;
    expect(last.step_type).toBe('logs-gather');
    expect(JSON.parse(last.args[0]!)).toEqual({ cluster_id: full.id, infra_env_id: full.id, host_id: host.id, bootstrap: false, installer_gather: true });
    expect(types(plan({ ...host, logsRequested: false }, full))).not.toContain('logs-gather');
  });

  it('names every step by its type and a fresh id', () => {
    const { issued, newStepId } = ids();
    const steps = stepsFor({ host: vmHost('insufficient', () => {}, { logsRequested: true }), infraEnv: full, others: [vmHost('known')], newStepId });
    expect(steps.instructions.map((s) => s.step_id)).toEqual(issued);
    for (const step of steps.instructions) expect(step.step_id.startsWith(`${step.step_type}-`)).toBe(true);
  });
});

describe('scannableNetworks', () => {
  const networks = (name: string) => scannableNetworks(parseJson(fixtureInventoryText(name), inventoryShape));

  it('takes the IPv4 networks of /22 or smaller, canonical and once each', () => {
    expect(networks('vm-virtio')).toEqual(['10.0.0.0/24']);
    expect(networks('discovery-iso-usb')).toEqual(['10.8.0.0/22']);
    expect(networks('bond-vlan-ipv6')).toEqual(['10.10.100.0/24', '192.168.122.0/24']);
    // 172.20.0.41/16 is too big to sweep.
    expect(networks('gpu-tpm-secureboot-bmc')).toEqual(['10.1.2.0/24']);
    expect(scannableNetworks({ interfaces: [{ ipv4_addresses: ['10.0.0.1/24', '10.0.0.2/24', '127.0.0.1/32', 'junk'] }] })).toEqual(['10.0.0.0/24']);
    expect(scannableNetworks(undefined)).toEqual([]);
  });

  it('gives a valid free_addresses_request for every fixture', () => {
    for (const name of FIXTURE_NAMES) expect(swaggerErrors('free_addresses_request', networks(name)), name).toEqual([]);
  });
});

describe('stepsFor: the connectivity-check throttle', () => {
  it('asks only when there are peers, and leaves the check out when refused', () => {
    const others = [makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') })];
    const host = makeHost({ status: 'known', inventory: fixtureInventory('vm-virtio') });
    let asked = 0;
    const types = (answer: boolean, peers: HostRecord[]) =>
      stepsFor({ host, infraEnv: makeInfraEnv(), others: peers, newStepId: ids().newStepId, mayCheckConnectivity: () => (asked++, answer) }).instructions.map((s) => s.step_type);
    expect(types(true, others)).toContain('connectivity-check');
    expect(types(false, others)).not.toContain('connectivity-check');
    expect(asked).toBe(2);
    expect(types(true, [])).not.toContain('connectivity-check');
    expect(asked).toBe(2);
  });
});
