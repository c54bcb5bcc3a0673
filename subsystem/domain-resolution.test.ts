/**
 * domain_resolution against dnsmasq: the DNS server lives in one namespace of a test topology, the
 * tool runs in another whose resolv.conf (via /etc/netns/<ns>/resolv.conf, which `ip netns exec`
 * mounts over /etc/resolv.conf) points at it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { Topology } from './support/netns.js';
import { swaggerErrors } from '../test/support/swagger.js';
import { withoutNulls } from '../test/support/go-null.js';
import { runToolInNetns } from './support/tool-in-netns.js';

const DNS_ADDRESS = '198.18.9.1';
const NETNS_DIR = '/etc/netns';

let topology: Topology;
let dnsmasq: ChildProcess;
let createdNetnsDir = false;
let clientConfDir = '';

async function waitForStart(child: ChildProcess, timeoutMs: number): Promise<void> {
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dnsmasq did not start: ${text}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (/started, version/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dnsmasq exited with ${code}: ${text}`));
    });
  });
}

async function resolveIn(netns: string, names: (string | null)[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  const request = JSON.stringify({ domains: names.map((name) => (name === null ? {} : { domain_name: name })) });
  return runToolInNetns(netns, 'domain_resolution', request, { env, timeoutMs: 60_000 });
}

beforeAll(async () => {
  topology = await Topology.create({
    prefix: 'ib-dns',
    hosts: [
      { name: 'server', addresses: [`${DNS_ADDRESS}/24`] },
      { name: 'client', addresses: ['198.18.9.2/24'] },
    ],
  });
  createdNetnsDir = !(await fs.stat(NETNS_DIR).catch(() => undefined));
  clientConfDir = `${NETNS_DIR}/${topology.host('client').netns}`;
  await fs.mkdir(clientConfDir, { recursive: true });
  await fs.writeFile(`${clientConfDir}/resolv.conf`, `nameserver ${DNS_ADDRESS}\noptions timeout:2 attempts:1\n`);
  dnsmasq = topology.startInNamespace(topology.host('server').netns, '/usr/sbin/dnsmasq', [
    '--no-daemon',
    '--conf-file=/dev/null',
    '--port=53',
    `--listen-address=${DNS_ADDRESS}`,
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--log-facility=-',
    // Names under .test are answered here or with NXDOMAIN, never forwarded.
    '--local=/test/',
    '--address=/a.test/198.18.5.1',
    '--host-record=dual.test,198.18.5.2,2001:db8:5::2',
    '--host-record=six.test,2001:db8:5::6',
    '--cname=alias.test,dual.test',
  ]);
  await waitForStart(dnsmasq, 15_000);
}, 60_000);

afterAll(async () => {
  await topology?.destroy();
  if (clientConfDir) await fs.rm(clientConfDir, { recursive: true, force: true });
  if (createdNetnsDir) await fs.rmdir(NETNS_DIR).catch(() => undefined);
});

describe('domain_resolution against dnsmasq', () => {
  it('reports A, AAAA and canonical names, and empty lists for NXDOMAIN', async () => {
    const result = await resolveIn(topology.host('client').netns, ['a.test', 'dual.test', 'alias.test', 'six.test', 'missing.test']);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as unknown;
    expect(output).toEqual({
      resolutions: [
        { domain_name: 'a.test', ipv4_addresses: ['198.18.5.1'], ipv6_addresses: [], cnames: ['a.test.'] },
        { domain_name: 'dual.test', ipv4_addresses: ['198.18.5.2'], ipv6_addresses: ['2001:db8:5::2'], cnames: ['dual.test.'] },
        { domain_name: 'alias.test', ipv4_addresses: ['198.18.5.2'], ipv6_addresses: ['2001:db8:5::2'], cnames: ['dual.test.'] },
        { domain_name: 'six.test', ipv4_addresses: [], ipv6_addresses: ['2001:db8:5::6'], cnames: ['six.test.'] },
        { domain_name: 'missing.test', ipv4_addresses: [], ipv6_addresses: [], cnames: null },
      ],
    });
    expect(swaggerErrors('domain_resolution_response', withoutNulls(output))).toEqual([]);
  });

  it('can be pointed at a server with INBAND_DNS_SERVER', async () => {
    // The server namespace has no resolv.conf of its own, so only the variable leads to dnsmasq.
    const result = await resolveIn(topology.host('server').netns, ['a.test'], { ...process.env, INBAND_DNS_SERVER: DNS_ADDRESS });
    expect(JSON.parse(result.stdout)).toEqual({ resolutions: [{ domain_name: 'a.test', ipv4_addresses: ['198.18.5.1'], ipv6_addresses: [], cnames: ['a.test.'] }] });
  });

  it('fails a domain without a name with upstream\'s message', async () => {
    const result = await resolveIn(topology.host('client').netns, ['a.test', null]);
    expect(result.code).toBe(255);
    expect(result.stderr.trim()).toBe('Every domain in a domain request must have a domain name field');
  });
});
