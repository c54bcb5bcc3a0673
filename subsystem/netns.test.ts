import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Topology } from './support/netns.js';

const run = promisify(execFile);
let topology: Topology;

describe('network-namespace topology helper', () => {
  beforeAll(async () => {
    topology = await Topology.create({
      prefix: 'ib-topo',
      hosts: [
        { name: 'a', addresses: ['198.18.0.1/24', '2001:db8::1/64'] },
        { name: 'b', addresses: ['198.18.0.2/24', '2001:db8::2/64'], mtu: 9000 },
        { name: 'c', addresses: ['198.18.0.3/24'], down: true },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await topology.destroy();
  });

  it('joins the hosts on one segment, IPv4 and IPv6, with their MTUs', async () => {
    expect((await topology.exec('a', 'ping', ['-c', '1', '-W', '2', '198.18.0.2'])).code).toBe(0);
    expect((await topology.exec('a', 'ping', ['-6', '-c', '1', '-W', '2', '2001:db8::2'])).code).toBe(0);
    const link = JSON.parse((await topology.exec('b', 'ip', ['-j', 'link', 'show', 'eth0'])).stdout) as { mtu: number }[];
    expect(link[0]?.mtu).toBe(9000);
  });

  it('leaves a down host unreachable', async () => {
    expect((await topology.exec('a', 'ping', ['-c', '1', '-W', '1', '198.18.0.3'])).code).not.toBe(0);
  });

  it('deletes every namespace it made', async () => {
    const extra = await Topology.create({ prefix: 'ib-topo2', hosts: [{ name: 'x', addresses: ['198.18.1.1/24'] }] });
    const name = extra.host('x').netns;
    expect(name).toBe(`${extra.prefix}-x`);
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(name);
    await extra.destroy();
    const { stdout } = await run('ip', ['netns', 'list']);
    expect(stdout).not.toContain(`${extra.prefix}-`);
  });
});
