import { describe, expect, it } from 'vitest';
import type { StepReply } from '../../protocol/models.js';
import type { HostRecord } from '../model.js';
import { applyDiskEligibility } from './disks.js';
import { parseJson } from './json-shape.js';
import { applyStepReply, ReplyFormatError } from './replies.js';
import { inventory as inventoryShape } from './responses.js';
import { STATUS_INFO } from './status.js';
import { FIXTURE_NAMES, fixtureInventory, fixtureInventoryText, makeHost, NOW } from './test-support.js';
import { withoutNulls } from '../../../test/support/go-null.js';

function ok(step_type: string, output: string, step_id = `${step_type}-1a2b3c4d`): StepReply {
  return { step_type, step_id, exit_code: 0, output };
}

/** Deep-frozen, so any in-place change by applyStepReply throws. */
function frozen(host: HostRecord): HostRecord {
  Object.freeze(host.stepErrors);
  return Object.freeze(host);
}


describe('applyStepReply: inventory', () => {
  it.each(FIXTURE_NAMES)('stores the %s inventory re-serialised, with the service disk verdicts', (name) => {
    const host = frozen(makeHost({ stepErrors: { inventory: 'old failure', 'ntp-synchronizer': 'kept' } }));
    const next = applyStepReply(host, ok('inventory', fixtureInventoryText(name)), NOW);
    expect(next).not.toBe(host);
    const stored = JSON.parse(next.inventory!);
    const expected = applyDiskEligibility(parseJson(fixtureInventoryText(name), inventoryShape));
    expect(stored).toEqual(withoutNulls(expected));
    expect(stored.hostname).toBe(fixtureInventory(name).hostname);
    expect(stored.interfaces).toHaveLength(fixtureInventory(name).interfaces.length);
    expect(next.stepErrors).toEqual({ 'ntp-synchronizer': 'kept' });
    expect(next.updatedAt).toBe(NOW.toISOString());
  });

  it('drops fields the inventory model does not have, at every depth', () => {
    const inventory = fixtureInventory('vm-virtio');
    inventory.surprise = 'x';
    inventory.disks[0].secret = 'y';
    inventory.cpu.bogomips = 1;
    const stored = JSON.parse(applyStepReply(makeHost(), ok('inventory', JSON.stringify(inventory)), NOW).inventory!);
    expect(stored.surprise).toBeUndefined();
    expect(stored.disks[0].secret).toBeUndefined();
    const { bogomips: _dropped, ...cpu } = inventory.cpu;
    expect(stored.cpu).toEqual(cpu);
  });

  it('keeps the one camelCase field of the disk model', () => {
    const inventory = fixtureInventory('vm-virtio');
    inventory.disks[0].partitionTypes = 'gpt';
    inventory.disks[0].partition_types = 'wrong spelling';
    const stored = JSON.parse(applyStepReply(makeHost(), ok('inventory', JSON.stringify(inventory)), NOW).inventory!);
    expect(stored.disks[0].partitionTypes).toBe('gpt');
    expect(stored.disks[0].partition_types).toBeUndefined();
  });

  it.each([
    ['not JSON', 'inventory: {', /not valid JSON/],
    ['empty output', '', /not valid JSON/],
    ['a JSON array', '[]', /output: expected an object, got an array/],
    ['a string cpu count', '{"cpu":{"count":"4"}}', /cpu\.count: expected an integer, got a string "4"/],
    ['a fractional memory size', '{"memory":{"physical_bytes":8.5}}', /memory\.physical_bytes: expected an integer/],
    ['disks as an object', '{"disks":{"sda":{}}}', /disks: expected an array, got an object/],
    ['a numeric address', '{"interfaces":[{"ipv4_addresses":[10]}]}', /interfaces\[0\]\.ipv4_addresses\[0\]: expected a string/],
  ])('refuses %s with a ReplyFormatError naming the step', (_what, output, reason) => {
    const host = frozen(makeHost({ inventory: '{"hostname":"before"}' }));
    let error: unknown;
    try {
      applyStepReply(host, ok('inventory', output), NOW);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ReplyFormatError);
    expect((error as ReplyFormatError).message).toMatch(/^Failed to decode inventory reply inventory-1a2b3c4d: /);
    expect((error as ReplyFormatError).message).toMatch(reason);
    expect(host.inventory).toBe('{"hostname":"before"}');
  });
});

