import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../host/command-runner.js';
import { DRY_RUN_OFF } from '../config/dry-run.js';
import { swaggerErrors } from '../../test/support/swagger.js';
import step, { parseConnectivityParams } from './connectivity-check.js';
import type { StepContext } from './types.js';

const HOST = { host_id: 'a7a5c8d2-3f67-4e21-9d45-0b3b2f6a1c10', nics: [{ name: 'eth0', mac: 'F8:75:A4:A4:00:FE', ip_addresses: ['192.168.1.1'] }] };
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, close: async () => {} };

function context(run: CommandRunner, dryRun = false): StepContext {
  return {
    signal: new AbortController().signal,
    run,
    hostFs: {} as StepContext['hostFs'],
    log: silent as unknown as StepContext['log'],
    agent: { url: '', infraEnvId: '', hostId: '', agentVersion: '', insecure: false, token: '' },
    dryRun: { ...DRY_RUN_OFF, enabled: dryRun },
  };
}

describe('connectivity-check arguments', () => {
  it('accepts connectivity-check-params', () => {
    expect(parseConnectivityParams([JSON.stringify([HOST])])).toEqual([HOST]);
    expect(parseConnectivityParams(['[]'])).toEqual([]);
  });

  it('reports bad fields in go-openapi words, with their paths', () => {
    const bad = [{ host_id: 'nope', nics: [{ name: 'eth0', mac: 'zz', ip_addresses: ['192.168.1.1/24', 7] }] }, { host_id: HOST.host_id, nics: [{ ip_addresses: ['10.0.0.1/8'] }] }];
    expect(() => parseConnectivityParams([JSON.stringify(bad)])).toThrow(
      'validation failure list:\n0.host_id in body must be of type uuid: "nope"\n0.nics.0.mac in body must be of type mac: "zz"\n0.nics.0.ip_addresses in body must be of type array of strings\n' +
        "1.nics.0.ip_addresses.0 in body should match '^(?:(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3})|(?:(?:[0-9a-fA-F]*:[0-9a-fA-F]*){2,}))$'",
    );
  });

  it('refuses anything but one JSON array', () => {
    expect(() => parseConnectivityParams([])).toThrow('expected 1 argument (the ConnectivityCheckParams JSON), got 0');
    expect(() => parseConnectivityParams(['{}'])).toThrow('failed to unmarshal ConnectivityCheckParams: expected a JSON array');
    expect(() => parseConnectivityParams(['[{]'])).toThrow(/^failed to unmarshal ConnectivityCheckParams: /);
  });
});

describe('connectivity-check step', () => {
  it('dry-run: every result successful, nothing run', async () => {
    const calls: string[] = [];
    const run: CommandRunner = async (file) => {
      calls.push(file);
      return { stdout: '', stderr: '', exitCode: 0, timedOut: false };
    };
    const result = await step.run([HOST], context(run, true));
    expect(calls).toEqual([]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.output) as { remote_hosts: { l2_connectivity: { successful: boolean }[]; l3_connectivity: { successful: boolean }[] }[] };
    expect(report.remote_hosts[0]?.l2_connectivity.every((e) => e.successful)).toBe(true);
    expect(report.remote_hosts[0]?.l3_connectivity.every((e) => e.successful)).toBe(true);
    expect(swaggerErrors('connectivity-report', { remote_hosts: [{ ...report.remote_hosts[0], mtu_report: undefined }] })).toEqual([]);
  });

  it('fails with -1 when the interfaces cannot be listed', async () => {
    const run: CommandRunner = async () => ({ stdout: '', stderr: 'ip: not found', exitCode: -1, timedOut: false });
    expect(await step.run([HOST], context(run))).toEqual({ exitCode: -1, output: '', error: 'failed to list the network interfaces: ip exited with -1: ip: not found' });
  });
});
