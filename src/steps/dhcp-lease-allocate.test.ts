import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import step, { dhclientTimeoutSeconds, leaseDir } from './dhcp-lease-allocate.js';
import { context, result, scriptedRunner, type Call } from '../../test/support/step-runner-fake.js';

const REQUEST = { interface: 'eth0', api_vip_mac: '00:1a:4a:00:00:01', ingress_vip_mac: '00:1a:4a:00:00:02' };

function lease(ifname: string, address: string): string {
  return `lease {\n  interface "${ifname}";\n  fixed-address ${address};\n  renew 6 2026/11/21 12:21:58;\n}`;
}

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'inband-lease-'));
  process.env.INBAND_LEASE_DIR = dir;
});
afterEach(async () => {
  delete process.env.INBAND_LEASE_DIR;
  delete process.env.INBAND_DHCP_TIMEOUT_S;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A host where `ip` works and dhclient appends a lease for the address `addressFor` picks. */
function host(addressFor: (ifname: string) => string) {
  return scriptedRunner(async (call: Call) => {
    if (call.file === 'ip') return call.args[1] === 'show' ? result('', 1, 'Device "api" does not exist.') : result('');
    expect(call.file).toBe('timeout');
    const ifname = call.args.at(-1)!;
    const leaseFile = call.args[call.args.indexOf('-lf') + 1]!;
    const before = await fs.readFile(leaseFile, 'utf8').catch(() => '');
    await fs.writeFile(leaseFile, `${before}${lease(ifname, addressFor(ifname))}\n`);
    return result('', 0, 'bound to x');
  });
}

describe('dhcp-lease-allocate', () => {
  it('refuses an invalid MAC with go-openapi\'s message', () => {
    expect(() => step.parseArgs([JSON.stringify({ ...REQUEST, api_vip_mac: 'invalid_mac' })])).toThrow(
      'validation failure list:\napi_vip_mac in body must be of type mac: "invalid_mac"',
    );
    expect(() => step.parseArgs(['{}'])).toThrow(
      'validation failure list:\napi_vip_mac in body is required\ningress_vip_mac in body is required\ninterface in body is required',
    );
  });

  it('keeps leases in /etc/keepalived unless INBAND_LEASE_DIR moves them; 28 s unless INBAND_DHCP_TIMEOUT_S', () => {
    expect(leaseDir({})).toBe('/etc/keepalived');
    expect(leaseDir({ INBAND_LEASE_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(dhclientTimeoutSeconds({})).toBe(28);
    expect(dhclientTimeoutSeconds({ INBAND_DHCP_TIMEOUT_S: '3' })).toBe(3);
    expect(dhclientTimeoutSeconds({ INBAND_DHCP_TIMEOUT_S: 'x' })).toBe(28);
  });

  it('runs a macvlan and dhclient per VIP, api first, and always deletes the macvlans', async () => {
    const { run, calls } = host((ifname) => (ifname === 'api' ? '198.18.2.88' : '198.18.2.89'));
    const reply = await step.run(step.parseArgs([JSON.stringify(REQUEST)]), context(run));
    expect(reply.error).toBe('');
    expect(JSON.parse(reply.output)).toEqual({
      api_vip_address: '198.18.2.88',
      api_vip_lease: lease('api', '198.18.2.88'),
      ingress_vip_address: '198.18.2.89',
      ingress_vip_lease: lease('ingress', '198.18.2.89'),
    });
    expect(calls.map((c) => [c.file, ...c.args])).toEqual([
      ['ip', 'link', 'show', 'dev', 'api'],
      ['ip', 'link', 'add', 'api', 'link', 'eth0', 'address', '00:1a:4a:00:00:01', 'type', 'macvlan', 'mode', 'private'],
      ['ip', 'link', 'set', 'dev', 'api', 'up'],
      ['timeout', '28', 'dhclient', '-v', '-H', '00-1a-4a-00-00-01-api', '-sf', '/bin/true', '-lf', `${dir}/lease-api`, '-pf', `${dir}/dhclient-api.pid`, '-1', 'api'],
      ['ip', 'link', 'del', 'dev', 'api'],
      ['ip', 'link', 'show', 'dev', 'ingress'],
      ['ip', 'link', 'add', 'ingress', 'link', 'eth0', 'address', '00:1a:4a:00:00:02', 'type', 'macvlan', 'mode', 'private'],
      ['ip', 'link', 'set', 'dev', 'ingress', 'up'],
      ['timeout', '28', 'dhclient', '-v', '-H', '00-1a-4a-00-00-02-ingress', '-sf', '/bin/true', '-lf', `${dir}/lease-ingress`, '-pf', `${dir}/dhclient-ingress.pid`, '-1', 'ingress'],
      ['ip', 'link', 'del', 'dev', 'ingress'],
    ]);
    expect(calls.find((c) => c.file === 'timeout')!.options.timeoutMs).toBe(38_000);
  });

  it('renews a provided lease, written for the macvlan, and answers with the newest block', async () => {
    const { run } = host(() => '198.18.2.90');
    const stored = lease('eth0', '198.18.2.77');
    let written = '';
    const spy = scriptedRunner(async (call) => {
      if (call.file === 'timeout' && call.args.at(-1) === 'api') written = await fs.readFile(`${dir}/lease-api`, 'utf8');
      return run(call.file, call.args, call.options);
    });
    const reply = await step.run(step.parseArgs([JSON.stringify({ ...REQUEST, api_vip_lease: stored })]), context(spy.run));
    expect(written).toBe(`${lease('api', '198.18.2.77')}\n`);
    expect(JSON.parse(reply.output).api_vip_lease).toBe(lease('api', '198.18.2.90'));
  });

  it('says dhclient timed out, and still deletes the macvlan', async () => {
    process.env.INBAND_DHCP_TIMEOUT_S = '3';
    const { run, calls } = scriptedRunner((call) => (call.file === 'timeout' ? result('', 124) : result('')));
    const reply = await step.run(step.parseArgs([JSON.stringify(REQUEST)]), context(run));
    expect(reply).toEqual({ exitCode: -1, output: '', error: 'dhclient was timed out after 3 seconds' });
    expect(calls.find((c) => c.file === 'timeout')!.args.slice(0, 2)).toEqual(['3', 'dhclient']);
    expect(calls.at(-1)!.args).toEqual(['link', 'del', 'dev', 'api']);
  });

  it('falls back to a config file for a dhclient without -H', async () => {
    const { run, calls } = scriptedRunner(async (call) => {
      if (call.file === 'ip') return result('');
      if (call.args.includes('-H')) return result('', 1, 'Unknown command: -H\nUsage: dhclient');
      await fs.writeFile(call.args[call.args.indexOf('-lf') + 1]!, lease(call.args.at(-1)!, '198.18.2.91'));
      return result('');
    });
    const reply = await step.run(step.parseArgs([JSON.stringify(REQUEST)]), context(run));
    expect(JSON.parse(reply.output).ingress_vip_address).toBe('198.18.2.91');
    const retry = calls.filter((c) => c.file === 'timeout')[1]!;
    expect(retry.args.slice(0, 5)).toEqual(['28', 'dhclient', '-v', '-cf', `${dir}/dhclient-api.conf`]);
    expect(await fs.readFile(`${dir}/dhclient-api.conf`, 'utf8')).toBe('send host-name "00-1a-4a-00-00-01-api";\n');
  });

  it('reports other dhclient failures and a too long interface name as upstream does', async () => {
    const failing = scriptedRunner((call) => (call.file === 'timeout' ? result('', 2, 'No DHCPOFFERS received.') : result('')));
    expect((await step.run(step.parseArgs([JSON.stringify(REQUEST)]), context(failing.run))).error).toBe(
      'dhclient exited with non-zero exit code 2: No DHCPOFFERS received.',
    );
    const none = scriptedRunner(() => result(''));
    const reply = await step.run(step.parseArgs([JSON.stringify({ ...REQUEST, interface: 'invalid-interface' })]), context(none.run));
    expect(reply).toEqual({ exitCode: -1, output: '', error: 'numerical result out of range' });
  });
});