describe('applyStepReply: other step types', () => {
  const connectivity = {
    remote_hosts: [
      {
        host_id: '0b5e5c1a-2222-4c3d-8e9f-00000000aaaa',
        l2_connectivity: [{ outgoing_nic: 'eth0', outgoing_ip_address: '10.0.0.15', remote_ip_address: '10.0.0.16', remote_mac: 'fa:16:3e:00:00:01', successful: true, extra: 1 }],
        l3_connectivity: [{ outgoing_nic: 'eth0', remote_ip_address: '10.0.0.16', successful: true, average_rtt_ms: 0.3, packet_loss_percentage: 0 }],
        mtu_report: [{ outgoing_nic: 'eth0', remote_ip_address: '10.0.0.16', mtu_successful: true }],
      },
    ],
  };

  it.each<[string, keyof HostRecord, unknown, unknown]>([
    ['connectivity-check', 'connectivity', connectivity, { remote_hosts: [{ ...connectivity.remote_hosts[0], l2_connectivity: [{ outgoing_nic: 'eth0', outgoing_ip_address: '10.0.0.15', remote_ip_address: '10.0.0.16', remote_mac: 'fa:16:3e:00:00:01', successful: true }] }] }],
    ['free-network-addresses', 'freeAddresses', [{ network: '10.0.0.0/24', free_addresses: ['10.0.0.20', '10.0.0.21'], x: 1 }], [{ network: '10.0.0.0/24', free_addresses: ['10.0.0.20', '10.0.0.21'] }]],
    ['ntp-synchronizer', 'ntpSources', { ntp_sources: [{ source_name: 'ntp1.example.com', source_state: 'synced' }, { source_name: '10.0.0.1', source_state: 'unreachable' }] }, [{ source_name: 'ntp1.example.com', source_state: 'synced' }, { source_name: '10.0.0.1', source_state: 'unreachable' }]],
    ['ntp-synchronizer', 'ntpSources', {}, []],
    ['domain-resolution', 'domainNameResolutions', { resolutions: [{ domain_name: 'api.ocp.example.com', ipv4_addresses: ['10.0.0.5'], ipv6_addresses: [], cnames: null }] }, { resolutions: [{ domain_name: 'api.ocp.example.com', ipv4_addresses: ['10.0.0.5'], ipv6_addresses: [] }] }],
    ['api-vip-connectivity-check', 'apiVipConnectivity', { is_success: true, url: 'http://api.ocp.example.com:22624/config/worker', ignition: '{}', download_error: '' }, { is_success: true, url: 'http://api.ocp.example.com:22624/config/worker', ignition: '{}', download_error: '' }],
    ['dhcp-lease-allocate', 'dhcpAllocation', { api_vip_address: '10.0.0.50', ingress_vip_address: '10.0.0.51', api_vip_lease: 'lease { }', ingress_vip_lease: 'lease { }' }, { api_vip_address: '10.0.0.50', ingress_vip_address: '10.0.0.51', api_vip_lease: 'lease { }', ingress_vip_lease: 'lease { }' }],
    ['tang-connectivity-check', 'tangConnectivity', { is_success: true, tang_server_response: [{ tang_url: 'http://tang', payload: 'p', signatures: [{ protected: 'a', signature: 'b' }] }] }, { is_success: true, tang_server_response: [{ tang_url: 'http://tang', payload: 'p', signatures: [{ protected: 'a', signature: 'b' }] }] }],
  ])('%s is stored in %s', (type, field, output, expected) => {
    const host = frozen(makeHost({ stepErrors: { [type]: 'earlier failure' } }));
    const next = applyStepReply(host, ok(type, JSON.stringify(output)), NOW);
    expect(JSON.parse(next[field] as string)).toEqual(expected);
    expect(next.stepErrors[type]).toBeUndefined();
  });

  it.each([
    ['connectivity-check', '{"remote_hosts":{"a":1}}', /remote_hosts: expected an array/],
    ['connectivity-check', '{"remote_hosts":[{"l3_connectivity":[{"successful":"yes"}]}]}', /remote_hosts\[0\]\.l3_connectivity\[0\]\.successful: expected a boolean/],
    ['free-network-addresses', '{"network":"10.0.0.0/24"}', /expected an array, got an object/],
    ['free-network-addresses', '[{"free_addresses":"10.0.0.1"}]', /\[0\]\.free_addresses: expected an array/],
    ['ntp-synchronizer', '{"ntp_sources":"ntp1"}', /ntp_sources: expected an array/],
    ['domain-resolution', '{"resolutions":[{"domain_name":5}]}', /resolutions\[0\]\.domain_name: expected a string/],
    ['api-vip-connectivity-check', '{"is_success":"true"}', /is_success: expected a boolean/],
    ['dhcp-lease-allocate', 'lease {}', /not valid JSON/],
    ['tang-connectivity-check', '{"tang_server_response":[{"signatures":{}}]}', /signatures: expected an array/],
    ['installation-disk-speed-check', '{"io_sync_duration":"3"}', /io_sync_duration: expected an integer/],
    ['container-image-availability', '{"images":[{"size_bytes":"big"}]}', /images\[0\]\.size_bytes: expected a number/],
    ['upgrade-agent', '[]', /expected an object/],
    ['verify-vips', '{}', /expected an array/],
  ])('%s refuses %s', (type, output, reason) => {
    expect(() => applyStepReply(makeHost(), ok(type, output), NOW)).toThrow(ReplyFormatError);
    expect(() => applyStepReply(makeHost(), ok(type, output), NOW)).toThrow(reason);
  });

  it('keeps the last good free-address scan when the scan comes back empty or still running', () => {
    const host = frozen(makeHost({ freeAddresses: '[{"network":"10.0.0.0/24","free_addresses":["10.0.0.9"]}]' }));
    expect(applyStepReply(host, ok('free-network-addresses', '[]'), NOW).freeAddresses).toBe(host.freeAddresses);
    expect(applyStepReply(host, ok('free-network-addresses', ''), NOW)).toEqual(host);
  });

  it.each(['installation-disk-speed-check', 'container-image-availability'])('ignores an empty %s output ("already running")', (type) => {
    const host = frozen(makeHost({ stepErrors: { [type]: 'still failing' } }));
    const next = applyStepReply(host, ok(type, ''), NOW);
    expect(next).toEqual(host);
    expect(next).not.toBe(host);
  });

  it('accepts well-formed outputs of types it has nowhere to store, clearing their last error', () => {
    const host = frozen(makeHost({ stepErrors: { 'installation-disk-speed-check': 'x' } }));
    const next = applyStepReply(host, ok('installation-disk-speed-check', '{"io_sync_duration":3,"path":"/dev/sda"}'), NOW);
    expect(next.stepErrors).toEqual({});
    expect(applyStepReply(makeHost(), ok('container-image-availability', '{"images":[{"name":"quay.io/a:b","result":"success","size_bytes":4e8}]}'), NOW).stepErrors).toEqual({});
  });

  it.each(['install', 'logs-gather', 'stop-installation', 'download-boot-artifacts', 'reboot-for-reclaim', 'execute', 'next-step-runner', 'not-a-step'])(
    'changes nothing for %s, whatever the output',
    (type) => {
      const host = frozen(makeHost({ inventory: '{"hostname":"h"}' }));
      const next = applyStepReply(host, ok(type, 'Logs were sent {not json'), NOW);
      expect(next).toEqual(host);
    },
  );
});

