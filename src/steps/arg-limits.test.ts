/**
 * Every step's arguments are bounded and checked before any work: a hostile or broken service
 * cannot make the agent start 100,000 probes, write outside the host's mount, or name a shell word.
 */
import { describe, expect, it } from 'vitest';
import type { StepType } from '../protocol/step-types.js';
import { stepModule } from './registry.js';
import { STEP_ARG_LIMITS } from './limits.js';

function parse(type: string, arg: unknown): unknown {
  return stepModule(type as StepType).parseArgs([typeof arg === 'string' ? arg : JSON.stringify(arg)]);
}

const HOST_ID = '6b4e1b63-8b1f-4d3c-8b64-3c206e801d22';

describe('step argument bounds', () => {
  it('refuses an argument over 1 MiB before parsing it', () => {
    expect(() => parse('domain-resolution', `{"domains":[${'{"domain_name":"a.example.com"},'.repeat(40_000)}{}]}`)).toThrow(/argument is \d+ bytes; at most 1048576 are accepted/);
  });

  it('refuses lists longer than a real request in every list-taking step', () => {
    const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
    const cases: [string, unknown, string][] = [
      ['connectivity-check', many(STEP_ARG_LIMITS.connectivityHosts + 1, () => ({ host_id: HOST_ID, nics: [] })), 'hosts'],
      ['connectivity-check', [{ host_id: HOST_ID, nics: many(STEP_ARG_LIMITS.nicsPerHost + 1, (i) => ({ name: `eth${i}`, mac: '52:54:00:00:00:01', ip_addresses: ['198.18.0.1'] })) }], '0.nics'],
      ['connectivity-check', [{ host_id: HOST_ID, nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', ip_addresses: many(STEP_ARG_LIMITS.addressesPerNic + 1, (i) => `198.18.0.${i}`) }] }], '0.nics.0.ip_addresses'],
      ['domain-resolution', { domains: many(STEP_ARG_LIMITS.domains + 1, (i) => ({ domain_name: `h${i}.example.com` })) }, 'domains'],
      ['container-image-availability', { images: many(STEP_ARG_LIMITS.images + 1, (i) => `quay.io/x/y:${i}`), timeout: 60 }, 'images'],
      ['verify-vips', many(STEP_ARG_LIMITS.vips + 1, (i) => ({ vip: `198.18.0.${i}`, vip_type: 'api' })), 'vips'],
      ['ntp-synchronizer', { ntp_source: many(STEP_ARG_LIMITS.ntpSources + 1, (i) => `ntp${i}.example.com`).join(',') }, 'ntp_source'],
      ['tang-connectivity-check', { tang_servers: JSON.stringify(many(STEP_ARG_LIMITS.tangServers + 1, (i) => ({ url: `http://tang${i}.example.com`, thumbprint: 't' }))) }, 'tang_servers'],
    ];
    for (const [type, arg, field] of cases) {
      expect(() => parse(type, arg), `${type} ${field}`).toThrow(new RegExp(`^validation failure list:\\n${field.replace(/\./g, '\\.')} in body should have at most \\d+ items, got \\d+$`));
    }
  });

  it('refuses host paths that could walk elsewhere, and downloads that are not http(s)', () => {
    const urls = { kernel_url: 'https://example.com/k', initrd_url: 'https://example.com/i', rootfs_url: 'https://example.com/r' };
    for (const dir of ['host', '/host/../etc', '/host/./x', '//host', '/host\nx']) {
      expect(() => parse('download-boot-artifacts', { ...urls, host_fs_mount_dir: dir }), dir).toThrow(/host_fs_mount_dir in body must be an absolute path/);
      expect(() => parse('reboot-for-reclaim', { host_fs_mount_dir: dir }), dir).toThrow(/host_fs_mount_dir in body must be an absolute path/);
    }
    expect(parse('reboot-for-reclaim', { host_fs_mount_dir: '/host/' })).toEqual({ host_fs_mount_dir: '/host/' });
    expect(() => parse('download-boot-artifacts', { ...urls, kernel_url: 'file:///etc/shadow', host_fs_mount_dir: '/host' })).toThrow(/kernel_url in body must be an http or https URL/);
  });

  it('refuses interface names that are not names', () => {
    const request = { api_vip_mac: '00:1a:4a:00:00:01', ingress_vip_mac: '00:1a:4a:00:00:02' };
    for (const name of ['-rf', 'eth0 up', 'a/b', '$(reboot)']) {
      expect(() => parse('dhcp-lease-allocate', { ...request, interface: name }), name).toThrow(/interface in body must be an interface name/);
    }
    expect(parse('dhcp-lease-allocate', { ...request, interface: 'bond0.100' })).toMatchObject({ interface: 'bond0.100' });
  });
});
