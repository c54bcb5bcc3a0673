import { describe, expect, it } from 'vitest';
import { swaggerErrors } from '../../../test/support/swagger.js';
import type { HostRecord, InfraEnvRecord, Validation, ValidationsInfo } from '../model.js';
import { GIB, MIB } from './requirements.js';
import {
  connectivityReportFor,
  FIXTURE_NAMES,
  fixtureInventory,
  hostId,
  makeHost,
  makeInfraEnv,
  NOW,
  secondsBefore,
} from './test-support.js';
import { sameValidations, validateHost } from './validations.js';

function validate(host: HostRecord, options: { infraEnv?: InfraEnvRecord; others?: HostRecord[]; namesakes?: HostRecord[]; now?: Date } = {}): ValidationsInfo {
  return validateHost({ host, infraEnv: options.infraEnv ?? makeInfraEnv(), others: options.others ?? [], now: options.now ?? NOW, ...(options.namesakes && { namesakes: options.namesakes }) });
}

function find(info: ValidationsInfo, id: string): Validation {
  const found = [...info.hardware, ...info.network].find((v) => v.id === id);
  if (!found) throw new Error(`no validation ${id} in ${JSON.stringify(info)}`);
  return found;
}

function check(host: HostRecord, id: string, options: Parameters<typeof validate>[1] = {}): Pick<Validation, 'status' | 'message'> {
  const { status, message } = find(validate(host, options), id);
  return { status, message };
}

function vm(change: (inventory: Record<string, any>) => void = () => {}): Record<string, any> {
  const inventory = fixtureInventory('vm-virtio');
  change(inventory);
  return inventory;
}

describe('validateHost: shape', () => {
  it.each(FIXTURE_NAMES)('emits each upstream id once, in its category (%s)', (name) => {
    const info = validate(makeHost({ inventory: fixtureInventory(name) }));
    expect(info.hardware.map((v) => v.id)).toEqual([
      'has-inventory',
      'inventory-not-fully-truncated',
      'has-min-cpu-cores',
      'has-min-memory',
      'has-min-valid-disks',
      'hostname-unique',
      'hostname-valid',
    ]);
    expect(info.network.map((v) => v.id)).toEqual([
      'connected',
      'media-connected',
      'belongs-to-majority-group',
      'ntp-synced',
      'time-synced-between-host-and-service',
      'has-default-route',
      'ignition-downloadable',
      'api-domain-name-resolved-correctly',
      'api-int-domain-name-resolved-correctly',
      'apps-domain-name-resolved-correctly',
    ]);
  });

  it('uses only ids of the swagger host-validation-id enum', () => {
    const info = validate(makeHost({ inventory: vm() }), { infraEnv: makeInfraEnv({ domainsToResolve: ['api.a.example.com', 'registry.example.com'] }) });
    for (const v of [...info.hardware, ...info.network]) {
      expect(swaggerErrors('host-validation-id', v.id), v.id).toEqual([]);
      expect(['success', 'failure', 'pending', 'error', 'disabled']).toContain(v.status);
      expect(v.message).not.toBe('');
    }
    expect(swaggerErrors('host-validation-id', 'domain-resolved').length).toBeGreaterThan(0);
  });

  it('passes every check for a healthy recorded VM with nothing else configured', () => {
    const info = validate(makeHost({ inventory: vm() }));
    const notPassing = [...info.hardware, ...info.network].filter((v) => v.status !== 'success' && v.status !== 'disabled');
    expect(notPassing).toEqual([]);
  });
});