describe('applyStepReply: exit codes', () => {
  it('records a failed step and leaves its stored data alone', () => {
    const host = frozen(makeHost({ status: 'known', inventory: '{"hostname":"h"}' }));
    const next = applyStepReply(host, { step_type: 'inventory', step_id: 'inventory-1', exit_code: -1, output: '{"hostname":"other"}', error: 'inventory failed: boom' }, NOW);
    expect(next.stepErrors).toEqual({ inventory: 'inventory failed: boom' });
    expect(next.inventory).toBe('{"hostname":"h"}');
    expect(next.status).toBe('known');
    expect(next.mediaStatus).toBeUndefined();
  });

  it('does not parse the output of a failed step, even garbage', () => {
    expect(() => applyStepReply(makeHost(), { step_type: 'inventory', step_id: 'i', exit_code: 2, output: 'garbage' }, NOW)).not.toThrow();
  });

  it('names the exit code when the agent sent no error text', () => {
    const next = applyStepReply(makeHost(), { step_type: 'free-network-addresses', step_id: 'f', exit_code: 124 }, NOW);
    expect(next.stepErrors).toEqual({ 'free-network-addresses': 'exit code 124' });
  });

  it('takes the host to disconnected on 256 (media gone), until a step succeeds', () => {
    const host = frozen(makeHost({ status: 'known', statusInfo: STATUS_INFO.known }));
    const gone = applyStepReply(host, { step_type: 'inventory', step_id: 'i', exit_code: 256, error: 'media disconnected' }, NOW);
    expect(gone).toMatchObject({ status: 'disconnected', statusInfo: STATUS_INFO.mediaDisconnected, mediaStatus: 'disconnected', statusUpdatedAt: NOW.toISOString() });
    expect(gone.stepErrors).toEqual({ inventory: 'media disconnected' });

    const later = new Date(NOW.getTime() + 60_000);
    const again = applyStepReply(gone, { step_type: 'ntp-synchronizer', step_id: 'n', exit_code: 256 }, later);
    expect(again.statusUpdatedAt).toBe(NOW.toISOString());

    const back = applyStepReply(again, ok('inventory', fixtureInventoryText('vm-virtio')), later);
    expect(back.mediaStatus).toBe('connected');
    expect(back.stepErrors).toEqual({ 'ntp-synchronizer': 'exit code 256' });
  });

  it('treats a missing exit code as success, as Go reads a zero value', () => {
    const next = applyStepReply(makeHost(), { step_type: 'ntp-synchronizer', step_id: 'n', output: '{"ntp_sources":[]}' }, NOW);
    expect(next.ntpSources).toBe('[]');
  });
});
