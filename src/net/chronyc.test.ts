import { describe, expect, it } from 'vitest';
import { chronyc, parseChronySources, CHRONYC_TIMEOUT_ERROR } from './chronyc.js';
import type { CommandRunner } from '../host/command-runner.js';

// Recorded `chronyc -n sources` of a host with one synced server, a combined one, a falseticker,
// an unreachable one, a jittery one, an outlier, a peer and a reference clock.
const SOURCES_N = `MS Name/IP address         Stratum Poll Reach LastRx Last sample
===============================================================================
^* 192.0.2.10                    2   6   377    35   -112us[ -140us] +/-   17ms
^+ 192.0.2.11                    2   6   377    34   +210us[ +210us] +/-   23ms
^x 192.0.2.12                    3   6   377    33    +45ms[  +45ms] +/-   31ms
^? 169.254.1.3                   0   7     0     -     +0ns[   +0ns] +/-    0ns
^~ 192.0.2.13                    2   6   377    36   +900us[ +900us] +/-   80ms
^- 2001:db8::123                 2   6   377    36   +1.2ms[ +1.2ms] +/-   40ms
=? 192.0.2.99                    0   6     0     -     +0ns[   +0ns] +/-    0ns
#* GPS0                          0   4   377    12     +2us[   +3us] +/-   50us
`;

// Recorded `chronyc -c sources` (CSV) of the same kind of host.
const SOURCES_CSV = `^,*,192.0.2.10,2,6,377,35,-0.000112,-0.000140,0.017000
^,+,192.0.2.11,2,6,377,34,0.000210,0.000210,0.023000
^,?,169.254.1.4,0,7,0,4294967295,0.000000,0.000000,0.000000
^,x,192.0.2.12,3,6,377,33,0.045,0.045,0.031
#,*,GPS0,0,4,377,12,0.000002,0.000003,0.000050
`;

describe('parseChronySources', () => {
  it('maps every selection state of the human-readable listing to upstream\'s source_state', () => {
    expect(parseChronySources(SOURCES_N)).toEqual([
      { name: '192.0.2.10', state: 'synced' },
      { name: '192.0.2.11', state: 'combined' },
      { name: '192.0.2.12', state: 'error' },
      { name: '169.254.1.3', state: 'unreachable' },
      { name: '192.0.2.13', state: 'variable' },
      { name: '2001:db8::123', state: 'not_combined' },
    ]);
  });

  it('reads the CSV listing too, servers only', () => {
    expect(parseChronySources(SOURCES_CSV)).toEqual([
      { name: '192.0.2.10', state: 'synced' },
      { name: '192.0.2.11', state: 'combined' },
      { name: '169.254.1.4', state: 'unreachable' },
      { name: '192.0.2.12', state: 'error' },
    ]);
  });

  it('treats an unknown state as error and an empty listing as no sources', () => {
    expect(parseChronySources('^! 192.0.2.1  2 6 377 1 +0ns[+0ns] +/- 1ms\n')).toEqual([{ name: '192.0.2.1', state: 'error' }]);
    expect(parseChronySources('MS Name/IP address         Stratum Poll Reach LastRx Last sample\n=====\n')).toEqual([]);
  });
});

describe('chronyc runner', () => {
  const signal = new AbortController().signal;

  it('runs upstream\'s commands with argument vectors', async () => {
    const calls: string[][] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return { stdout: SOURCES_N, stderr: '', exitCode: 0, timedOut: false };
    };
    const c = chronyc(run, signal);
    expect(await c.addServer('169.254.1.3')).toBeUndefined();
    expect((await c.sources()).length).toBe(6);
    expect(calls).toEqual([
      ['chronyc', 'add', 'server', '169.254.1.3', 'iburst'],
      ['chronyc', '-n', 'sources'],
    ]);
  });

  it('turns a timeout into upstream\'s message', async () => {
    const run: CommandRunner = async () => ({ stdout: '', stderr: '', exitCode: 124, timedOut: true });
    await expect(chronyc(run, signal).sources()).rejects.toThrow(CHRONYC_TIMEOUT_ERROR);
    expect(await chronyc(run, signal).addServer('x')).toBe(CHRONYC_TIMEOUT_ERROR);
  });
});
