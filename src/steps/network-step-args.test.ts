import { describe, expect, it } from 'vitest';
import { dispatchStep } from '../agent/dispatcher.js';
import { STEP_REGISTRY } from './registry.js';
import { HostFs } from '../host/host-fs.js';
import type { CommandRunner } from '../host/command-runner.js';
import { memoryLogger } from '../log/logger.js';
import { DRY_RUN_OFF } from '../config/dry-run.js';
import type { StepContext } from './types.js';
import { swaggerErrors } from '../../test/support/swagger.js';
import { MISSING_DOMAIN_NAME } from './domain-resolution.js';

function contextWith(run: CommandRunner) {
  return (signal: AbortSignal): StepContext => ({
    signal,
    run,
    hostFs: new HostFs('/'),
    log: memoryLogger(),
    agent: { url: '', infraEnvId: '', hostId: '', agentVersion: '', insecure: false, token: '' },
    dryRun: DRY_RUN_OFF,
  });
}

const noCommands: CommandRunner = async () => {
  throw new Error('no command expected');
};

async function dispatch(type: string, args: string[], run: CommandRunner = noCommands) {
  return dispatchStep({ step_id: 's', step_type: type as never, args }, { registry: STEP_REGISTRY, context: contextWith(run) });
}

describe('domain-resolution arguments', () => {
  it('rejects a domain without a domain name with upstream\'s message', async () => {
    expect(await dispatch('domain-resolution', ['{"domains":[{"domain_name":"a.test"},{}]}'])).toEqual({ exitCode: -1, output: '', error: MISSING_DOMAIN_NAME });
    expect(MISSING_DOMAIN_NAME).toBe('Every domain in a domain request must have a domain name field');
    expect((await dispatch('domain-resolution', ['{"domains":[{"domain_name":null}]}'])).error).toBe(MISSING_DOMAIN_NAME);
  });

  it('requires the domains list', async () => {
    expect(await dispatch('domain-resolution', ['{}'])).toEqual({ exitCode: -1, output: '', error: 'validation failure list:\ndomains in body is required' });
  });

  it('answers an empty list with no resolutions', async () => {
    const result = await dispatch('domain-resolution', ['{"domains":[]}']);
    expect(result).toEqual({ exitCode: 0, output: '{"resolutions":[]}', error: '' });
    expect(swaggerErrors('domain_resolution_response', JSON.parse(result.output))).toEqual([]);
  });
});

describe('ntp-synchronizer arguments and run', () => {
  it('rejects an invalid source with upstream\'s message', async () => {
    expect(await dispatch('ntp-synchronizer', ['{"ntp_source":"169.254.1.3,bad source"}'])).toEqual({ exitCode: -1, output: '', error: 'Invalid NTP source: bad source' });
    expect((await dispatch('ntp-synchronizer', ['{}'])).error).toBe('validation failure list:\nntp_source in body is required');
  });

  it('adds only missing sources and reports chrony\'s view', async () => {
    // Reverse lookups go to a closed port, so names stay addresses whatever DNS this machine has.
    process.env.INBAND_DNS_SERVER = '127.0.0.1:9';
    const calls: string[][] = [];
    let added = false;
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      if (args[0] === 'add') added = true;
      const listing = `^* 127.0.0.1  2 6 377 35 -112us[-140us] +/- 17ms\n${added ? '^? 169.254.1.3  0 7 0 - +0ns[+0ns] +/- 0ns\n' : ''}`;
      return { stdout: listing, stderr: '', exitCode: 0, timedOut: false };
    };
    const result = await dispatch('ntp-synchronizer', ['{"ntp_source":"127.0.0.1,169.254.1.3"}'], run);
    expect(calls).toEqual([
      ['chronyc', '-n', 'sources'],
      ['chronyc', 'add', 'server', '169.254.1.3', 'iburst'],
      ['chronyc', '-n', 'sources'],
    ]);
    expect(result.exitCode).toBe(0);
    const output = JSON.parse(result.output) as { ntp_sources: { source_name: string; source_state: string }[] };
    expect(output.ntp_sources.map((s) => s.source_state)).toEqual(['synced', 'unreachable']);
    expect(output.ntp_sources[1]?.source_name).toBe('169.254.1.3');
    delete process.env.INBAND_DNS_SERVER;
    expect(swaggerErrors('ntp_synchronization_response', output)).toEqual([]);
  });

  it('fails with upstream\'s message when chronyc times out', async () => {
    const run: CommandRunner = async () => ({ stdout: '', stderr: '', exitCode: 124, timedOut: true });
    expect(await dispatch('ntp-synchronizer', ['{"ntp_source":"169.254.1.3"}'], run)).toEqual({ exitCode: -1, output: '', error: 'chronyc was timed out after 30 seconds' });
  });
});

describe('api-vip-connectivity-check arguments', () => {
  it('requires the url', async () => {
    expect(await dispatch('api-vip-connectivity-check', ['{}'])).toEqual({ exitCode: -1, output: '', error: 'validation failure list:\nurl in body is required' });
    expect((await dispatch('api-vip-connectivity-check', ['not json'])).exitCode).toBe(-1);
  });

  it('reports a refused connection as a finding with exit code 0', async () => {
    const result = await dispatch('api-vip-connectivity-check', ['{"url":"http://127.0.0.1:1/config/worker"}']);
    expect(result.exitCode).toBe(0);
    expect(result.error).toBe('ignition download error');
    const output = JSON.parse(result.output) as Record<string, unknown>;
    expect(output.url).toBe('http://127.0.0.1:1/config/worker');
    expect(output.is_success).toBeUndefined();
    expect(output.download_error).toMatch(/ECONNREFUSED|refused/);
    expect(swaggerErrors('api_vip_connectivity_response', output)).toEqual([]);
  });
});

describe('tang-connectivity-check arguments', () => {
  it('requires tang_servers to be JSON text', async () => {
    expect((await dispatch('tang-connectivity-check', ['{}'])).error).toBe('validation failure list:\ntang_servers in body is required');
    expect((await dispatch('tang-connectivity-check', ['{"tang_servers":"[{"}'])).error).toMatch(/^failed to unmarshal tang_servers: /);
  });

  it('fails the step, listing every bad server', async () => {
    const servers = JSON.stringify([{ url: 'not a url', thumbprint: 'x' }, { url: 'http://127.0.0.1:1', thumbprint: '' }]);
    const result = await dispatch('tang-connectivity-check', [JSON.stringify({ tang_servers: servers })]);
    expect(result.exitCode).toBe(-1);
    expect(result.output).toBe('{"is_success":false}');
    expect(result.error).toBe('2 errors occurred:\n\t* invalid tang url "not a url"\n\t* tang server http://127.0.0.1:1 has no thumbprint\n\n');
    expect(swaggerErrors('tang_connectivity_response', JSON.parse(result.output))).toEqual([]);
  });
});
