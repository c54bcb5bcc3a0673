import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swaggerErrors } from '../test/support/swagger.js';
import { Topology } from './support/netns.js';
import { runToolInNetns } from './support/tool-in-netns.js';

let topology: Topology;
const OCCUPIED = [1, 10, 77, 200];

describe('free_addresses and verify_vips on a real segment', () => {
  beforeAll(async () => {
    topology = await Topology.create({
      prefix: 'ib-free',
      hosts: [
        { name: 'agent', addresses: ['198.18.0.10/24', '2001:db8::10/64'] },
        { name: 'h1', addresses: ['198.18.0.1/24', '2001:db8::1/64'] },
        { name: 'h77', addresses: ['198.18.0.77/24'] },
        { name: 'h200', addresses: ['198.18.0.200/24'] },
        // Unplugged: its address is configured but nobody answers for it, so it is free.
        { name: 'off', addresses: ['198.18.0.33/24'], down: true },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await topology.destroy();
  });

  it('lists exactly the addresses of a /24 that nobody answers on', async () => {
    const result = await runToolInNetns(topology.host('agent').netns, 'free_addresses', '["198.18.0.0/24"]');
    expect(result.code, result.stderr).toBe(0);
    const expected = Array.from({ length: 256 }, (_, i) => i).filter((i) => !OCCUPIED.includes(i)).map((i) => `198.18.0.${i}`);
    expect(JSON.parse(result.stdout)).toStrictEqual([{ network: '198.18.0.0/24', free_addresses: expected }]);
    expect(swaggerErrors('free_networks_addresses', JSON.parse(result.stdout))).toEqual([]);
  });

  it('refuses a network with host bits set, with upstream\'s words', async () => {
    const result = await runToolInNetns(topology.host('agent').netns, 'free_addresses', '["198.18.0.1/24"]');
    expect(result.code).toBe(255);
    expect(result.stderr).toContain('Requested CIDR 198.18.0.0/24 is not equal to provided network 198.18.0.1/24');
  });

  it('verifies IPv4 and IPv6 VIPs: taken ones fail, free ones succeed, in request order', async () => {
    const request = [
      { vip: '198.18.0.150', vip_type: 'api' },
      { vip: '198.18.0.77', vip_type: 'ingress' },
      { vip: '2001:db8::1', vip_type: 'api' },
      { vip: '2001:db8::99', vip_type: 'ingress' },
    ];
    const result = await runToolInNetns(topology.host('agent').netns, 'verify_vips', JSON.stringify(request));
    expect(result.code, result.stderr).toBe(0);
    const response = JSON.parse(result.stdout);
    expect(response).toStrictEqual([
      { verification: 'succeeded', vip: '198.18.0.150', vip_type: 'api' },
      { verification: 'failed', vip: '198.18.0.77', vip_type: 'ingress' },
      { verification: 'failed', vip: '2001:db8::1', vip_type: 'api' },
      { verification: 'succeeded', vip: '2001:db8::99', vip_type: 'ingress' },
    ]);
    expect(swaggerErrors('verify_vips_response', response)).toEqual([]);
  });
});