describe('hardware validations', () => {
  it('has-inventory fails until an inventory arrives, and for an unreadable one', () => {
    expect(check(makeHost({ inventory: vm() }), 'has-inventory').status).toBe('success');
    expect(check(makeHost(), 'has-inventory')).toEqual({ status: 'failure', message: 'The host has not sent its hardware inventory yet' });
    expect(check(makeHost({ inventory: '{"cpu":' }), 'has-inventory')).toEqual({ status: 'failure', message: 'The stored inventory of the host cannot be read' });
  });

  it('checks that depend on the inventory are pending without one', () => {
    const info = validate(makeHost());
    for (const id of ['inventory-not-fully-truncated', 'has-min-cpu-cores', 'has-min-memory', 'has-min-valid-disks', 'hostname-unique', 'hostname-valid', 'has-default-route']) {
      expect(find(info, id), id).toMatchObject({ status: 'pending', message: 'Missing inventory' });
    }
  });

  it('inventory-not-fully-truncated fails only for a full truncation', () => {
    expect(check(makeHost({ inventory: vm((i) => (i.truncation = { type: 'partial', reasons: ['too many disks'] })) }), 'inventory-not-fully-truncated').status).toBe('success');
    expect(check(makeHost({ inventory: { hostname: 'h', truncation: { type: 'full', reasons: ['inventory too large'] } } }), 'inventory-not-fully-truncated')).toEqual({
      status: 'failure',
      message: 'The agent had to drop the whole inventory: inventory too large',
    });
  });

  it.each([
    [4, 'success', 'Sufficient CPU cores'],
    [2, 'success', 'Sufficient CPU cores'],
    [1, 'failure', 'Insufficient CPU cores: 1 (required: 2)'],
  ])('has-min-cpu-cores with %i cores: %s', (count, status, message) => {
    expect(check(makeHost({ inventory: vm((i) => (i.cpu.count = count)) }), 'has-min-cpu-cores')).toEqual({ status, message });
  });

  it('has-min-cpu-cores counts a missing cpu section as zero cores', () => {
    expect(check(makeHost({ inventory: vm((i) => delete i.cpu) }), 'has-min-cpu-cores').message).toBe('Insufficient CPU cores: 0 (required: 2)');
  });

  it.each([
    ['exactly 8 GiB (vm-virtio)', 8 * GIB, 'dmidecode', 'success'],
    ['8 GiB minus the 100 MiB tolerance', 8 * GIB - 100 * MIB, 'dmidecode', 'success'],
    ['one byte under the tolerance', 8 * GIB - 100 * MIB - 1, 'dmidecode', 'failure'],
    ['7.75 GiB from meminfo (+2%)', 7.75 * GIB, 'meminfo', 'success'],
    ['7.75 GiB from dmidecode', 7.75 * GIB, 'dmidecode', 'failure'],
    ['7.5 GiB from meminfo', 7.5 * GIB, 'meminfo', 'failure'],
  ])('has-min-memory with %s', (_what, bytes, method, status) => {
    const v = check(makeHost({ inventory: vm((i) => (i.memory = { physical_bytes: bytes, physical_bytes_method: method, usable_bytes: bytes })) }), 'has-min-memory');
    expect(v.status).toBe(status);
    expect(v.message).toBe(status === 'success' ? 'Sufficient minimum RAM' : `Insufficient RAM: ${(bytes / GIB).toFixed(2)} GiB (required: 8.00 GiB)`);
  });

  it('has-min-valid-disks names the eligible disk', () => {
    expect(check(makeHost({ inventory: vm() }), 'has-min-valid-disks')).toEqual({ status: 'success', message: 'Sufficient disk capacity: /dev/vdb (107.37 GB) is eligible' });
  });

  it('has-min-valid-disks explains, per disk, why none is eligible', () => {
    const v = check(makeHost({ inventory: vm((i) => (i.disks = i.disks.filter((d: { name: string }) => d.name !== 'vdb'))) }), 'has-min-valid-disks');
    expect(v.status).toBe('failure');
    expect(v.message).toMatch(/^No eligible installation disk \(sr0: Disk is too small: 0\.49 MB \(required: 100 GB\), Drive type ODD/);
    expect(v.message).toContain("vda: Disk has partition 'vda2' mounted on '/boot/efi'");
    expect(v.message).toContain('Disk is too small: 42.95 GB (required: 100 GB)');
  });

  it('has-min-valid-disks fails for a host without disks, and for the bond-vlan-ipv6 host whose only disk is in use', () => {
    expect(check(makeHost({ inventory: vm((i) => (i.disks = [])) }), 'has-min-valid-disks').message).toBe('No eligible installation disk: the host reported no disks');
    expect(check(makeHost({ inventory: fixtureInventory('bond-vlan-ipv6') }), 'has-min-valid-disks').status).toBe('failure');
  });

  it('has-min-valid-disks rejects multipath paths but accepts the device (san-multipath-iscsi)', () => {
    const inventory = fixtureInventory('san-multipath-iscsi');
    inventory.disks = inventory.disks.filter((d: { name: string }) => ['sda', 'sdb', 'dm-0'].includes(d.name));
    expect(check(makeHost({ inventory }), 'has-min-valid-disks').message).toContain('/dev/dm-0');
    // With the device itself in use, its paths are no way around that.
    const device = inventory.disks.find((d: { name: string }) => d.name === 'dm-0');
    device.installation_eligibility = { eligible: false, not_eligible_reasons: ["Disk has partition 'dm-0p1' mounted on '/'"] };
    const v = check(makeHost({ inventory }), 'has-min-valid-disks');
    expect(v.status).toBe('failure');
    expect(v.message).toContain('sda: Disk is a path of multipath device dm-0; use the multipath device instead');
  });

  it.each([
    ['vm-worker-2.novalocal', 'success', 'Hostname vm-worker-2.novalocal is allowed'],
    ['b8-59-9f-00-12-34', 'success', 'Hostname b8-59-9f-00-12-34 is allowed'],
    ['localhost', 'failure', 'Hostname localhost is forbidden: it is the default of every fresh installation'],
    ['localhost.localdomain', 'failure', 'Hostname localhost.localdomain is forbidden: it is the default of every fresh installation'],
    ['Worker-1', 'failure', /is not a valid RFC 1123 name/],
    ['worker_1', 'failure', /is not a valid RFC 1123 name/],
    ['-worker', 'failure', /is not a valid RFC 1123 name/],
    ['worker..lab', 'failure', /is not a valid RFC 1123 name/],
    [`${'a'.repeat(64)}.lab`, 'failure', /is not a valid RFC 1123 name/],
    [`${'a'.repeat(63)}.lab`, 'success', /is allowed/],
    ['', 'failure', 'The host has no hostname'],
  ])('hostname-valid for %j: %s', (hostname, status, message) => {
    const v = check(makeHost({ inventory: vm((i) => (i.hostname = hostname)) }), 'hostname-valid');
    expect(v.status).toBe(status);
    if (typeof message === 'string') expect(v.message).toBe(message);
    else expect(v.message).toMatch(message);
  });

  it('hostname-valid judges the requested hostname over the reported one', () => {
    const host = makeHost({ inventory: vm((i) => (i.hostname = 'localhost')), requestedHostname: 'worker-7' });
    expect(check(host, 'hostname-valid')).toEqual({ status: 'success', message: 'Hostname worker-7 is allowed' });
  });

  it('hostname-unique compares with the other hosts of the same infra-env only', () => {
    const host = makeHost({ inventory: vm() });
    const twin = makeHost({ inventory: vm(), status: 'known' });
    const elsewhere = makeHost({ inventory: vm(), infraEnvId: 'ffffffff-0000-4000-8000-000000000000' });
    const other = makeHost({ inventory: vm((i) => (i.hostname = 'vm-worker-3.novalocal')) });
    expect(check(host, 'hostname-unique', { others: [host, other, elsewhere] })).toEqual({ status: 'success', message: 'Hostname vm-worker-2.novalocal is unique in the infra-env' });
    expect(check(host, 'hostname-unique', { others: [host, other, twin] })).toEqual({
      status: 'failure',
      message: `Hostname vm-worker-2.novalocal is not unique in the infra-env: also used by ${twin.id}`,
    });
  });

  it('hostname-unique sees requested hostnames and ignores case', () => {
    const host = makeHost({ inventory: vm() });
    const renamed = makeHost({ inventory: vm((i) => (i.hostname = 'something-else')), requestedHostname: 'VM-Worker-2.novalocal' });
    expect(check(host, 'hostname-unique', { others: [renamed] }).status).toBe('failure');
    const renamedAway = { ...host, requestedHostname: 'worker-9' };
    expect(check(renamedAway, 'hostname-unique', { others: [makeHost({ inventory: vm() })] }).status).toBe('success');
  });

  it('hostname-unique judges by the namesakes when the caller gives them (an index of names), not by walking the others', () => {
    const host = makeHost({ inventory: vm() });
    const twin = makeHost({ inventory: vm(), status: 'known' });
    const peers = Array.from({ length: 5 }, (_, n) => makeHost({ inventory: vm((i) => (i.hostname = `peer-${n}`)) }));
    expect(check(host, 'hostname-unique', { others: peers, namesakes: [twin] })).toEqual({
      status: 'failure',
      message: `Hostname vm-worker-2.novalocal is not unique in the infra-env: also used by ${twin.id}`,
    });
    expect(check(host, 'hostname-unique', { others: [...peers, twin], namesakes: [] }).status).toBe('success');
    // A namesake list is still checked: the host itself, another infra-env's host or a stale entry do not clash.
    const elsewhere = makeHost({ inventory: vm(), infraEnvId: 'ffffffff-0000-4000-8000-000000000000' });
    const renamed = makeHost({ inventory: vm((i) => (i.hostname = 'moved-on')) });
    expect(check(host, 'hostname-unique', { namesakes: [host, elsewhere, renamed] }).status).toBe('success');
  });
});

describe('sameValidations', () => {
  const info = (): ValidationsInfo => validate(makeHost({ inventory: vm() }));

  it('is true for equal verdicts in separate objects, false when any group, verdict, message or order differs', () => {
    const a = info();
    expect(sameValidations(a, info())).toBe(true);
    expect(sameValidations(a, JSON.parse(JSON.stringify(a)))).toBe(true);
    expect(sameValidations(undefined, undefined)).toBe(true);
    expect(sameValidations(a, undefined)).toBe(false);
    const changed = (edit: (b: ValidationsInfo) => void): boolean => {
      const b = JSON.parse(JSON.stringify(a)) as ValidationsInfo;
      edit(b);
      return sameValidations(a, b);
    };
    expect(changed((b) => (b.hardware[0]!.status = b.hardware[0]!.status === 'success' ? 'failure' : 'success'))).toBe(false);
    expect(changed((b) => (b.network[1]!.message += '.'))).toBe(false);
    expect(changed((b) => (b.network[0]!.id = 'another-id'))).toBe(false);
    expect(changed((b) => b.hardware.reverse())).toBe(false);
    expect(changed((b) => b.network.pop())).toBe(false);
    expect(changed((b) => (b.operators = []))).toBe(false);
    expect(changed((b) => Object.assign(b.hardware[0]!, { extra: 1 }))).toBe(false);
    // The same verdicts always compare as their JSON does.
    for (const edit of [(b: ValidationsInfo) => b.hardware.reverse(), (b: ValidationsInfo) => (b.network[0]!.message = 'x'), () => undefined]) {
      const b = JSON.parse(JSON.stringify(a)) as ValidationsInfo;
      edit(b);
      expect(sameValidations(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
    }
  });
});

describe('network validations', () => {
  it('connected allows up to 3 minutes of silence', () => {
    expect(check(makeHost({ checkedInAt: secondsBefore(180) }), 'connected').status).toBe('success');
    expect(check(makeHost({ checkedInAt: secondsBefore(181) }), 'connected')).toEqual({
      status: 'failure',
      message: 'The host has not checked in for more than 3 minutes',
    });
  });

  it('connected falls back to the registration time when the check-in time is unusable', () => {
    expect(check(makeHost({ checkedInAt: '', registeredAt: secondsBefore(30) }), 'connected').status).toBe('success');
    expect(check(makeHost({ checkedInAt: 'garbage', registeredAt: secondsBefore(600) }), 'connected').status).toBe('failure');
  });

  it('media-connected follows the media status', () => {
    expect(check(makeHost(), 'media-connected').status).toBe('success');
    expect(check(makeHost({ mediaStatus: 'connected' }), 'media-connected').status).toBe('success');
    expect(check(makeHost({ mediaStatus: 'disconnected' }), 'media-connected').status).toBe('failure');
  });

  describe('belongs-to-majority-group', () => {
    const peer = (change: (i: Record<string, any>) => void, status: HostRecord['status'] = 'known') =>
      makeHost({ status, inventory: vm((i) => { i.hostname = `peer-${hostId().slice(-4)}`; change(i); }) });
    const ipOf = (host: HostRecord) => (JSON.parse(host.inventory!).interfaces[1].ipv4_addresses[0] as string).split('/')[0]!;
    const b = peer((i) => (i.interfaces[1].ipv4_addresses = ['10.0.0.16/24']));
    const c = peer((i) => (i.interfaces[1].ipv4_addresses = ['10.0.0.17/24']));

    it('succeeds with no other hosts, or none that can be targets', () => {
      const host = makeHost({ inventory: vm() });
      expect(check(host, 'belongs-to-majority-group')).toEqual({ status: 'success', message: 'No other hosts in the infra-env to check connectivity with' });
      const discovering = makeHost({ status: 'discovering', inventory: vm() });
      const disconnected = makeHost({ status: 'disconnected', inventory: vm() });
      const noInventory = makeHost({ status: 'insufficient' });
      const noAddresses = peer((i) => (i.interfaces[1].ipv4_addresses = []));
      expect(check(host, 'belongs-to-majority-group', { others: [host, discovering, disconnected, noInventory, noAddresses] }).status).toBe('success');
    });

    it('is pending until a report covers the other hosts, failing if the step failed', () => {
      expect(check(makeHost({ inventory: vm() }), 'belongs-to-majority-group', { others: [b] })).toEqual({
        status: 'pending',
        message: 'Missing connectivity report for the other hosts',
      });
      const stale = connectivityReportFor([{ id: hostId(), ip: '10.0.0.99', ok: true }]);
      expect(check(makeHost({ inventory: vm(), connectivity: stale }), 'belongs-to-majority-group', { others: [b] }).status).toBe('pending');
      const failedStep = makeHost({ inventory: vm(), stepErrors: { 'connectivity-check': 'ping: permission denied' } });
      expect(check(failedStep, 'belongs-to-majority-group', { others: [b] })).toEqual({
        status: 'failure',
        message: 'The connectivity-check step failed: ping: permission denied',
      });
    });

    it('succeeds when every covered host is reachable, and fails naming the unreachable ones', () => {
      const reachesBoth = connectivityReportFor([{ id: b.id, ip: ipOf(b), ok: true }, { id: c.id, ip: ipOf(c), ok: true }]);
      expect(check(makeHost({ inventory: vm(), connectivity: reachesBoth }), 'belongs-to-majority-group', { others: [b, c] }).status).toBe('success');
      const missesC = connectivityReportFor([{ id: b.id, ip: ipOf(b), ok: true }, { id: c.id, ip: ipOf(c), ok: false }]);
      expect(check(makeHost({ inventory: vm(), connectivity: missesC }), 'belongs-to-majority-group', { others: [b, c] })).toEqual({
        status: 'failure',
        message: `No connectivity to 1 of 2 other hosts: ${c.id}`,
      });
    });

    it('judges a host that joined after the last report at the next report', () => {
      const onlyB = connectivityReportFor([{ id: b.id, ip: ipOf(b), ok: true }]);
      expect(check(makeHost({ inventory: vm(), connectivity: onlyB }), 'belongs-to-majority-group', { others: [b, c] }).status).toBe('success');
    });

    it('accepts L3 reachability without L2 (a routed peer)', () => {
      const routed = JSON.stringify({
        remote_hosts: [{ host_id: b.id, l2_connectivity: [{ remote_ip_address: ipOf(b), successful: false }], l3_connectivity: [{ remote_ip_address: ipOf(b), successful: true }] }],
      });
      expect(check(makeHost({ inventory: vm(), connectivity: routed }), 'belongs-to-majority-group', { others: [b] }).status).toBe('success');
      const nothing = JSON.stringify({ remote_hosts: [{ host_id: b.id }] });
      expect(check(makeHost({ inventory: vm(), connectivity: nothing }), 'belongs-to-majority-group', { others: [b] }).status).toBe('failure');
    });
  });

  describe('ntp-synced', () => {
    const withNtp = makeInfraEnv({ additionalNtpSources: 'ntp1.example.com, 10.0.0.1' });

    it('is disabled when the infra-env has no NTP sources, whatever the host reports', () => {
      const host = makeHost({ inventory: vm(), ntpSources: '[{"source_name":"x","source_state":"unreachable"}]' });
      expect(check(host, 'ntp-synced')).toEqual({ status: 'disabled', message: 'No NTP sources are configured for the infra-env' });
    });

    it('is pending until the host reports, failing if the step failed', () => {
      expect(check(makeHost({ inventory: vm() }), 'ntp-synced', { infraEnv: withNtp })).toEqual({ status: 'pending', message: 'Missing NTP synchronization report' });
      expect(check(makeHost({ stepErrors: { 'ntp-synchronizer': 'Invalid NTP source: x y' } }), 'ntp-synced', { infraEnv: withNtp })).toEqual({
        status: 'failure',
        message: 'The ntp-synchronizer step failed: Invalid NTP source: x y',
      });
    });

    it('succeeds when a source is synced and fails when none is', () => {
      const synced = '[{"source_name":"10.0.0.1","source_state":"combined"},{"source_name":"ntp1.example.com","source_state":"synced"}]';
      expect(check(makeHost({ ntpSources: synced }), 'ntp-synced', { infraEnv: withNtp })).toEqual({ status: 'success', message: 'Host NTP is synced with ntp1.example.com' });
      const unsynced = '[{"source_name":"10.0.0.1","source_state":"unreachable"},{"source_name":"ntp1.example.com","source_state":"combined"}]';
      expect(check(makeHost({ ntpSources: unsynced }), 'ntp-synced', { infraEnv: withNtp })).toEqual({
        status: 'failure',
        message: 'The host could not synchronize with any NTP source (configured: ntp1.example.com, 10.0.0.1)',
      });
      expect(check(makeHost({ ntpSources: '[]' }), 'ntp-synced', { infraEnv: makeInfraEnv({ ntpSources: 'pool.ntp.org' }) }).status).toBe('failure');
    });
  });

  describe('time-synced-between-host-and-service', () => {
    const at = (skewSeconds: number) => makeHost({ checkedInAt: secondsBefore(30), timestamp: Math.floor(Date.parse(secondsBefore(30)) / 1000) - skewSeconds });

    it.each([
      [0, 'success'],
      [20 * 60, 'success'],
      [20 * 60 + 1, 'failure'],
      [-60 * 60, 'success'],
      [-60 * 60 - 1, 'failure'],
    ])('host clock %i s behind the service: %s', (skew, status) => {
      expect(check(at(skew), 'time-synced-between-host-and-service').status).toBe(status);
    });

    it('says which way the clock is off', () => {
      expect(check(at(30 * 60), 'time-synced-between-host-and-service').message).toBe(
        'The host clock is 30 minutes behind the service (at most 20 allowed); configure NTP',
      );
      expect(check(at(-2 * 3600), 'time-synced-between-host-and-service').message).toBe(
        'The host clock is 120 minutes ahead of the service (at most 60 allowed); configure NTP',
      );
    });

    it('measures skew at the poll, not against a later refresh', () => {
      const host = at(0);
      expect(check(host, 'time-synced-between-host-and-service', { now: new Date(NOW.getTime() + 2 * 3600_000) }).status).toBe('success');
    });

    it('is pending before the host has sent its time', () => {
      expect(check(makeHost({ timestamp: undefined }), 'time-synced-between-host-and-service')).toEqual({ status: 'pending', message: 'Missing host time' });
    });
  });

  describe('has-default-route', () => {
    it.each(FIXTURE_NAMES)('finds the default route of %s', (name) => {
      expect(check(makeHost({ inventory: fixtureInventory(name) }), 'has-default-route')).toEqual({ status: 'success', message: 'The host has a default route' });
    });

    it('accepts an IPv6-only default route and fails without any', () => {
      const v6only = vm((i) => (i.routes = [{ destination: '::', family: 10, gateway: 'fe80::1', interface: 'eth0' }]));
      expect(check(makeHost({ inventory: v6only }), 'has-default-route').status).toBe('success');
      const noDefault = vm((i) => (i.routes = i.routes.filter((r: { destination: string }) => r.destination !== '0.0.0.0')));
      expect(check(makeHost({ inventory: noDefault }), 'has-default-route')).toEqual({ status: 'failure', message: 'The host has no default route' });
      expect(check(makeHost({ inventory: vm((i) => delete i.routes) }), 'has-default-route').status).toBe('failure');
    });
  });

  describe('ignition-downloadable', () => {
    const url = 'http://api.ocp.example.com:22624/config/worker';
    const infraEnv = makeInfraEnv({ apiVipUrl: url });

    it('is disabled without an API URL and pending until the check ran', () => {
      expect(check(makeHost(), 'ignition-downloadable').status).toBe('disabled');
      expect(check(makeHost(), 'ignition-downloadable', { infraEnv })).toEqual({ status: 'pending', message: `Missing API connectivity report for ${url}` });
    });

    it('follows the last result for the configured URL', () => {
      expect(check(makeHost({ apiVipConnectivity: JSON.stringify({ is_success: true, url }) }), 'ignition-downloadable', { infraEnv }).status).toBe('success');
      const failed = makeHost({ apiVipConnectivity: JSON.stringify({ is_success: false, url, download_error: 'connection refused' }) });
      expect(check(failed, 'ignition-downloadable', { infraEnv })).toEqual({
        status: 'failure',
        message: `The ignition cannot be downloaded from ${url}: connection refused`,
      });
      const otherUrl = makeHost({ apiVipConnectivity: JSON.stringify({ is_success: true, url: 'http://old:22624/config/worker' }) });
      expect(check(otherUrl, 'ignition-downloadable', { infraEnv }).status).toBe('pending');
    });
  });

  describe('domain name resolution', () => {
    const infraEnv = makeInfraEnv({
      domainsToResolve: ['api.ocp.example.com', '*.apps.ocp.example.com', 'console.apps.ocp.example.com', 'registry.example.com'],
    });
    const resolutions = (entries: Array<[string, string[]]>) =>
      JSON.stringify({ resolutions: entries.map(([domain_name, ipv4_addresses]) => ({ domain_name, ipv4_addresses, ipv6_addresses: [] })) });

    it('is disabled for each kind of name that is not configured', () => {
      const info = validate(makeHost());
      for (const id of ['api-domain-name-resolved-correctly', 'api-int-domain-name-resolved-correctly', 'apps-domain-name-resolved-correctly']) {
        expect(find(info, id).status).toBe('disabled');
      }
      expect(find(info, 'api-int-domain-name-resolved-correctly').message).toBe('No internal API name is configured to resolve');
    });

    it('groups names by upstream id and leaves names without an id out of the validations', () => {
      const host = makeHost({
        domainNameResolutions: resolutions([
          ['api.ocp.example.com', ['10.0.0.5']],
          ['*.apps.ocp.example.com', ['10.0.0.6']],
          ['console.apps.ocp.example.com', []],
          ['registry.example.com', []],
        ]),
      });
      const info = validate(host, { infraEnv });
      expect(find(info, 'api-domain-name-resolved-correctly')).toMatchObject({ status: 'success', message: 'Domain name resolution succeeded for api.ocp.example.com' });
      expect(find(info, 'apps-domain-name-resolved-correctly')).toMatchObject({ status: 'failure', message: 'Domain name resolution failed for console.apps.ocp.example.com' });
      expect(find(info, 'api-int-domain-name-resolved-correctly').status).toBe('disabled');
      expect(JSON.stringify(info)).not.toContain('registry.example.com');
    });

    it('is pending for names not resolved yet, failing if the step failed', () => {
      const partial = makeHost({ domainNameResolutions: resolutions([['api.ocp.example.com', ['10.0.0.5']]]) });
      expect(check(partial, 'apps-domain-name-resolved-correctly', { infraEnv })).toEqual({
        status: 'pending',
        message: 'Missing domain name resolution for *.apps.ocp.example.com, console.apps.ocp.example.com',
      });
      const failed = makeHost({ stepErrors: { 'domain-resolution': 'Every domain in a domain request must have a domain name field' } });
      expect(check(failed, 'api-domain-name-resolved-correctly', { infraEnv }).status).toBe('failure');
    });

    it('counts IPv6-only answers and treats the API URL host as the API name', () => {
      const env = makeInfraEnv({ domainsToResolve: ['kube.example.com'], apiVipUrl: 'https://kube.example.com:22623/config/worker' });
      const host = makeHost({ domainNameResolutions: JSON.stringify({ resolutions: [{ domain_name: 'kube.example.com', ipv6_addresses: ['2001:db8::5'] }] }) });
      expect(check(host, 'api-domain-name-resolved-correctly', { infraEnv: env }).status).toBe('success');
    });
  });
});
