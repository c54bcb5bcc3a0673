import { describe, expect, it } from 'vitest';
import step from './verify-vips.js';
import { context, nmapReport, result, scriptedRunner } from '../../test/support/step-runner-fake.js';

const REQUEST = '[{"vip":"198.18.0.5","vip_type":"api"},{"vip":"2001:db8::5","vip_type":"ingress"}]';

describe('verify-vips', () => {
  it('refuses a bad request', () => {
    expect(() => step.parseArgs(['{"vip":"1.2.3.4"}'])).toThrow('failed to unmarshal verify_vips_request: expected a JSON array of objects');
    expect(() => step.parseArgs(['[{"vip":"not-an-ip","vip_type":"api"},{"vip":"1.2.3.4","vip_type":"other"}]'])).toThrow(
      /^validation failure list:\n0\.vip in body should match '.*'\n1\.vip_type in body should be one of \[api ingress\]$/,
    );
  });

  it('reports a VIP on which a host is up as failed, in request order', async () => {
    const { run, calls } = scriptedRunner((call) => result(call.args.includes('-6') ? nmapReport([]) : nmapReport(['198.18.0.5'])));
    const reply = await step.run(step.parseArgs([REQUEST]), context(run));
    expect(calls.map((c) => [c.file, ...c.args])).toEqual([
      ['nmap', '-sn', '-n', '-oX', '-', '198.18.0.5'],
      ['nmap', '-6', '-sn', '-n', '-oX', '-', '2001:db8::5'],
    ]);
    expect(reply).toEqual({
      exitCode: 0,
      error: '',
      output: '[{"verification":"failed","vip":"198.18.0.5","vip_type":"api"},{"verification":"succeeded","vip":"2001:db8::5","vip_type":"ingress"}]',
    });
  });

  it('reports VIPs nobody answers on as succeeded', async () => {
    const { run } = scriptedRunner(() => result('<nmaprun><host><status state="down"/><address addr="198.18.0.5" addrtype="ipv4"/></host></nmaprun>'));
    const reply = await step.run(step.parseArgs(['[{"vip":"198.18.0.5","vip_type":"api"}]']), context(run));
    expect(JSON.parse(reply.output)).toEqual([{ vip: '198.18.0.5', vip_type: 'api', verification: 'succeeded' }]);
  });

  it('fails when nmap fails', async () => {
    const { run } = scriptedRunner(() => result('', 255, 'boom'));
    const reply = await step.run(step.parseArgs(['[{"vip":"198.18.0.5","vip_type":"api"}]']), context(run));
    expect(reply).toEqual({ exitCode: -1, output: '', error: 'failed to verify vip 198.18.0.5: nmap exited with code 255: boom' });
  });

  it('succeeds for everything in dry-run mode, without scanning', async () => {
    const { run, calls } = scriptedRunner(() => result('', 1));
    const reply = await step.run(step.parseArgs([REQUEST]), context(run, true));
    expect(calls).toEqual([]);
    expect(JSON.parse(reply.output).map((v: { verification: string }) => v.verification)).toEqual(['succeeded', 'succeeded']);
  });
});
