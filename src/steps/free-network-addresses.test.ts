import { describe, expect, it } from 'vitest';
import step, { ADDRESS_LIMIT } from './free-network-addresses.js';
import { context, nmapReport, result, scriptedRunner } from '../../test/support/step-runner-fake.js';

const NMAP = ['-sn', '-PR', '-n', '--min-rate', '1000', '-oX', '-'];

describe('free-network-addresses', () => {
  it('refuses text that is not a JSON array of strings', () => {
    expect(() => step.parseArgs(['bad'])).toThrow(/^failed to unmarshal free_addresses_request: /);
    expect(() => step.parseArgs(['{"a":1}'])).toThrow('failed to unmarshal free_addresses_request: expected a JSON array of CIDR strings');
    expect(() => step.parseArgs([])).toThrow('expected 1 argument');
  });

  it('refuses a network that is not written canonically, scanning nothing', async () => {
    const { run, calls } = scriptedRunner(() => result(nmapReport([])));
    const reply = await step.run(step.parseArgs(['["10.0.0.0/24","10.0.0.1/24"]']), context(run));
    expect(reply).toEqual({ exitCode: -1, output: '', error: 'Requested CIDR 10.0.0.0/24 is not equal to provided network 10.0.0.1/24' });
    expect(calls).toEqual([]);
  });

  it('refuses a network larger than /16 (0.0.0.0/0 would probe 8,000 addresses off the segment) and too many networks, scanning nothing', async () => {
    const { run, calls } = scriptedRunner(() => result(nmapReport([])));
    for (const network of ['0.0.0.0/0', '10.0.0.0/8', '172.16.0.0/15']) {
      const reply = await step.run(step.parseArgs([JSON.stringify(['10.0.0.0/24', network])]), context(run));
      expect(reply).toEqual({ exitCode: -1, output: '', error: `Requested network ${network} is larger than /16, the largest network the scanner sweeps` });
    }
    expect(calls).toEqual([]);
    const many = Array.from({ length: 65 }, (_, i) => `10.${i}.0.0/24`);
    expect(() => step.parseArgs([JSON.stringify(many)])).toThrow('free_addresses_request lists 65 networks; at most 64 are scanned');
    expect((await step.run(step.parseArgs(['["172.16.0.0/16"]']), context(run))).exitCode).toBe(0);
  });

  it('lists every address nobody answers on, network and broadcast included', async () => {
    const { run, calls } = scriptedRunner(() => result(nmapReport(['10.0.0.254', '10.0.0.1'], ['10.0.0.250'])));
    const reply = await step.run(step.parseArgs(['["10.0.0.0/24"]']), context(run));
    expect(calls.map((c) => [c.file, ...c.args])).toEqual([['nmap', ...NMAP, '10.0.0.0/24']]);
    const out = JSON.parse(reply.output);
    expect(reply.exitCode).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0].network).toBe('10.0.0.0/24');
    expect(out[0].free_addresses).toHaveLength(254);
    expect(out[0].free_addresses).toContain('10.0.0.250');
    expect(out[0].free_addresses).toContain('10.0.0.0');
    expect(out[0].free_addresses).toContain('10.0.0.255');
    expect(out[0].free_addresses).not.toContain('10.0.0.254');
    expect(out[0].free_addresses).not.toContain('10.0.0.1');
    expect(reply.output.startsWith('[{"free_addresses":["10.0.0.0","10.0.0.2",')).toBe(true);
  });

  it('sweeps a /18 in /22 chunks with the exact nmap command and stops at the address limit', async () => {
    const { run, calls } = scriptedRunner((call) => {
      const chunk = call.args.at(-1)!;
      return result(nmapReport([chunk.replace(/0\/\d+$/, '5')]));
    });
    const reply = await step.run(step.parseArgs(['["10.0.0.0/24","192.168.0.0/18"]']), context(run));
    const out = JSON.parse(reply.output) as { network: string; free_addresses: string[] }[];
    expect(out.map((n) => n.network)).toEqual(['10.0.0.0/24', '192.168.0.0/18']);
    const total = out.reduce((sum, n) => sum + n.free_addresses.length, 0);
    expect(total).toBeGreaterThanOrEqual(ADDRESS_LIMIT);
    expect(total).toBeLessThanOrEqual(ADDRESS_LIMIT - 1 + 1024);
    const all = out.flatMap((n) => n.free_addresses);
    expect(all).not.toContain('10.0.0.5');
    expect(all).not.toContain('192.168.4.5');
    expect(all).toContain('192.168.4.6');
    // Every command is upstream's sweep of one chunk, in address order; no chunk past the limit has results.
    const targets = calls.map((c) => c.args.at(-1));
    for (const c of calls) expect([c.file, ...c.args]).toEqual(['nmap', ...NMAP, c.args.at(-1)]);
    expect(targets.slice(0, 2)).toEqual(['10.0.0.0/24', '192.168.0.0/22']);
    expect(targets).toEqual(['10.0.0.0/24', ...Array.from({ length: targets.length - 1 }, (_, i) => `192.168.${i * 4}.0/22`)]);
    expect(targets.length).toBeLessThan(17);
  });

  it('lists all 16 chunks of a /18 when the limit is not reached', async () => {
    // Every chunk nearly full: 16 × 4 free addresses stay far below the limit.
    const { run, calls } = scriptedRunner((call) => {
      const chunk = call.args.at(-1)!;
      const [a, b, c] = chunk.split('.').map(Number) as [number, number, number];
      const up: string[] = [];
      for (let i = 0; i < 1024; i++) if (i % 256 !== 7) up.push(`${a}.${b}.${c + (i >> 8)}.${i & 255}`);
      return result(nmapReport(up));
    });
    const reply = await step.run(step.parseArgs(['["192.168.0.0/18"]']), context(run));
    expect(calls.map((c) => c.args.at(-1))).toEqual(Array.from({ length: 16 }, (_, i) => `192.168.${i * 4}.0/22`));
    const out = JSON.parse(reply.output);
    expect(out[0].free_addresses).toHaveLength(64);
    expect(out[0].free_addresses.slice(0, 5)).toEqual(['192.168.0.7', '192.168.1.7', '192.168.2.7', '192.168.3.7', '192.168.4.7']);
  });

  it('fails the step when nmap fails or reports garbage', async () => {
    const broken = scriptedRunner(() => result('', 1, 'Failed to open device eth9'));
    expect(await step.run(['10.0.0.0/30'], context(broken.run))).toEqual({
      exitCode: -1,
      output: '',
      error: 'failed to scan 10.0.0.0/30: nmap exited with code 1: Failed to open device eth9',
    });
    const garbage = scriptedRunner(() => result('Starting Nmap'));
    expect((await step.run(['10.0.0.0/30'], context(garbage.run))).error).toMatch(/^invalid nmap XML: /);
  });
});
